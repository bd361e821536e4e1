// `dombuild build`: the pipeline to its emitters, then the output folder written atomically.
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { type WriteOptions, writeArtifacts } from '../../builder/artifacts.js';
import { ARCH_OUTPUTS, OUTPUT_KINDS, type OutputKind } from '../../builder/emit-system.js';
import { hostMediaTools } from '../../builder/media/index.js';
import { PipelineInputError, runPipeline } from '../../builder/pipeline/index.js';
import { HYPERLAUNCH_STATUS } from '../../builder/x86/emit.js';
import { locateAsset, xenAssetId } from '../../qemu/assets.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';
import { boardQuery, cacheDirFrom, progress, readConfigFile, skipsValidation } from '../pipeline-args.js';
import { finish, printDiagnostics } from '../print-diagnostics.js';
import { checkBoardFlag } from './board-flag.js';
import { outputOptions, usageFromArtifacts } from './build.output.js';

export function parseOnly(text: string | undefined): Set<OutputKind> | undefined {
  if (text === undefined) return undefined;
  const out = new Set<OutputKind>();
  for (const w of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(OUTPUT_KINDS as readonly string[]).includes(w))
      throw new UsageError(`--only ${w}: unknown output (known: ${OUTPUT_KINDS.join(', ')})`);
    out.add(w as OutputKind);
  }
  if (out.size === 0) throw new UsageError('--only needs at least one output');
  return out;
}

/** The outputs asked for, checked against what the board's arch can write (a usage error, exit 2). */
export function outputsFor(
  only: Set<OutputKind> | undefined,
  hyperlaunch: boolean,
  arch: string,
): Set<OutputKind> | undefined {
  const family = arch === 'x86_64' ? 'x86_64' : 'arm';
  const can: readonly OutputKind[] = ARCH_OUTPUTS[family];
  if (hyperlaunch && family !== 'x86_64')
    throw new UsageError(`--hyperlaunch: the hyperlaunch tree is for x86_64 boards; this board is ${arch}`);
  const bad = [...(only ?? [])].filter((k) => !can.includes(k));
  if (bad.length > 0)
    throw new UsageError(
      `--only ${bad.join(',')}: not an output for ${arch} boards (${arch} writes: ${can.join(', ')})`,
    );
  if (only && hyperlaunch) only.add('hyperlaunch');
  return only;
}

/** SOURCE_DATE_EPOCH when set (reproducible-builds.org), else 0: the output never depends on the clock. */
export function buildTimestamp(env: CliIO['env']): number {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return 0;
  if (!/^\d{1,10}$/.test(v) || Number(v) > 0xffffffff)
    throw new UsageError(`SOURCE_DATE_EPOCH=${v} is not a number of seconds that fits 32 bits`);
  return Number(v);
}

export async function runBuild(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const file = resolve(io.cwd, String(args.config));
  const outDir = resolve(io.cwd, String(args.o ?? args.out));
  const only = parseOnly(typeof args.only === 'string' ? args.only : undefined);
  const timestamp = buildTimestamp(io.env);
  const hyperlaunch = args.hyperlaunch === true;
  const input = await readConfigFile(file);
  const r = await runPipeline({
    ...input,
    cwd: io.cwd,
    board: boardQuery(args, io),
    until: 'emit',
    // build needs the files it writes from: a missing one is an error here, a warning in validate.
    levels: new Map([['image-missing', 'error']]),
    unchecked: skipsValidation(args),
    onBoard: (b) => checkBoardFlag(args, b.diagnostics),
    onEvent: progress(io),
    outputs: (config, board) => {
      const wanted = outputsFor(only, hyperlaunch, board.arch);
      const wants = (k: OutputKind) => !wanted || wanted.has(k);
      const x86 = board.arch === 'x86_64';
      return {
        // Hashing reads every image whole: a partial build (--only) with neither the blob, which
        // needs the hashes, nor the FIT, which reads the images anyway, skips it.
        hashImages: wants('blob') || (!x86 && wants('fit')),
        // A disk that boots a FIT carries it, so boot.fit reads the images even without --only fit.
        readImageBytes: !x86 && (wants('fit') || config.boot.fit),
        mediaTools: hostMediaTools({ path: io.env.PATH ?? '', tmpDir: tmpdir() }),
        bootRoot: input.configDir,
        outDir,
        ...(wanted ? { only: wanted } : {}),
        dynamic: args.dynamic === true || (config.boot as Record<string, unknown>).dynamic === true,
        hyperlaunch,
        timestamp,
      };
    },
  }).catch((e: unknown) => {
    if (e instanceof PipelineInputError) throw new UsageError(e.message);
    throw e;
  });
  const xenHint = r.config ? cachedXenHint(r.config.xen.release, cacheDirFrom(io.env)) : undefined;
  const diagnostics = r.diagnostics.map((d) =>
    xenHint && d.id === 'fit-image-missing' && d.path === 'xen.image' ? { ...d, hint: xenHint } : d,
  );
  if (!r.built || r.reached !== 'emit') return finish(io, diagnostics);
  return write(io, outDir, r.built.files, diagnostics, outputOptions(args, io, file));
}

/** Print the diagnostics and, when none is an error, replace the output folder with `files`. */
async function write(
  io: CliIO,
  outDir: string,
  files: Map<string, Uint8Array>,
  diagnostics: Diagnostic[],
  options: WriteOptions,
): Promise<number> {
  if (diagnostics.some((d) => d.severity === 'error')) return finish(io, diagnostics);
  printDiagnostics(io, diagnostics);
  try {
    const names = await writeArtifacts(files, outDir, options);
    io.stderr(`dombuild: wrote ${outDir}: ${names.join(', ')}\n`);
  } catch (e) {
    throw usageFromArtifacts(e);
  }
  if (files.has('hyperlaunch.dtb'))
    io.stderr(`dombuild: WARNING: hyperlaunch.dts and hyperlaunch.dtb are ${HYPERLAUNCH_STATUS}\n`);
  return 0;
}

/** When scripts/setup-system.sh already cached Debian's Xen for this release: its exact path. */
function cachedXenHint(release: string, cacheDir: string | undefined): string | undefined {
  if (!cacheDir || (release !== '4.17' && release !== '4.20')) return undefined;
  try {
    const xen = locateAsset(cacheDir, xenAssetId(release, 'arm64'));
    return `set xen.image: ${xen.path} (Debian's Xen ${release}, cached by scripts/setup-system.sh)`;
  } catch {
    return undefined;
  }
}
