// `dombuild validate`: read the config (and the Kconfig it names), resolve the board, run the
// schema's checks and then the createdomain checks (combinations Xen's domain creation refuses;
// they live in builder/, which schema/ cannot import), print the report. Exit 0 valid, 1 invalid,
// 2 usage or I/O error.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { BoardFacts } from '../../schema/board.js';
import type { CheckLevel } from '../../schema/checks/run.js';
import type { Config } from '../../schema/config.js';
import { type Diagnostic, hasFailures } from '../../schema/diagnostic.js';
import { type Kconfig, parseKconfig } from '../../schema/kconfig.js';
import { loadConfig } from '../../schema/load.js';
import { locate } from '../../schema/source.js';
import { checkIds, resolveArch, validate } from '../../schema/validate.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';

/** A file validate could not read: exit 2, and with --json a report that says so. */
class ReadFailure extends UsageError {
  constructor(
    message: string,
    readonly code: string,
    readonly path: string,
  ) {
    super(message);
  }
}

export async function runValidate(args: Record<string, unknown>, io: CliIO): Promise<number> {
  try {
    return await validateConfig(args, io);
  } catch (e) {
    if (args.json !== true || !(e instanceof UsageError)) throw e;
    // A --json caller parses stdout whatever happened: give it a report with the error in it.
    const { renderJson } = await import('../../schema/render.js');
    const doc = {
      ...JSON.parse(renderJson(String(args.config), [], false)),
      error: {
        code: e instanceof ReadFailure ? e.code : 'usage',
        path: e instanceof ReadFailure ? e.path : null,
        message: e.message,
      },
    };
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    io.stderr(`dombuild: ${e.message}\n`);
    return 2;
  }
}

async function validateConfig(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const file = String(args.config);
  const abs = isAbsolute(file) ? file : resolve(io.cwd, file);
  const { CREATEDOMAIN_CHECKS } = await import('../../builder/createdomain/checks.js');
  const levels = checkLevels(args, [...checkIds(), ...CREATEDOMAIN_CHECKS.map((c) => c.id), IMAGE_MISSING]);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new ReadFailure(`cannot read ${file} (${code})`, code, abs);
  }
  const shown = relative(io.cwd, abs) || file;
  const loaded = loadConfig(text, shown);
  const diags: Diagnostic[] = [...loaded.diagnostics];
  if (loaded.config) {
    const configDir = dirname(abs);
    const kconfig = await readKconfig(loaded.config.xen.kconfig, configDir, io, diags);
    const board = await boardFacts(loaded.config.board, configDir, diags);
    const opts: Parameters<typeof validate>[1] = { source: loaded.source, levels };
    if (kconfig) opts.kconfig = kconfig;
    if (board) opts.board = board;
    const found = validate(loaded.config, opts);
    diags.push(...found);
    // The files the config names (kernels, ramdisks, DTBs, Xen) must be there for build. Here a
    // missing one is a warning by default: editors and pre-commit hooks validate configs whose
    // images a build system has not produced yet; --strict or --error image-missing make it fail.
    const { resolveImages } = await import('../../builder/images.js');
    const files = (await resolveImages(loaded.config, { configDir, hash: false })).diagnostics;
    diags.push(...withLevel(files, IMAGE_MISSING, levels.get(IMAGE_MISSING) ?? 'warning'));
    diags.push(...(await createDomainFindings(loaded.config, board, found, levels)));
  }
  const located = locate(diags, loaded.source);
  const strict = args.strict === true;
  const failed = hasFailures(located, strict);
  const render = await import('../../schema/render.js');
  if (args.json === true) io.stdout(render.renderJson(shown, located, !failed));
  else {
    io.stdout(render.renderHuman(located, { color: io.isTTY && !io.env.NO_COLOR, sources: [loaded.source] }));
    io.stdout(render.renderSummary(shown, located, failed, io.isTTY && !io.env.NO_COLOR));
  }
  return failed ? 1 : 0;
}

const IMAGE_MISSING = 'image-missing';

/** Gives every diagnostic with this id the chosen level ('off' drops it). */
function withLevel(diags: readonly Diagnostic[], id: string, level: CheckLevel): Diagnostic[] {
  if (level === 'off') return diags.filter((d) => d.id !== id);
  return diags.map((d) => (d.id === id ? { ...d, severity: level } : d));
}

function checkLevels(args: Record<string, unknown>, ids: readonly string[]): Map<string, CheckLevel> {
  const levels = new Map<string, CheckLevel>();
  const known = new Set(ids);
  const take = (flag: string, level: CheckLevel) => {
    const v = args[flag];
    const ids = v === undefined ? [] : Array.isArray(v) ? v : [v];
    for (const id of ids.map(String)) {
      if (!known.has(id)) throw new UsageError(`--${flag}: unknown check id "${id}" (see docs/schema.md)`);
      levels.set(id, level);
    }
  };
  take('warn', 'warning');
  take('error', 'error');
  take('no-check', 'off');
  return levels;
}

/**
 * The createdomain checks for every domain the schema found no error in: like a check's `needs`,
 * a domain whose config is already wrong gets one diagnostic, not a second one about the same
 * value's bytes. Only arm64 and x86_64 have a createdomain layout. --warn/--error/--no-check
 * apply by id, as for the schema's checks.
 */
async function createDomainFindings(
  config: Config,
  board: BoardFacts | undefined,
  found: readonly Diagnostic[],
  levels: ReadonlyMap<string, CheckLevel>,
): Promise<Diagnostic[]> {
  const arch = resolveArch(config, board);
  if (arch !== 'arm64' && arch !== 'x86_64') return [];
  const { createDomainDiagnostics } = await import('../../builder/createdomain/from-config.js');
  const failed = new Set<number>();
  for (const d of found) {
    const m = /^domains\[(\d+)\]/.exec(d.path);
    if (m && d.severity === 'error') failed.add(Number(m[1]));
  }
  const out: Diagnostic[] = [];
  for (const d of createDomainDiagnostics(config, board ? { arch, board } : { arch })) {
    const m = /^domains\[(\d+)\]/.exec(d.path);
    if (m && failed.has(Number(m[1]))) continue;
    const level = levels.get(d.id);
    if (level === 'off') continue;
    out.push(level ? { ...d, severity: level } : d);
  }
  return out;
}

async function readKconfig(
  path: string | undefined,
  configDir: string,
  io: CliIO,
  diags: Diagnostic[],
): Promise<Kconfig | undefined> {
  if (path === undefined) return undefined;
  const abs = isAbsolute(path) ? path : resolve(configDir, path);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    diags.push({
      id: 'kconfig-unreadable',
      severity: 'error',
      message: `cannot read the Kconfig file ${path} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`,
      path: 'xen.kconfig',
      hint: 'point xen.kconfig at the .config of the Xen build, relative to the config file',
    });
    return undefined;
  }
  const r = parseKconfig(text, relative(io.cwd, abs));
  diags.push(...r.diagnostics);
  return r.kconfig;
}

async function boardFacts(
  setting: Parameters<typeof import('../../boards/registry.js').resolveBoard>[0],
  configDir: string,
  diags: Diagnostic[],
): Promise<BoardFacts | undefined> {
  const [{ resolveBoard }, { toBoardFacts }] = await Promise.all([
    import('../../boards/registry.js'),
    import('../../builder/board-facts.js'),
  ]);
  const r = await resolveBoard(setting, { configDir, qemu: 'generated' });
  for (const d of r.diagnostics) {
    const diag: Diagnostic = {
      id: d.id,
      severity: d.severity,
      message: d.where ? `${d.where}: ${d.message}` : d.message,
      path: 'board',
    };
    if (d.hint) diag.hint = d.hint;
    diags.push(diag);
  }
  return r.board ? toBoardFacts(r.board, r.tree) : undefined;
}
