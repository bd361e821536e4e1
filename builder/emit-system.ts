// buildSystem: config + board + images + plan → every output file, as bytes keyed by file name.
// Pure orchestration (no disk, clock or environment): the CLI reads the inputs and hands the map
// to writeArtifacts. The same inputs always give the same bytes.
import { createHash } from 'node:crypto';
import { basename, isAbsolute, join, relative } from 'node:path';
import type { Board } from '../boards/types.js';
import { writeDtb } from '../devicetree/dtb.js';
import type { Node, Tree } from '../devicetree/tree.js';
import { probeGuestImage, XEN_VPL011_BASE } from '../images/probe.js';
import { writeScriptImage } from '../images/uimage.js';
import type { BoardFacts } from '../schema/board-facts.js';
import { type Config, mediaSchema } from '../schema/config.js';
import type { Diagnostic } from '../schema/diagnostic.js';
import { type BlobImageRef, buildBlobFromConfig, FromConfigError } from './createdomain-args.js';
import { buildDom0less, type Dom0lessResult } from './dom0less/chosen.js';
import { chosenDtsi } from './dom0less/dtsi.js';
import { applyEdits, overlayTree } from './dom0less/edits.js';
import { systemDtb as makeSystemDtb } from './dom0less/system-dtb.js';
import { defaultProbeMarker, imageConfigPath, type ResolvedImage } from './image-files.js';
import { type EfiModule, efiPartitionFiles } from './media/efi-partition.js';
import type { DiskRequest, FatEntry } from './media/layout.js';
import { buildPartialDtbs } from './passthrough/partial.js';
import { toBoardFacts } from './pipeline/board.js';
import { planToJson } from './plan/json.js';
import type { BootPlan, PlannedImage } from './plan/types.js';
import { buildSystemFit } from './system-fit.js';
import { dynamicLayout } from './uboot/dynamic-layout.js';
import { UbootError } from './uboot/errors.js';
import { quoteUboot, ubootCommandWords } from './uboot/quote.js';
import { type ScriptImage, type ScriptSpec, ubootScript } from './uboot/script.js';
import { buildX86Outputs } from './x86/outputs.js';
import { x86PlanJson } from './x86/plan-json.js';
import { emitXlConfigs } from './xl/emit.js';

export const OUTPUT_KINDS = [
  'dtb',
  'uboot',
  'fit',
  'blob',
  'xl',
  'x86',
  'hyperlaunch',
  'disk',
  'efi',
] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** The outputs each architecture can write; `--only` outside these is a usage error. */
export const ARCH_OUTPUTS = {
  arm: ['dtb', 'uboot', 'fit', 'blob', 'xl', 'disk', 'efi'],
  x86_64: ['x86', 'blob', 'xl', 'hyperlaunch'],
} as const satisfies Record<string, readonly OutputKind[]>;

/**
 * Written when no `--only` is given: every Arm output but the media (disk.img is written by
 * default only when the config has a `media:` section); on x86 all but the EXPERIMENTAL
 * hyperlaunch tree, which no Xen release reads (on request only). plan.json is always written.
 */
export const DEFAULT_OUTPUTS = {
  arm: ['dtb', 'uboot', 'fit', 'blob', 'xl'],
  x86_64: ['x86', 'blob', 'xl'],
} as const satisfies Record<string, readonly OutputKind[]>;

/** The output file names (a contract: tests, runners and users rely on them). */
export const OUTPUT_FILES = {
  systemDtb: 'system.dtb',
  chosenDtsi: 'chosen.dtsi',
  chosenDtbo: 'chosen.dtbo',
  bootSource: 'boot.source',
  bootScr: 'boot.scr',
  bootItb: 'boot.itb',
  createdomainBin: 'createdomain.bin',
  planJson: 'plan.json',
  diskImg: 'disk.img',
  efiImg: 'efi.img',
} as const;

export interface BuildInput {
  config: Config;
  board: Board;
  /** The board's device tree as read (before any addition). */
  boardTree: Tree;
  /**
   * The board DTB the user has (fdtoverlay of chosen.dtbo onto it gives system.dtb byte for
   * byte); writeDtb(boardTree) when absent (QEMU boards, whose random seeds are left out).
   */
  boardDtb?: Uint8Array;
  /** What the checks knew of the board (the pipeline's); derived from `board` when absent. */
  boardFacts?: BoardFacts;
  plan: BootPlan;
  images: ResolvedImage[];
  /** Bytes of the images read from disk, by plan name (needed for the FIT only). */
  imageBytes?: ReadonlyMap<string, Uint8Array>;
  /** The folder the boot loader's paths are relative to (the config's folder: the TFTP root). */
  bootRoot: string;
  /** The output folder, where generated images (probe guests, partial DTBs) are written. */
  outDir: string;
  /** Outputs to write; DEFAULT_OUTPUTS for the board's arch when absent. */
  only?: ReadonlySet<OutputKind>;
  /** Sizes and addresses computed by the script at boot (`setexpr` from `${filesize}`). */
  dynamic?: boolean;
  /** x86: also write the EXPERIMENTAL hyperlaunch tree (hyperlaunch.dts, hyperlaunch.dtb), as `only` 'hyperlaunch'. */
  hyperlaunch?: boolean;
  /** Seconds since the epoch for the image headers (SOURCE_DATE_EPOCH). */
  timestamp: number;
}

export interface BuildResult {
  /** File name (relative to the output folder) → bytes, in a fixed order. */
  files: Map<string, Uint8Array>;
  diagnostics: Diagnostic[];
  /** Disk images still to be made by the media tools (builder/media/make-disk.ts). */
  media?: DiskRequest[];
}

const utf8 = new TextEncoder();
const LOADED_ROLES = new Set(['xen', 'xsm-policy', 'kernel', 'ramdisk', 'device-tree']);

/** A generated image's file name in the output folder. */
export function generatedFileName(imageName: string, role: PlannedImage['role']): string {
  const stem = imageName.replace(/\//g, '-');
  return role === 'device-tree' ? `${stem}.dtb` : `${stem}.img`;
}

export function buildSystem(input: BuildInput): BuildResult {
  const { config, board, plan } = input;
  const diagnostics: Diagnostic[] = [];
  const files = new Map<string, Uint8Array>();
  const media: DiskRequest[] = [];
  const wants = (k: OutputKind) =>
    input.only
      ? input.only.has(k)
      : (isDefault('arm', k) && configWants(config, k)) || mediaDefault(config, k);
  const header = [
    `dombuild: Xen ${config.xen.release} on ${board.name}`,
    'generated; edit the config, not this file',
  ];
  if (board.arch === 'x86_64') return buildX86System(input);

  const dom = buildDom0less({ config, board, base: input.boardTree, plan });
  diagnostics.push(...dom.diagnostics);
  if (dom.diagnostics.some((d) => d.severity === 'error')) return { files, diagnostics };
  const merged = applyEdits(input.boardTree, dom.edits);
  const systemDtb = makeSystemDtb(
    input.boardDtb ?? writeDtb(input.boardTree),
    input.boardTree,
    dom.edits,
    merged,
  );

  // The finished tree (and, in U-Boot, the board's tree grown in place by the script) must fit the
  // room the plan kept for it.
  const dtbRoom = plan.images.find((i) => i.role === 'dtb')?.effectiveSize;
  if (dtbRoom !== undefined && BigInt(systemDtb.length) + 0x1000n > dtbRoom) {
    diagnostics.push({
      id: 'build-dtb-room',
      severity: 'error',
      message: `system.dtb is ${systemDtb.length} bytes; the plan keeps ${dtbRoom} for the device tree`,
      path: '',
      hint: 'this is a planner bug: the DTB room must grow with what the build adds',
    });
    return { files, diagnostics };
  }

  // Images dombuild writes itself: probe guests, and partial DTBs from passthrough.devices.
  const generated = new Map<string, Uint8Array>();
  for (const img of input.images) if (img.generated) generated.set(img.name, img.generated);
  const partial = buildPartialDtbs({ config, hostTree: input.boardTree, plan });
  diagnostics.push(...partial.diagnostics);
  for (const [name, bytes] of partial.dtbs) generated.set(name, bytes);
  const planned = new Map(plan.images.map((i) => [i.name, i]));
  for (const [name, bytes] of generated) {
    const img = planned.get(name);
    if (img && BigInt(bytes.length) > img.effectiveSize) {
      diagnostics.push({
        id: 'build-generated-too-big',
        severity: 'error',
        message: `${name} is ${bytes.length} bytes but the plan reserved ${img.effectiveSize}`,
        path: imageConfigPath(config, img) ?? '',
      });
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { files, diagnostics };

  if (wants('dtb')) {
    files.set(OUTPUT_FILES.systemDtb, systemDtb);
    files.set(OUTPUT_FILES.chosenDtsi, utf8.encode(chosenDtsi(dom.edits, header)));
    files.set(OUTPUT_FILES.chosenDtbo, writeDtb(overlayTree(dom.edits)));
  }
  if (wants('dtb') || wants('uboot')) {
    for (const [name, bytes] of generated) {
      const img = planned.get(name);
      if (img) files.set(generatedFileName(name, img.role), bytes);
    }
  }

  if (wants('uboot')) {
    try {
      const source = scriptSource(input, dom, header, diagnostics);
      if (source !== undefined) {
        files.set(OUTPUT_FILES.bootSource, utf8.encode(source));
        files.set(
          OUTPUT_FILES.bootScr,
          writeScriptImage(source, { timestamp: input.timestamp, name: 'dombuild boot' }),
        );
      }
    } catch (e) {
      if (!(e instanceof UbootError)) throw e;
      diagnostics.push(ubootDiagnostic(e, config, plan));
    }
  }

  // A disk that boots a FIT carries boot.itb, so the FIT is made for it even when not asked for.
  const fitForDisk = wants('disk') && config.boot.fit;
  let fitBytes: Uint8Array | undefined;
  if (wants('fit') || fitForDisk) {
    const bytes = new Map<string, Uint8Array>(input.imageBytes ?? []);
    for (const [name, b] of generated) bytes.set(name, b);
    const fit = buildSystemFit({
      plan,
      systemDtb,
      bytes,
      timestamp: input.timestamp,
      description: header[0]!,
      configPath: (img) => imageConfigPath(config, img),
    });
    // Without every image there is no FIT; that is only a problem when the FIT was asked for.
    for (const d of fit.diagnostics)
      diagnostics.push(input.only?.has('fit') || config.boot.fit ? { ...d, severity: 'error' } : d);
    fitBytes = fit.fit;
    if (fit.fit && wants('fit')) files.set(OUTPUT_FILES.bootItb, fit.fit);
  }
  if (wants('disk')) {
    const disk = diskRequest(input, dom, header, generated, fitBytes, diagnostics);
    if (disk) media.push(disk);
  }
  if (wants('efi')) {
    const efi = efiRequest(input, dom, systemDtb, generated, diagnostics);
    if (efi) media.push(efi);
  }
  if (wants('blob')) {
    // Every domain's module list, boot-time ones with their planned address, with sha256s.
    const refs: BlobImageRef[] = [];
    for (const r of input.images) {
      const placed = planned.get(r.name);
      const bytes = r.generated ?? generated.get(r.name);
      const sha256 =
        placed?.sha256 ?? r.sha256 ?? (bytes ? createHash('sha256').update(bytes).digest('hex') : undefined);
      const ref: BlobImageRef = { role: r.role, size: bytes ? BigInt(bytes.length) : r.size };
      if (r.domain !== undefined) ref.domain = r.domain;
      if (placed) ref.address = placed.address;
      if (sha256 !== undefined) ref.sha256 = sha256;
      refs.push(ref);
    }
    try {
      if (board.arch !== 'arm32') {
        const opts = { arch: board.arch, board: input.boardFacts ?? toBoardFacts(board), images: refs };
        files.set(OUTPUT_FILES.createdomainBin, buildBlobFromConfig(config, opts).bytes);
      }
    } catch (e) {
      if (!(e instanceof FromConfigError)) throw e;
      // Like the FIT: an error when asked for, else the blob is left out with a warning.
      diagnostics.push({
        id: `blob-${e.code.toLowerCase().replace(/_/g, '-')}`,
        severity: input.only?.has('blob') ? 'error' : 'warning',
        message: `${e.message}; createdomain.bin not written`,
        path: e.path,
      });
    }
  }
  if (wants('xl')) {
    // xl/<domain>.cfg for the domains a toolstack creates at run time (builder/xl/emit.ts).
    for (const [name, text] of emitXlConfigs(config, { arch: board.arch, diagnostics }))
      files.set(name, utf8.encode(text));
    for (const [name, bytes] of runtimeImages(config)) files.set(name, bytes);
  }
  files.set(OUTPUT_FILES.planJson, utf8.encode(planToJson(plan, { relativeTo: input.bootRoot })));
  return media.length > 0 ? { files, diagnostics, media } : { files, diagnostics };
}

/** A script error about a plan image ("alpha/kernel", "alpha/kernel.loadCommand") points at its config field. */
function ubootDiagnostic(e: UbootError, config: Config, plan: BootPlan): Diagnostic {
  const w = e.where ?? '';
  const img = plan.images.find((i) => w === i.name || w.startsWith(`${i.name}.`));
  const field = img && imageConfigPath(config, img);
  const suffix = img && w === `${img.name}.loadCommand` ? '.load' : '';
  return {
    id: `uboot-${e.code.toLowerCase().replace(/_/g, '-')}`,
    severity: 'error',
    message: e.message,
    path: field ? `${field}${suffix}` : w,
    ...(e.hint ? { hint: e.hint } : {}),
  };
}

/**
 * disk.img for a U-Boot board: a FAT boot partition holding boot.scr (whose loads read that
 * partition: `load <device>:1`), Xen, every module the plan loads and the board DTB, or boot.itb
 * when the system boots a FIT; then the partitions `media.partitions` names. U-Boot's distro boot
 * finds /boot.scr on the partition by itself.
 */
function diskRequest(
  input: BuildInput,
  dom: Dom0lessResult,
  header: string[],
  generated: ReadonlyMap<string, Uint8Array>,
  fit: Uint8Array | undefined,
  diagnostics: Diagnostic[],
): DiskRequest | undefined {
  const { config, board, plan } = input;
  const media = config.media;
  const device = media?.device ?? board.uboot?.diskDevice;
  if (!board.uboot || device === undefined) {
    diagnostics.push({
      id: 'media-no-device',
      severity: 'error',
      message: `board ${board.name} names no U-Boot device for its boot disk; disk.img cannot say where to load from`,
      path: media ? 'media' : 'board',
      hint: 'set media.device, e.g. "mmc 0"',
    });
    return undefined;
  }
  const nameOf = (img: PlannedImage) => (img.role === 'xen' ? 'xen' : generatedFileName(img.name, img.role));
  const names: DiskNames = {
    load: `load ${device}:1`,
    image: nameOf,
    fit: 'boot.itb',
    boardDtb: 'board.dtb',
  };
  let source: string | undefined;
  try {
    source = scriptSource(input, dom, header, diagnostics, names);
  } catch (e) {
    if (!(e instanceof UbootError)) throw e;
    diagnostics.push(ubootDiagnostic(e, config, plan));
    return undefined;
  }
  if (source === undefined) return undefined;
  const script = writeScriptImage(source, { timestamp: input.timestamp, name: 'dombuild boot' });
  const files: FatEntry[] = [{ name: OUTPUT_FILES.bootScr, source: { kind: 'bytes', bytes: script } }];
  if (config.boot.fit && plan.fitAddress !== undefined && !input.dynamic) {
    if (!fit) return undefined; // the FIT's own diagnostics say which image is missing
    files.push({ name: names.fit, source: { kind: 'bytes', bytes: fit } });
  } else {
    const resolved = new Map(input.images.map((i) => [i.name, i]));
    let missing = false;
    for (const img of plan.images.filter((i) => LOADED_ROLES.has(i.role))) {
      const r = resolved.get(img.name);
      const bytes = generated.get(img.name) ?? r?.generated;
      const configPath = imageConfigPath(config, img);
      const at = configPath !== undefined ? { configPath } : {};
      if (bytes) files.push({ name: nameOf(img), source: { kind: 'bytes', bytes }, ...at });
      else if (r?.file && !img.placeholder)
        files.push({ name: nameOf(img), source: { kind: 'file', path: r.file }, ...at });
      else {
        missing = true;
        diagnostics.push(missingImage(img.name, 'disk', configPath, input.only));
      }
    }
    if (missing) return undefined;
    if (board.dtb.kind === 'file')
      files.push({
        name: names.boardDtb,
        source: { kind: 'file', path: board.dtb.path },
        configPath: 'board',
      });
  }
  const settings = media ?? mediaSchema.parse({});
  return {
    output: OUTPUT_FILES.diskImg,
    table: settings.table,
    align: settings.align,
    ...(settings.bootSize !== undefined ? { bootSize: settings.bootSize } : {}),
    bootType: 'boot-fat',
    label: 'DOMBUILD',
    files,
    partitions: settings.partitions.map((p, i) => ({
      image: p.image,
      type: p.type,
      configPath: `media.partitions[${i}]`,
      ...(p.size !== undefined ? { size: p.size } : {}),
      ...(p.name !== undefined ? { name: p.name } : {}),
    })),
    timestamp: input.timestamp,
  };
}

/**
 * What the config itself asks of a default build (no --only): the FIT only with `boot.fit: true`,
 * the U-Boot script only when U-Boot loads the system (not for QEMU's direct loader or EFI).
 */
function configWants(config: Config, k: OutputKind): boolean {
  if (k === 'fit') return config.boot.fit === true;
  if (k === 'uboot') return config.boot.method === 'uboot';
  return true;
}

/**
 * An image with no file (Xen not given yet) leaves the medium out: an error when it was asked for
 * (--only), else a warning, as for the FIT.
 */
function missingImage(
  name: string,
  kind: 'disk' | 'efi',
  configPath: string | undefined,
  only: ReadonlySet<OutputKind> | undefined,
): Diagnostic {
  return {
    id: 'media-image-missing',
    severity: only?.has(kind) ? 'error' : 'warning',
    message: `${name} has no file to put on ${kind}.img; ${kind}.img not written`,
    path: configPath ?? '',
    hint: 'name the image in the config',
  };
}

/** The media a default build writes: disk.img when the config has `media:`, efi.img for Arm EFI boot. */
function mediaDefault(config: Config, k: OutputKind): boolean {
  // With EFI boot, media: describes efi.img; disk.img (U-Boot's) only on request.
  if (k === 'disk') return config.media !== undefined && config.boot.method !== 'efi';
  if (k === 'efi') return config.boot.method === 'efi';
  return false;
}

/**
 * efi.img for Arm EFI boot: GPT and one EFI system partition holding Xen as the removable-media
 * boot application, its xen.cfg, the system DTB whose module nodes name their files
 * (media/efi-partition.ts), and every module the plan loads. The plan's addresses only name the
 * module nodes here: UEFI decides where the files go.
 */
function efiRequest(
  input: BuildInput,
  dom: Dom0lessResult,
  systemDtb: Uint8Array,
  generated: ReadonlyMap<string, Uint8Array>,
  diagnostics: Diagnostic[],
): DiskRequest | undefined {
  const { config, plan } = input;
  const resolved = new Map(input.images.map((i) => [i.name, i]));
  let missing = false;
  const source = (img: PlannedImage): FatEntry['source'] | undefined => {
    const bytes = generated.get(img.name) ?? resolved.get(img.name)?.generated;
    if (bytes) return { kind: 'bytes', bytes };
    const file = resolved.get(img.name)?.file;
    if (file && !img.placeholder) return { kind: 'file', path: file };
    missing = true;
    diagnostics.push(missingImage(img.name, 'efi', imageConfigPath(config, img), input.only));
    return undefined;
  };
  // A module node's path inside its edit fragment, made absolute by the fragment's target.
  const absolute = (node: Node): string => {
    let root = node;
    while (root.parent) root = root.parent;
    const target = dom.edits.fragments.find((f) => f.content === root)?.target ?? '/';
    return target === '/' ? node.path : `${target}${node.path}`;
  };
  const xenImg = plan.images.find((i) => i.role === 'xen');
  const xen = xenImg && source(xenImg);
  const modules: EfiModule[] = [];
  for (const img of plan.images) {
    const node = dom.modules.get(img.name);
    if (!node) continue;
    const src = source(img);
    const configPath = imageConfigPath(config, img);
    if (src)
      modules.push({
        node: absolute(node),
        file: generatedFileName(img.name, img.role),
        source: src,
        ...(configPath !== undefined ? { configPath } : {}),
      });
  }
  if (!xen || missing) return undefined;
  const esp = efiPartitionFiles({ systemDtb, xen, modules });
  diagnostics.push(...esp.diagnostics);
  if (!esp.files || diagnostics.some((d) => d.severity === 'error')) return undefined;
  const settings = config.media ?? mediaSchema.parse({});
  return {
    output: OUTPUT_FILES.efiImg,
    table: 'gpt',
    align: settings.align,
    ...(settings.bootSize !== undefined ? { bootSize: settings.bootSize } : {}),
    bootType: 'esp',
    label: 'DOMBUILD',
    files: esp.files,
    partitions: settings.partitions.map((p, i) => ({
      image: p.image,
      type: p.type,
      configPath: `media.partitions[${i}]`,
      ...(p.size !== undefined ? { size: p.size } : {}),
      ...(p.name !== undefined ? { name: p.name } : {}),
    })),
    timestamp: input.timestamp,
  };
}

function isDefault(arch: keyof typeof DEFAULT_OUTPUTS, k: OutputKind): boolean {
  return (DEFAULT_OUTPUTS[arch] as readonly OutputKind[]).includes(k);
}

/**
 * The probe guests of domains created at run time (`boot: false`, `kernel: probe`): not loaded at
 * boot, so not in the plan, but their xl configs name `<domain>-kernel.img`, so they are written
 * into the output folder (for dom0's guest folder) whenever the configs are. xl builds no
 * direct-mapped guest: the UART is the vpl011.
 */
function runtimeImages(config: Config): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const d of config.domains) {
    if (d.boot || d.kernel.kind !== 'probe') continue;
    const bytes = probeGuestImage({
      marker: d.kernel.marker ?? defaultProbeMarker(d.name),
      uartBase: XEN_VPL011_BASE,
    });
    out.set(generatedFileName(`${d.name}/kernel`, 'kernel'), bytes);
  }
  return out;
}

/** What the x86 build needs: no board tree and no memory plan (the loader places the modules). */
export type X86SystemInput = Pick<
  BuildInput,
  'config' | 'board' | 'images' | 'bootRoot' | 'only' | 'hyperlaunch'
>;

/**
 * The x86 output folder: grub.cfg, xen.cfg, createdomain.bin, xl/<domain>.cfg and the images they
 * name, plan.json (the module list: x86/plan-json.ts), and on request the EXPERIMENTAL hyperlaunch
 * tree.
 */
export function buildX86System(input: X86SystemInput): BuildResult {
  const { config, board } = input;
  const diagnostics: Diagnostic[] = [];
  const wants = (k: OutputKind) => (input.only ? input.only.has(k) : isDefault('x86_64', k));
  const files = buildX86Outputs(
    {
      config,
      board,
      images: input.images,
      bootRoot: input.bootRoot,
      wants,
      ...(input.hyperlaunch || wants('hyperlaunch') ? { hyperlaunch: true } : {}),
    },
    diagnostics,
  );
  if (wants('xl')) {
    for (const [name, bytes] of runtimeImages(config)) files.set(name, bytes);
    config.domains.forEach((d, i) => {
      if (d.boot || d.kernel.kind !== 'probe') return;
      diagnostics.push({
        id: 'build-probe-not-x86',
        severity: 'warning',
        message: `${d.name}: the probe guest is an arm64 image; xl on x86_64 cannot boot ${d.name}-kernel.img`,
        path: `domains[${i}].kernel`,
        hint: 'give the domain a real x86 kernel',
      });
    });
  }
  files.set(
    OUTPUT_FILES.planJson,
    utf8.encode(x86PlanJson(config, board, input.images, { relativeTo: input.bootRoot })),
  );
  return { files, diagnostics };
}

/**
 * How the script inside a disk image names what it loads: the load command that reads the boot
 * partition, and each file's name in that partition (instead of paths under the boot root).
 */
interface DiskNames {
  load: string;
  image: (img: PlannedImage) => string;
  fit: string;
  boardDtb: string;
}

function scriptSource(
  input: BuildInput,
  dom: Dom0lessResult,
  header: string[],
  diagnostics: Diagnostic[],
  disk?: DiskNames,
): string | undefined {
  const { config, board, plan } = input;
  const modules = dom.modules;
  const resolved = new Map(input.images.map((i) => [i.name, i]));
  // Paths the loader uses are relative to the boot root (the TFTP root or the boot partition).
  // Files dombuild writes itself (probe guests, partial DTBs, boot.itb) live in the output folder;
  // when that is not under the boot root it is the root (qemu/system.ts serves it over TFTP), so
  // they load by their base name and there is nothing for the user to fix.
  const underRoot = (abs: string, what: string, path: string, ours = false): string => {
    const rel = relative(input.bootRoot, abs);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return rel;
    if (ours) return basename(abs);
    diagnostics.push({
      id: 'uboot-path-outside-root',
      severity: 'warning',
      message: `${what}: ${abs} is outside the boot root ${input.bootRoot}; the script loads it as "${basename(abs)}"`,
      path,
      hint: 'keep images and the output folder under the boot root (the config folder by default)',
    });
    return basename(abs);
  };
  const bootPath = (img: PlannedImage): string => {
    if (disk) return disk.image(img);
    const r = resolved.get(img.name);
    if (r?.generated || r?.reservedOnly || (!r?.file && img.role === 'device-tree'))
      return underRoot(join(input.outDir, generatedFileName(img.name, img.role)), img.name, '', true);
    if (r?.file) return underRoot(r.file, img.name, imageConfigPath(config, img) ?? '');
    diagnostics.push({
      id: 'uboot-image-placeholder',
      severity: 'warning',
      message: `${img.name} has no file; the script loads "${img.name}" from the boot root`,
      path: imageConfigPath(config, img) ?? '',
      hint: 'put the image there, or name it in the config',
    });
    return img.name;
  };
  if (config.boot.fit && plan.fitAddress !== undefined && !input.dynamic) {
    // FIT boot: one load, then bootm checks every hash, places every image and boots Xen with
    // the finished system DTB; nothing is edited at boot.
    if (!board.uboot) return undefined;
    const load = ubootCommandWords(
      disk?.load ?? config.boot.load ?? board.uboot.loadCommand,
      'boot.load',
    ).join(' ');
    const fit = disk ? disk.fit : underRoot(join(input.outDir, OUTPUT_FILES.bootItb), 'boot.itb', '', true);
    const at = `0x${plan.fitAddress.toString(16)}`;
    return `${[
      ...header.map((h) => `# ${h}`),
      'setenv db_failed',
      `${load} ${at} ${quoteUboot(fit, 'boot.itb')} || setenv db_failed 1`,
      `if env exists db_failed; then echo 'dombuild: loading boot.itb failed; not booting'; else bootm ${at}#config-1; fi`,
    ].join('\n')}\n`;
  }
  const loaded = plan.images.filter((i) => LOADED_ROLES.has(i.role));
  // Xen last: secure-boot chains want the last PE image loaded to be the signed one.
  const order = [...loaded.filter((i) => i.role !== 'xen'), ...loaded.filter((i) => i.role === 'xen')];
  const ids = new Map<string, string>();
  const images: ScriptImage[] = order.map((img, n) => {
    const id = img.role === 'xen' ? 'xen' : `m${n}`;
    ids.set(img.name, id);
    const s: ScriptImage = { id, file: bootPath(img), addr: img.address, where: img.name };
    const lc = resolved.get(img.name)?.loadCommand;
    if (lc !== undefined) s.loadCommand = lc;
    return s;
  });
  const dtbImg = plan.images.find((i) => i.role === 'dtb');
  if (!board.uboot) {
    diagnostics.push({
      id: 'uboot-board-unsupported',
      severity: 'warning',
      message: `board ${board.name} describes no U-Boot; boot.scr not written`,
      path: 'board',
    });
    return undefined;
  }
  const slot = dtbImg?.effectiveSize ?? 0x100000n;
  const fdt: ScriptSpec['fdt'] =
    board.dtb.kind === 'file'
      ? {
          kind: 'file',
          file: disk ? disk.boardDtb : underRoot(board.dtb.path, 'board DTB', 'board'),
          addr: plan.dtbAddress,
          slotSize: slot,
        }
      : { kind: 'control', addr: plan.dtbAddress, slotSize: slot };
  const spec: ScriptSpec = {
    loadCommand: disk?.load ?? config.boot.load ?? board.uboot.loadCommand,
    images,
    kernel: 'xen',
    fdt,
    base: input.boardTree,
    edits: dom.edits,
    header,
  };
  if (input.dynamic)
    spec.dynamic = dynamicLayout(config, input.plan, input.boardTree, order, ids, modules, fdt);
  let text = ubootScript(spec);
  for (const extra of config.boot.extraCommands ?? []) {
    // APPEND_EXTRA_CMDS: commands the user wrote on purpose, one per line, before booti.
    if (/[\0-\x1f\x7f]/.test(extra))
      throw new UbootError('UNSAFE_STRING', 'a control character in an extra command', 'boot.extraCommands');
    const lines = text.trimEnd().split('\n');
    const boot = lines.pop()!;
    text = `${[...lines, extra, boot].join('\n')}\n`;
  }
  return text;
}
