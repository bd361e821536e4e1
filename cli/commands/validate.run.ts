// `dombuild validate`: read the config, run the pipeline up to its checks (the one table build and
// run use too: the config, the files it names, the createdomain bytes), print the report. Exit 0
// valid, 1 invalid, 2 usage or I/O error.
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { CheckLevel } from '../../schema/checks/runner.js';
import { hasFailures } from '../../schema/diagnostic.js';
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
    const { renderJson } = await import('../../schema/diagnostic-render.js');
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
  const { pipelineCheckIds } = await import('../../builder/pipeline/checks.js');
  const levels = checkLevels(args, pipelineCheckIds());
  const { InputFileError, readRegularFile } = await import('../../builder/input-file.js');
  const { MAX_CONFIG_BYTES } = await import('../../schema/load.js');
  let read: Awaited<ReturnType<typeof readRegularFile>>;
  try {
    read = await readRegularFile(abs, MAX_CONFIG_BYTES);
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    throw new ReadFailure(`cannot read ${file} (${e.reason})`, e.code, abs);
  }
  const shown = relative(io.cwd, abs) || file;
  const { runPipeline } = await import('../../builder/pipeline/index.js');
  // validate builds QEMU boards' trees itself rather than asking QEMU: it answers in milliseconds.
  const r = await runPipeline({
    text: new TextDecoder().decode(read.bytes),
    truncated: read.truncated,
    file: shown,
    configDir: dirname(abs),
    cwd: io.cwd,
    board: { qemu: 'generated' },
    until: 'checks',
    levels,
  });
  const located = r.diagnostics;
  const strict = args.strict === true;
  const failed = hasFailures(located, strict);
  const render = await import('../../schema/diagnostic-render.js');
  if (args.json === true) io.stdout(render.renderJson(shown, located, !failed));
  else {
    io.stdout(render.renderHuman(located, { color: io.isTTY && !io.env.NO_COLOR, sources: [r.source] }));
    io.stdout(render.renderSummary(shown, located, failed, io.isTTY && !io.env.NO_COLOR));
  }
  return failed ? 1 : 0;
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
