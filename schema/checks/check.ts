// A check is a named record (dtc checks.c): a stable id, a default severity, the checks that must
// pass first, and a run function that reports through the context. The one ordered list of checks
// is in ./index.ts; the runner is ./run.ts.
import type { BoardFacts } from '../board-facts.js';
import type { Config, Domain } from '../config.js';
import type { Severity } from '../diagnostic.js';
import type { Kconfig } from '../kconfig.js';
import type { Arch, ReleaseFacts, XenRelease } from '../releases.js';
import type { PathSegment } from '../source.js';

/**
 * What a check needs before it can run: the typed config (with board facts and Kconfig), the files
 * the config names, or the createdomain arguments built from it. The pipeline runs the table in
 * this order, one stage at a time, so a later stage sees which domains an earlier one refused.
 */
export const CHECK_STAGES = ['config', 'images', 'createdomain'] as const;
export type CheckStage = (typeof CHECK_STAGES)[number];

/**
 * A problem a later stage found while computing its value (a file it could not read, bytes Xen
 * would refuse); the table's check of the same id reports it, so ids, levels and docs stay one.
 */
export interface StagedFinding {
  id: string;
  /** Field path such as 'domains[1].kernel'. */
  path: string;
  message: string;
  hint?: string;
  /** When the stage knows better than the table (e.g. an unresolvable value is only a warning). */
  severity?: Severity;
}

export interface CheckContext {
  readonly config: Config;
  readonly release: XenRelease;
  readonly facts: ReleaseFacts;
  /** The target architecture: config.arch, else the board's; undefined when neither says. */
  readonly arch: Arch | undefined;
  readonly board: BoardFacts | undefined;
  readonly kconfig: Kconfig | undefined;
  /** The later stages' findings, by stage; absent until that stage ran. */
  readonly staged: Partial<Readonly<Record<Exclude<CheckStage, 'config'>, readonly StagedFinding[]>>>;
  /** Reports a problem at a field path. */
  report(
    path: readonly PathSegment[] | string,
    message: string,
    extra?: { hint?: string; severity?: Severity },
  ): void;
}

export interface Check {
  /** Stable kebab-case id, shown in output, accepted by --warn/--error/--no-check. */
  readonly id: string;
  readonly severity: Severity;
  /** One line: what the check guards against. */
  readonly title: string;
  /** Reference section (reference/*.md) the rule comes from. */
  readonly ref?: string;
  /** Checks that must pass first; if one fails this one is skipped (no cascades). */
  readonly needs: readonly Check[];
  /** The stage whose value it reads; 'config' unless said. */
  readonly stage: CheckStage;
  run(ctx: CheckContext): void;
}

export function defineCheck(c: {
  id: string;
  severity?: Severity;
  title: string;
  ref?: string;
  needs?: readonly Check[];
  stage?: CheckStage;
  run: (ctx: CheckContext) => void;
}): Check {
  return { severity: 'error', needs: [], stage: 'config', ...c };
}

/**
 * A check whose rule lives in a later stage's code (the image resolver, the createdomain encoder):
 * it reports that stage's findings of its id. The table still owns the id, severity and title.
 */
export function stagedCheck(c: {
  id: string;
  stage: Exclude<CheckStage, 'config'>;
  severity?: Severity;
  title: string;
  ref?: string;
}): Check {
  return defineCheck({
    ...c,
    run(ctx) {
      for (const f of ctx.staged[c.stage] ?? []) {
        if (f.id !== c.id) continue;
        const extra: { hint?: string; severity?: Severity } = {};
        if (f.hint !== undefined) extra.hint = f.hint;
        if (f.severity !== undefined) extra.severity = f.severity;
        ctx.report(f.path, f.message, extra);
      }
    },
  });
}

/** Each domain with its index, for paths like ['domains', i, 'memory']. */
export function eachDomain(config: Config): [Domain, number][] {
  return config.domains.map((d, i) => [d, i]);
}

/** The domain's effective capabilities (4.21+ `capabilities`). */
export function hasCap(d: Domain, cap: 'control' | 'hardware' | 'xenstore'): boolean {
  return d.capabilities?.includes(cap) ?? false;
}

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Whether a Xen command-line option is set to a true value (`opt`, `opt=on|1|yes|true`). */
export function cmdlineFlag(cmdline: string, option: string): boolean | undefined {
  let result: boolean | undefined;
  for (const tok of cmdline.split(/\s+/)) {
    if (tok === '') continue;
    const [name, value] = tok.split('=', 2) as [string, string | undefined];
    const norm = name.replace(/-/g, '_');
    const want = option.replace(/-/g, '_');
    if (norm === want) result = value === undefined || /^(1|on|yes|true|enable|enabled)$/i.test(value);
    else if (norm === `no_${want}`) result = false;
  }
  return result;
}

/** The value of a Xen command-line option (`opt=value`), last one wins. */
export function cmdlineValue(cmdline: string, option: string): string | undefined {
  let result: string | undefined;
  const want = option.replace(/-/g, '_');
  for (const tok of cmdline.split(/\s+/)) {
    const eq = tok.indexOf('=');
    if (eq > 0 && tok.slice(0, eq).replace(/-/g, '_') === want) result = tok.slice(eq + 1);
  }
  return result;
}

/**
 * The commonest shape of rule: every domain `when` holds for is reported at one of its fields
 * (usually two settings that do not combine, or one the rest of the system cannot honour).
 * `applies` decides once for the whole system whether the rule is in force.
 */
export function domainRule(c: {
  id: string;
  severity?: Severity;
  title: string;
  ref?: string;
  needs?: readonly Check[];
  applies?: (ctx: CheckContext) => boolean;
  /** The domain field the report points at. */
  field: string;
  when: (d: Domain, ctx: CheckContext) => boolean;
  message: string | ((d: Domain, ctx: CheckContext) => string);
  hint?: string | ((d: Domain, ctx: CheckContext) => string);
}): Check {
  const { applies, field, when, message, hint, ...rest } = c;
  return defineCheck({
    ...rest,
    run(ctx) {
      if (applies && !applies(ctx)) return;
      for (const [d, i] of eachDomain(ctx.config)) {
        if (!when(d, ctx)) continue;
        const text = typeof message === 'string' ? message : message(d, ctx);
        const extra =
          hint === undefined ? undefined : { hint: typeof hint === 'string' ? hint : hint(d, ctx) };
        ctx.report(['domains', i, field], text, extra);
      }
    },
  });
}
