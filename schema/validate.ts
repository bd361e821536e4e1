// Semantic validation: the check table run over a typed Config, with optional board facts and the
// Xen build's Kconfig. Returns every finding; never throws on a bad config.
import type { BoardFacts } from './board-facts.js';
import type { Check, CheckStage, StagedFinding } from './checks/check.js';
import { checkTable } from './checks/index.js';
import { type CheckLevel, runChecks } from './checks/runner.js';
import type { Arch, Config } from './config.js';
import type { Diagnostic } from './diagnostic.js';
import type { Kconfig } from './kconfig.js';
import { releaseFacts } from './releases.js';
import { type ConfigSource, locate } from './source.js';

export interface ValidateOptions {
  board?: BoardFacts;
  kconfig?: Kconfig;
  /** Where the config came from, so diagnostics get file:line:col. */
  source?: ConfigSource;
  /** Per-check severity overrides (--warn/--error/--no-check). */
  levels?: ReadonlyMap<string, CheckLevel>;
  /** The table to run (default: the schema's own); only its checks of `stage` run. */
  table?: readonly Check[];
  /** Which stage's checks run (default 'config'). */
  stage?: CheckStage;
  /** The later stages' findings, for their checks. */
  staged?: CheckContextStaged;
}

type CheckContextStaged = Partial<Record<Exclude<CheckStage, 'config'>, readonly StagedFinding[]>>;

/** The target architecture: the config's arch, else the board's, else an inline board's. */
export function resolveArch(config: Config, board?: BoardFacts): Arch | undefined {
  if (config.arch) return config.arch;
  if (board) return board.arch;
  return typeof config.board === 'object' ? config.board.arch : undefined;
}

export function validate(config: Config, opts: ValidateOptions = {}): Diagnostic[] {
  const stage = opts.stage ?? 'config';
  const diags = runChecks(
    (opts.table ?? checkTable()).filter((c) => c.stage === stage),
    {
      config,
      release: config.xen.release,
      facts: releaseFacts(config.xen.release),
      arch: resolveArch(config, opts.board),
      board: opts.board,
      kconfig: opts.kconfig,
      staged: opts.staged ?? {},
    },
    opts.levels,
  );
  return locate(diags, opts.source);
}

/** Every check id in table order (for --warn/--error/--no-check and docs). */
export function checkIds(): string[] {
  return checkTable().map((c) => c.id);
}
