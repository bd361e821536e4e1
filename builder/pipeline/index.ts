// runPipeline: the one road from a config's text to a system's outputs, shared by every command.
// load → board → Kconfig → checks (config, images, createdomain: one table) → plan → emit.
// validate stops after the checks, plan after the plan, build and run after the emitters; they
// differ only in how far they go and what they print. Each stage is a function of the previous
// stage's value; the only I/O is reading the inputs the config names (board, Kconfig, images).

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { type ResolveBoardOptions, type ResolvedBoard, resolveBoard } from '../../boards/resolve.js';
import type { Board } from '../../boards/types.js';
import { writeDtb } from '../../devicetree/dtb.js';
import type { Tree } from '../../devicetree/tree.js';
import type { BoardFacts } from '../../schema/board-facts.js';
import type { CheckStage } from '../../schema/checks/check.js';
import type { CheckLevel } from '../../schema/checks/runner.js';
import type { Config } from '../../schema/config.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import { type Kconfig, parseKconfig } from '../../schema/kconfig.js';
import { type LoadResult, loadConfig } from '../../schema/load.js';
import { type ConfigSource, locate } from '../../schema/source.js';
import { type ValidateOptions, validate } from '../../schema/validate.js';
import { xenBinaryRelease } from '../../xen-formats/xen-binary.js';
import { type BuildInput, type BuildResult, buildSystem, buildX86System } from '../emit-system.js';
import { type ResolvedImage, resolveImages } from '../image-files.js';
import { InputFileError, readRegularFile } from '../input-file.js';
import { type MediaTools, makeMedia } from '../media/index.js';
import { noPlan, planLayout } from '../plan/planner.js';
import type { BootPlan } from '../plan/types.js';
import { boardDiagnostic, toBoardFacts } from './board.js';
import { createdomainFindings, pipelineChecks, toFinding } from './checks.js';

export type PipelineStop = 'checks' | 'plan' | 'emit';

/** Which board, and how to get its tree. */
export interface BoardQuery {
  /** A board named on the command line (--board); else the config's own. */
  override?: string;
  /** Where `override` (and its relative paths) is resolved from: the user's folder. */
  overrideDir?: string;
  /** QEMU boards: dump the tree with QEMU (`auto`, cached) or build the equivalent (`generated`). */
  qemu: NonNullable<ResolveBoardOptions['qemu']>;
  cacheDir?: string;
  /** PATH to look for QEMU in. */
  path?: string;
  /** A DTB that replaces the board's own (--board-dtb), absolute. */
  boardDtb?: string;
}

/** What to build, for `build` and `run`: the emitters' options, and what they need read. */
export interface OutputRequest
  extends Pick<BuildInput, 'bootRoot' | 'outDir' | 'only' | 'dynamic' | 'hyperlaunch' | 'timestamp'> {
  /** sha256 every image: plan.json and the blob record them. */
  hashImages: boolean;
  /** Read the images whole: the FIT embeds them. */
  readImageBytes: boolean;
  /** Runs the tools that make disk.img and efi.img; without it, asking for them is an error. */
  mediaTools?: MediaTools;
}

/** Something the caller may want to say while the pipeline works (progress, the --no-validate warning). */
export type PipelineEvent =
  | { kind: 'board' }
  | { kind: 'unchecked' }
  /** The Xen build's Kconfig was found beside its binary (`xen.kconfig` not given). */
  | { kind: 'kconfig'; path: string }
  | { kind: 'emit'; arch: Board['arch'] };

export interface PipelineInput {
  /** The config's text. */
  text: string;
  /** The reader stopped at the size cap: the config is larger than a config may be. */
  truncated?: boolean;
  /** How diagnostics name the config file. */
  file: string;
  /** The config's folder: relative paths in it are resolved from here. */
  configDir: string;
  /** The user's folder: Kconfig diagnostics name their file relative to it. */
  cwd: string;
  board: BoardQuery;
  until: PipelineStop;
  /** --warn/--error/--no-check, by check id. */
  levels?: ReadonlyMap<string, CheckLevel>;
  /** --no-validate (tests): the checks' errors become warnings; stages that make output keep theirs. */
  unchecked?: boolean;
  /** sha256 every image (plan.json records them); `outputs` decides for build and run. */
  hash?: boolean;
  /** The config the later stages see, once the board is known: `run` puts its own Xen and method in. */
  adjust?: (config: Config, board: Board) => Config;
  /** Called once the board is resolved, before anything is judged (a bad --board is a usage error). */
  onBoard?: (resolved: ResolvedBoard) => void;
  onEvent?: (event: PipelineEvent) => void;
  /** What build and run write, once config and board are known; nothing is emitted without it. */
  outputs?: (config: Config, board: Board) => OutputRequest | undefined;
}

export interface PipelineResult {
  source: ConfigSource;
  loaded: LoadResult;
  /** The config as the later stages saw it (after `adjust`). */
  config?: Config;
  board?: Board;
  boardTree?: Tree;
  /** The board tree as a DTB (its size is planned); for a DTB file, the file's own bytes too. */
  boardDtb?: Uint8Array;
  boardFileBytes?: Uint8Array;
  facts?: BoardFacts;
  kconfig?: Kconfig;
  images?: ResolvedImage[];
  plan?: BootPlan;
  /** Set instead of a plan on boards whose loader places the images (x86). */
  noPlan?: Diagnostic;
  built?: BuildResult;
  /** Every stage's findings, located at the config field where there is one, in stage order. */
  diagnostics: Diagnostic[];
  /** The last stage that ran to its end. */
  reached: 'load' | 'board' | PipelineStop;
}

const MAX_KCONFIG_BYTES = 4 * 1024 * 1024;
/** Xen for Arm is 1-2 MiB; a file far larger is not a Xen image worth scanning for its release. */
const MAX_XEN_BYTES = 64 * 1024 * 1024;

const failed = (diags: readonly Diagnostic[]) => diags.some((d) => d.severity === 'error');

export async function runPipeline(input: PipelineInput): Promise<PipelineResult> {
  const loaded = loadConfig(input.text, input.file, { truncated: input.truncated === true });
  const { source } = loaded;
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  const result: PipelineResult = { source, loaded, diagnostics, reached: 'load' };
  const add = (found: readonly Diagnostic[]) => diagnostics.push(...locate([...found], source));
  if (!loaded.config) return result;

  // The board.
  input.onEvent?.({ kind: 'board' });
  const q = input.board;
  const options: ResolveBoardOptions = { configDir: input.configDir, qemu: q.qemu };
  if (q.cacheDir !== undefined) options.cacheDir = q.cacheDir;
  if (q.path !== undefined) options.path = q.path;
  if (q.boardDtb !== undefined) options.boardDtb = q.boardDtb;
  if (q.override !== undefined && q.overrideDir !== undefined) options.configDir = q.overrideDir;
  const resolved = await resolveBoard(q.override ?? loaded.config.board, options);
  input.onBoard?.(resolved);
  add(resolved.diagnostics.map(boardDiagnostic));
  const board = resolved.board;
  const defaulted = board ? archDefaults(loaded.config, board, source) : loaded.config;
  const config = board && input.adjust ? input.adjust(defaulted, board) : defaulted;
  result.config = config;
  if (board) {
    result.board = board;
    result.facts = toBoardFacts(board, resolved.tree);
  }
  if (resolved.tree) {
    result.boardTree = resolved.tree;
    result.boardDtb = writeDtb(resolved.tree);
    // For a board DTB on disk, system.dtb keeps its strings block as fdtoverlay would.
    if (board?.dtb.kind === 'file' && resolved.dtbOrigin === 'file') {
      try {
        result.boardFileBytes = new Uint8Array(await readFile(board.dtb.path));
      } catch {
        // Read a moment ago by resolveBoard; if it is gone now, system.dtb is re-serialised instead.
      }
    }
  }
  result.reached = 'board';

  // The Xen build's Kconfig, when the config names one.
  const kconfigFound: Diagnostic[] = [];
  const kconfig = await readKconfig(config, input, kconfigFound);
  add(kconfigFound);
  if (kconfig) result.kconfig = kconfig;

  // The checks, one table, a stage at a time.
  const table = pipelineChecks();
  const judge = (stage: CheckStage, staged: ValidateOptions['staged'] = {}) => {
    const opts: ValidateOptions = { source, table, stage, staged };
    if (input.levels) opts.levels = input.levels;
    if (result.facts) opts.board = result.facts;
    if (kconfig) opts.kconfig = kconfig;
    const found = validate(config, opts);
    // --no-validate keeps the errors of stages that make output (the images): only rules demote.
    return input.unchecked && stage !== 'images' ? demote(found) : found;
  };
  if (input.unchecked) input.onEvent?.({ kind: 'unchecked' });
  const configFound = judge('config');
  add(configFound);

  const request = board && input.outputs ? input.outputs(config, board) : undefined;
  const x86 = board?.arch === 'x86_64';
  const hash = request ? request.hashImages : (input.hash ?? false);
  const imgs = await resolveImages(config, { configDir: input.configDir, hash });
  // The kernel-header check is about Arm images placed by the plan; x86 kernels are bzImages.
  const imageFindings = imgs.diagnostics.filter((d) => !(x86 && d.id === 'image-unknown-format'));
  const xenFinding = await xenReleaseFinding(config, imgs.images);
  if (xenFinding) imageFindings.push(xenFinding);
  const known = new Set(table.map((c) => c.id));
  add(judge('images', { images: imageFindings.filter((d) => known.has(d.id)).map(toFinding) }));
  add(imageFindings.filter((d) => !known.has(d.id)));
  add(judge('createdomain', { createdomain: createdomainFindings(config, result.facts, configFound) }));
  if (!board || failed(diagnostics)) return result;
  result.images = imgs.images;
  result.reached = 'checks';
  if (input.until === 'checks') return result;

  // The plan: only where dombuild places the images (Arm); x86 loaders place their own.
  const none = noPlan(board);
  if (none) result.noPlan = none;
  else {
    if (!result.boardTree) {
      add([
        {
          id: 'board-dtb-missing',
          severity: 'error',
          message: 'the board has no device tree',
          path: 'board',
        },
      ]);
      return result;
    }
    const planned = planLayout({
      config,
      board,
      images: imgs.images,
      boardDtbSize: BigInt((result.boardDtb as Uint8Array).length),
      unchecked: input.unchecked === true,
    });
    add(planned.diagnostics);
    if (!planned.plan) return result;
    result.plan = planned.plan;
  }
  result.reached = 'plan';
  if (input.until === 'plan' || !request) return result;

  // The emitters.
  input.onEvent?.({ kind: 'emit', arch: board.arch });
  const { hashImages: _h, readImageBytes: wantBytes, mediaTools: _m, ...emit } = request;
  if (!result.plan) {
    const x86Input: Parameters<typeof buildX86System>[0] = {
      config,
      board,
      images: imgs.images,
      bootRoot: emit.bootRoot,
      hyperlaunch: emit.hyperlaunch ?? false,
    };
    if (emit.only) x86Input.only = emit.only;
    result.built = buildX86System(x86Input);
  } else {
    const buildInput: BuildInput = {
      config,
      board,
      boardTree: result.boardTree as Tree,
      plan: result.plan,
      images: imgs.images,
      imageBytes: wantBytes ? await readImageBytes(imgs.images) : new Map(),
      ...emit,
    };
    // The board's bytes are made once: the file's own, else the ones the plan sized.
    buildInput.boardDtb = result.boardFileBytes ?? (result.boardDtb as Uint8Array);
    if (result.facts) buildInput.boardFacts = result.facts;
    result.built = buildSystem(buildInput);
    await makeMedia(result.built, request.mediaTools, input.configDir);
  }
  add(result.built.diagnostics);
  if (!failed(diagnostics)) result.reached = 'emit';
  return result;
}

/**
 * Defaults that depend on the board's architecture, which the schema cannot know: a config that
 * names no boot method boots through U-Boot on Arm (the schema's default) and GRUB on x86.
 */
function archDefaults(config: Config, board: Board, source: ConfigSource): Config {
  if (board.arch !== 'x86_64' || source.has(['boot', 'method'])) return config;
  return { ...config, boot: { ...config.boot, method: 'grub' } };
}

function demote(found: readonly Diagnostic[]): Diagnostic[] {
  return found.map((d) => (d.severity === 'error' ? { ...d, severity: 'warning' } : d));
}

/** The FIT embeds the images, so only then are their bytes read. */
async function readImageBytes(images: readonly ResolvedImage[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const img of images) {
    if (!img.file || img.generated) continue;
    try {
      out.set(img.name, new Uint8Array(await readFile(img.file)));
    } catch (e) {
      throw new PipelineInputError(img.file, (e as NodeJS.ErrnoException).code ?? 'EIO');
    }
  }
  return out;
}

/** An input file that vanished between its check and its use: the caller's I/O error (exit 2). */
export class PipelineInputError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
  ) {
    super(`cannot read ${file} (${code})`);
    this.name = 'PipelineInputError';
  }
}

/** Arm Xen binaries name their release (xen-formats/xen-binary.ts): it must be the config's. */
async function xenReleaseFinding(
  config: Config,
  images: readonly ResolvedImage[],
): Promise<Diagnostic | undefined> {
  const xen = images.find((i) => i.role === 'xen' && i.file !== undefined && !i.generated);
  if (!xen?.file) return undefined;
  let bytes: Uint8Array;
  try {
    const read = await readRegularFile(xen.file, MAX_XEN_BYTES);
    if (read.truncated) return undefined;
    bytes = read.bytes;
  } catch {
    return undefined; // the image checks report an unreadable file
  }
  const found = xenBinaryRelease(bytes);
  if (found === undefined || found === config.xen.release) return undefined;
  return {
    id: 'xen-image-release',
    severity: 'error',
    message: `${xen.file} is Xen ${found}, but xen.release is "${config.xen.release}"`,
    path: 'xen.image',
    hint: `set xen.release: "${found}", or point xen.image at a Xen ${config.xen.release} binary`,
  };
}

/**
 * The Xen build's .config: xen.kconfig when given, else the one beside the Xen binary the config
 * names — `<binary>.config` (how Debian ships it) or `.config` in its folder (a Xen build tree).
 */
function kconfigPath(config: Config, input: PipelineInput): { path: string; found: boolean } | undefined {
  if (config.xen.kconfig !== undefined) return { path: config.xen.kconfig, found: false };
  const image = config.xen.image;
  if (image?.kind !== 'file') return undefined;
  const bin = isAbsolute(image.path) ? image.path : resolve(input.configDir, image.path);
  for (const candidate of [`${bin}.config`, join(dirname(bin), '.config')])
    if (existsSync(candidate)) return { path: candidate, found: true };
  return undefined;
}

async function readKconfig(
  config: Config,
  input: PipelineInput,
  diagnostics: Diagnostic[],
): Promise<Kconfig | undefined> {
  const where = kconfigPath(config, input);
  if (where === undefined) return undefined;
  const path = where.path;
  if (where.found) input.onEvent?.({ kind: 'kconfig', path });
  const abs = isAbsolute(path) ? path : resolve(input.configDir, path);
  let text: string;
  try {
    // A Xen .config is ~100 KiB; 4 MiB leaves room and still refuses a runaway input.
    const read = await readRegularFile(abs, MAX_KCONFIG_BYTES);
    if (read.truncated) throw new InputFileError(abs, 'EFBIG');
    text = new TextDecoder().decode(read.bytes);
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    diagnostics.push({
      id: 'kconfig-unreadable',
      severity: 'error',
      message: `cannot read the Kconfig file ${path} (${e.reason})`,
      path: 'xen.kconfig',
      hint: 'point xen.kconfig at the .config of the Xen build, relative to the config file',
    });
    return undefined;
  }
  const r = parseKconfig(text, relative(input.cwd, abs));
  diagnostics.push(...r.diagnostics);
  return r.kconfig;
}
