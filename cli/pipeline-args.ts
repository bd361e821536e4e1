// What every pipeline command (validate, plan, build, run) takes from its arguments: the config
// file's text, and the board query (--board, --board-dtb, the cache). An unreadable config is a
// usage error (exit 2); everything after reading it is the library's (builder/pipeline).
import { dirname, join, resolve } from 'node:path';
import { InputFileError, readRegularFile } from '../builder/input-file.js';
import type { BoardQuery, PipelineEvent, PipelineInput } from '../builder/pipeline/index.js';
import { MAX_CONFIG_BYTES } from '../schema/load.js';
import { UsageError } from './errors.js';
import type { CliIO } from './io.js';

/** ${DOMBUILD_CACHE:-$XDG_CACHE_HOME/dombuild}, with ~/.cache when XDG_CACHE_HOME is unset. */
export function cacheDirFrom(env: CliIO['env']): string | undefined {
  if (env.DOMBUILD_CACHE) return env.DOMBUILD_CACHE;
  const xdg = env.XDG_CACHE_HOME ?? (env.HOME ? join(env.HOME, '.cache') : undefined);
  return xdg ? join(xdg, 'dombuild') : undefined;
}

/**
 * The config at the absolute path `file`: its text (at most the loader's cap and one byte: a larger
 * file is reported as too large without being read whole) and folder. Anything but a regular
 * file is refused by its kind (a FIFO would block, a device never end).
 */
export async function readConfigFile(
  file: string,
): Promise<Pick<PipelineInput, 'text' | 'truncated' | 'file' | 'configDir'>> {
  try {
    const { bytes, truncated } = await readRegularFile(file, MAX_CONFIG_BYTES);
    return { text: new TextDecoder().decode(bytes), truncated, file, configDir: dirname(file) };
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    throw new UsageError(`cannot read ${file} (${e.reason})`);
  }
}

/**
 * The board build, plan and run resolve: QEMU boards dumped by QEMU (cached); --board and
 * --board-dtb are relative to where the user stands, a board named in the config to its folder.
 */
export function boardQuery(args: Record<string, unknown>, io: CliIO): BoardQuery {
  const q: BoardQuery = { qemu: 'auto', path: io.env.PATH ?? '' };
  const cacheDir = cacheDirFrom(io.env);
  if (cacheDir) q.cacheDir = cacheDir;
  if (typeof args.boardDtb === 'string') q.boardDtb = resolve(io.cwd, args.boardDtb);
  if (typeof args.board === 'string') {
    q.override = args.board;
    q.overrideDir = io.cwd;
  }
  return q;
}

/** The progress lines build prints while the pipeline works. */
export function progress(io: CliIO): (event: PipelineEvent) => void {
  return (event) => {
    if (event.kind === 'board') io.stderr('dombuild: resolving the board\n');
    else if (event.kind === 'unchecked') io.stderr(NO_VALIDATE_WARNING);
    else if (event.kind === 'kconfig')
      io.stderr(`dombuild: checking against the Xen build's Kconfig ${event.path}\n`);
    else io.stderr(`dombuild: building the ${event.arch === 'x86_64' ? 'x86 ' : ''}outputs\n`);
  };
}

export const NO_VALIDATE_WARNING =
  'dombuild: WARNING: --no-validate: the checks below are reported as warnings and the outputs are made anyway.\n' +
  'dombuild: WARNING: this is for tests that show what real Xen does with a bad tree; do not boot them on a board.\n';

/** True when the command was given --no-validate (yargs: `validate: false`). */
export function skipsValidation(args: Record<string, unknown>): boolean {
  return args.validate === false;
}
