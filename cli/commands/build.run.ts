// `dombuild build`: config → board → images → plan → buildSystem → writeArtifacts.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { resolveBoard } from '../../boards/registry.js';
import type { BoardDiagnostic } from '../../boards/types.js';
import { type WriteOptions, writeArtifacts } from '../../builder/artifacts.js';
import { toBoardFacts } from '../../builder/board-facts.js';
import {
  ARCH_OUTPUTS,
  buildSystem,
  buildX86System,
  OUTPUT_KINDS,
  type OutputKind,
} from '../../builder/build.js';
import { resolveImages } from '../../builder/images.js';
import { planLayout } from '../../builder/plan/layout.js';
import { HYPERLAUNCH_STATUS } from '../../builder/x86/index.js';
import { writeDtb } from '../../devicetree/dtb.js';
import { locateAsset, xenAssetId } from '../../qemu/assets.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import { locate } from '../../schema/source.js';
import { validate } from '../../schema/validate.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';
import { boardQuery, loadSystem } from '../load-system.js';
import { finish, printDiagnostics } from '../report.js';
import { checkBoardFlag } from './board-flag.js';
import { outputOptions, usageFromArtifacts } from './build.output.js';
import { demoteChecks, skipsValidation } from './build.unchecked.js';
import { cacheDirFrom } from './plan.run.js';

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
  const { configDir, loaded, diagnostics } = await loadSystem(file);
  const config = loaded.config;
  if (!config) return finish(io, diagnostics);

  const cacheDir = cacheDirFrom(io.env);
  const { setting, options: boardOpts } = boardQuery(args, io, configDir, config.board, cacheDir);
  io.stderr('dombuild: resolving the board\n');
  const b = await resolveBoard(setting, boardOpts);
  checkBoardFlag(args, b.diagnostics);
  diagnostics.push(...b.diagnostics.map(fromBoard));
  const hyperlaunch = args.hyperlaunch === true;
  const wanted = b.board ? outputsFor(only, hyperlaunch, b.board.arch) : only;
  if (b.board?.arch === 'x86_64') {
    // x86 Xen reads no device tree and the loader places the modules: no DTB and no memory plan.
    const checked = locate(
      validate(config, { board: toBoardFacts(b.board, b.tree), source: loaded.source }),
      loaded.source,
    );
    diagnostics.push(...(skipsValidation(args) ? demoteChecks(io, checked) : checked));
    if (diagnostics.some((d) => d.severity === 'error')) return finish(io, diagnostics);
    const imgs = await resolveImages(config, { configDir, hash: !wanted || wanted.has('blob') });
    // The kernel-header check is about Arm images placed by the plan; x86 kernels are bzImages.
    diagnostics.push(
      ...locate(
        imgs.diagnostics.filter((d) => d.id !== 'image-unknown-format'),
        loaded.source,
      ),
    );
    if (imgs.diagnostics.some((d) => d.severity === 'error')) return finish(io, diagnostics);
    io.stderr('dombuild: building the x86 outputs\n');
    const built = buildX86System({
      config,
      board: b.board,
      images: imgs.images,
      bootRoot: configDir,
      ...(wanted ? { only: wanted } : {}),
      hyperlaunch,
    });
    const all = [...diagnostics, ...locate(built.diagnostics, loaded.source)];
    return write(io, outDir, built.files, all, outputOptions(args, io, file));
  }
  if (!b.board || !b.tree) {
    if (!diagnostics.some((d) => d.severity === 'error'))
      diagnostics.push({
        id: 'board-dtb-missing',
        severity: 'error',
        message: 'the board has no device tree',
        path: 'board',
      });
    return finish(io, diagnostics);
  }

  const checked = locate(
    validate(config, { board: toBoardFacts(b.board, b.tree), source: loaded.source }),
    loaded.source,
  );
  diagnostics.push(...(skipsValidation(args) ? demoteChecks(io, checked) : checked));
  if (diagnostics.some((d) => d.severity === 'error')) return finish(io, diagnostics);

  // Hashing reads every image whole: a partial build (--only) with neither the blob, which needs
  // the hashes, nor the FIT, which reads the images anyway, skips it and plan.json has no sha256.
  const imgs = await resolveImages(config, {
    configDir,
    hash: !wanted || wanted.has('blob') || wanted.has('fit'),
  });
  diagnostics.push(...locate(imgs.diagnostics, loaded.source));
  if (imgs.diagnostics.some((d) => d.severity === 'error')) return finish(io, diagnostics);

  const planned = planLayout({
    config,
    board: b.board,
    images: imgs.images,
    boardDtbSize: BigInt(writeDtb(b.tree).length),
  });
  diagnostics.push(...locate(planned.diagnostics, loaded.source));
  if (!planned.plan) return finish(io, diagnostics);

  // The FIT embeds the images, so only then are their bytes read.
  const imageBytes = new Map<string, Uint8Array>();
  if (!wanted || wanted.has('fit')) {
    for (const img of imgs.images) {
      if (!img.file || img.generated) continue;
      try {
        imageBytes.set(img.name, new Uint8Array(await readFile(img.file)));
      } catch (e) {
        throw new UsageError(`cannot read ${img.file} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`);
      }
    }
  }
  // For a board DTB on disk, system.dtb keeps its strings block as fdtoverlay would.
  let boardDtb: Uint8Array | undefined;
  if (b.board.dtb.kind === 'file' && b.dtbOrigin === 'file') {
    try {
      boardDtb = new Uint8Array(await readFile(b.board.dtb.path));
    } catch {
      boardDtb = undefined;
    }
  }
  const dynamic = args.dynamic === true || (config.boot as Record<string, unknown>).dynamic === true;
  io.stderr('dombuild: building the outputs\n');
  const built = buildSystem({
    config,
    board: b.board,
    boardTree: b.tree,
    ...(boardDtb ? { boardDtb } : {}),
    plan: planned.plan,
    images: imgs.images,
    imageBytes,
    bootRoot: configDir,
    outDir,
    ...(wanted ? { only: wanted } : {}),
    dynamic,
    timestamp,
  });
  const xenHint = cachedXenHint(config.xen.release, cacheDir);
  diagnostics.push(
    ...locate(
      built.diagnostics.map((d) =>
        xenHint && d.id === 'fit-image-missing' && d.path === 'xen.image' ? { ...d, hint: xenHint } : d,
      ),
      loaded.source,
    ),
  );
  return write(io, outDir, built.files, diagnostics, outputOptions(args, io, file));
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

function fromBoard(d: BoardDiagnostic): Diagnostic {
  const out: Diagnostic = { id: d.id, severity: d.severity, message: d.message, path: 'board' };
  if (d.hint !== undefined) out.hint = d.hint;
  return out;
}
