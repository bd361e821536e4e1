// The U-Boot boot script (boot.source): load every image, open the device tree, apply the edit
// steps with fdt mknod/set, boot Xen with booti. Every user string is single-quoted (quote.ts);
// a command that expands a variable never carries a user string, because hush re-parses such a
// command after expansion. `exit` does not stop a sourced script in U-Boot 2023.01 (seen on real
// U-Boot), so each step that can fail records the failure in db_failed instead, and booti runs
// only when nothing failed: a failed load or edit never boots a half-built tree.
import type { Node, Tree } from '../../devicetree/tree.js';
import { editSteps, type TreeEdits } from '../dom0less/edits.js';
import { UbootError } from './errors.js';
import { fdtCommand, fdtGrowth } from './fdt-commands.js';
import { quoteUboot, ubootCommandWords } from './quote.js';

export interface ScriptImage {
  /** Short id, also the name of the dynamic-mode variables (`<id>_addr`, `<id>_size`). */
  id: string;
  /** File name as the load command sees it (relative to the TFTP root or partition). */
  file: string;
  /** Load address (static mode). */
  addr: bigint;
  /** Overrides the board's load command for this image, e.g. "load mmc 0:2". */
  loadCommand?: string;
  /** What to name in errors (a config path or plan image name); the id when absent. */
  where?: string;
}

export type ScriptFdt =
  /** Load a DTB file (the board's) and edit it. */
  | { kind: 'file'; file: string; addr: bigint; loadCommand?: string; slotSize: bigint }
  /**
   * Copy U-Boot's own control DTB (what QEMU or the firmware handed over) and edit the copy. Not
   * `fdt move`: it refuses a length below the blob's totalsize, and QEMU's blob claims 1 MiB of
   * padding. `cp.b` of the slot then `fdt resize` (which packs the copy) keeps within the slot, as
   * long as the slot holds the blob's used part (header, reserve map, structure, strings).
   */
  | { kind: 'control'; addr: bigint; slotSize: bigint };

/** A module node whose `reg` is computed at boot in dynamic mode. */
export interface DynamicReg {
  /** The fragment content node holding `reg`. */
  node: Node;
  image: string;
  addressCells: 1 | 2;
  sizeCells: 1 | 2;
}

/**
 * What dynamic mode may use. Sizes are known only once a file is loaded, so the script places each
 * image at boot: the first free range (lowest first) that holds it from the current address on.
 */
export interface DynamicLayout {
  align: bigint;
  regs: DynamicReg[];
  /** RAM the loads may use, [start, end), in address order and disjoint. */
  free: { start: bigint; end: bigint }[];
  /**
   * Every range a load must not write (reserved memory, static banks, U-Boot, the script...). Told
   * to U-Boot's loader as /memreserve/ entries of its control tree, because tftpb and load refuse
   * to write into a reserved range (lmb): a file larger than its range stops before the range ends
   * instead of overwriting what follows, and the script tries the next range.
   */
  keep: { start: bigint; size: bigint }[];
  /** Bytes an image needs free past the end of its file (an arm64 Image's BSS), by image id. */
  tail?: Record<string, bigint>;
  /**
   * The control tree's own /memreserve/ count when the system DTB is copied from it (fdt kind
   * 'control'): the script removes the entries it added, from this index on, before the copy, so
   * Xen does not see them. Undefined for a DTB file (the control tree is not handed to Xen).
   */
  controlReserves?: number;
}

export interface ScriptSpec {
  /** Board default, e.g. "tftpb" or "load mmc 0:1". */
  loadCommand: string;
  /** In load order. */
  images: ScriptImage[];
  /** Which image `booti` starts (Xen). */
  kernel: string;
  fdt: ScriptFdt;
  base: Tree;
  edits: TreeEdits;
  /** Comment lines at the top; code-supplied text only. */
  header?: string[];
  /** Dynamic mode: sizes from U-Boot's filesize, addresses found at boot in the free ranges. */
  dynamic?: DynamicLayout;
  /** 'booti' (default) or 'none' to stop after the edits (tests append their own commands). */
  end?: 'booti' | 'none';
}

const hex = (n: bigint) => `0x${n.toString(16)}`;
/** A hush variable reference, `${name}`. */
const uvar = (name: string) => `$${'{'}${name}}`;
const idPattern = /^[a-z][a-z0-9_]*$/;
/** `fdt resize` slack on top of what the edits need. */
const RESIZE_SLACK = 0x1000;

export function ubootScript(spec: ScriptSpec): string {
  const lines: string[] = [];
  const out = (line: string, guard = true) => lines.push(guard ? `${line} || setenv db_failed 1` : line);
  for (const h of spec.header ?? []) {
    if (/[\n\r]/.test(h)) throw new UbootError('BAD_SPEC', 'header line contains a line break');
    lines.push(`# ${h}`);
  }
  const ids = new Set<string>();
  for (const img of spec.images) {
    if (!idPattern.test(img.id) || ids.has(img.id))
      throw new UbootError('BAD_SPEC', `bad or repeated image id "${img.id}"`);
    ids.add(img.id);
  }
  const booting = (spec.end ?? 'booti') === 'booti';
  if (booting && !ids.has(spec.kernel))
    throw new UbootError('BAD_SPEC', `kernel image "${spec.kernel}" is not loaded`);
  const defaultLoad = ubootCommandWords(spec.loadCommand, 'load command').join(' ');
  const loadOf = (cmd: string | undefined, where: string) =>
    cmd === undefined ? defaultLoad : ubootCommandWords(cmd, where).join(' ');

  out('setenv db_failed', false);
  // booti must find the tree where we left it, not a relocated copy.
  out('setenv fdt_high 0xffffffffffffffff', false);

  const steps = editSteps(spec.base, spec.edits);
  const resize = fdtGrowth(steps) + RESIZE_SLACK;
  const dyn = spec.dynamic;
  let fdtAddr: string;
  let kernelAddr: string;

  if (!dyn) {
    for (const img of spec.images) {
      out(
        `${loadOf(img.loadCommand, `${img.where ?? img.id}.loadCommand`)} ${hex(img.addr)} ${quoteUboot(img.file, `${img.where ?? img.id}.file`)}`,
      );
    }
    fdtAddr = hex(spec.fdt.addr);
    const kernel = spec.images.find((i) => i.id === spec.kernel);
    kernelAddr = kernel ? hex(kernel.addr) : '';
    openFdt(spec.fdt, fdtAddr, out, loadOf);
  } else {
    fdtAddr = `${uvar('fdt_addr')}`;
    kernelAddr = uvar(`${spec.kernel}_addr`);
    dynamicLoads(spec, dyn, out, loadOf);
  }
  // Dynamic mode: once a placement failed there is no tree to edit (fdt_addr is unset), and the
  // working tree may still be U-Boot's own control tree; the edits run only when all went well.
  if (dyn) out('if env exists db_failed; then true; else', false);
  out(`fdt resize ${hex(BigInt(resize))}`);

  const dynRegs = new Map<Node, DynamicReg>();
  for (const r of dyn?.regs ?? []) {
    if (!ids.has(r.image))
      throw new UbootError('BAD_SPEC', `dynamic reg refers to unknown image "${r.image}"`);
    dynRegs.set(r.node, r);
  }
  for (const step of steps) {
    const d = step.op === 'set' && step.prop.name === 'reg' ? dynRegs.get(step.owner) : undefined;
    if (d && step.op === 'set') {
      // Split the boot-time address and size into cells; `%` and `/` because a bare `&` is a
      // hush syntax error. The cells are then written with 0x, as fdt reads numbers in base 0.
      const cells: string[] = [];
      for (const [what, n] of [
        ['addr', d.addressCells],
        ['size', d.sizeCells],
      ] as const) {
        const v = uvar(`${d.image}_${what}`);
        if (n === 2) {
          out(`setexpr dt_hi ${v} / 0x100000000`);
          out(`setexpr dt_${what}_hi ${uvar('dt_hi')}`);
          out(`setexpr dt_${what}_lo ${v} % 0x100000000`);
          cells.push(`0x${uvar(`dt_${what}_hi`)}`, `0x${uvar(`dt_${what}_lo`)}`);
        } else {
          out(`setexpr dt_${what}_lo ${v} % 0x100000000`);
          cells.push(`0x${uvar(`dt_${what}_lo`)}`);
        }
      }
      out(fdtCommand(step, [`"<${cells.join(' ')}>"`]));
    } else {
      out(fdtCommand(step));
    }
  }
  if (dyn) out('fi', false);
  if (booting) {
    lines.push(
      `if env exists db_failed; then echo 'dombuild: a step above failed; not booting'; else booti ${kernelAddr} - ${fdtAddr}; fi`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function openFdt(
  fdt: ScriptFdt,
  addr: string,
  out: (line: string, guard?: boolean) => void,
  loadOf: (cmd: string | undefined, where: string) => string,
): void {
  if (fdt.kind === 'file') {
    out(`${loadOf(fdt.loadCommand, 'fdt.loadCommand')} ${addr} ${quoteUboot(fdt.file, 'fdt.file')}`);
    out(`fdt addr ${addr}`);
  } else {
    out(`cp.b ${uvar('fdtcontroladdr')} ${addr} ${hex(fdt.slotSize)}`);
    out(`fdt addr ${addr}`);
  }
}

/** Plan names in an echo: anything but a plain name character becomes '?'. */
const echoSafe = (s: string) => s.replace(/[^A-Za-z0-9_./@+-]/g, '?');

/**
 * The dynamic loads: register every kept range with U-Boot's loader, then for each image try the
 * free ranges in address order from `memaddr` (a load that runs into a kept range fails before
 * writing it), then place the DTB the same way. Ranges are constants of the build; the sizes are
 * U-Boot's `filesize`.
 */
function dynamicLoads(
  spec: ScriptSpec,
  dyn: DynamicLayout,
  out: (line: string, guard?: boolean) => void,
  loadOf: (cmd: string | undefined, where: string) => string,
): void {
  const align = dyn.align;
  if (align <= 0n || (align & (align - 1n)) !== 0n)
    throw new UbootError('BAD_SPEC', 'alignment must be a power of two');
  const free = dyn.free
    .map((f) => ({ start: alignUp(f.start, align), end: f.end }))
    .filter((f) => f.start < f.end);
  for (let i = 1; i < free.length; i++)
    if (free[i]!.start < free[i - 1]!.end)
      throw new UbootError('BAD_SPEC', 'free ranges overlap or are unsorted');
  const m = uvar('memaddr');
  out(`fdt addr ${uvar('fdtcontroladdr')}`);
  for (const k of dyn.keep) out(`fdt rsvmem add ${hex(k.start)} ${hex(k.size)}`);
  out(`setenv memaddr ${hex(free[0]?.start ?? 0n)}`, false);
  /** One line per free range: move up to it, then `fits` (which sets dl_ok or moves past it). */
  const tryRanges = (fits: (end: string) => string) => {
    out('setenv dl_ok', false);
    for (const f of free) {
      const end = hex(f.end);
      out(
        `if env exists dl_ok; then true; else if itest.q ${m} < ${end}; then if itest.q ${m} < ${hex(f.start)}; then setenv memaddr ${hex(f.start)}; fi; ${fits(end)} fi; fi`,
        false,
      );
    }
  };
  const endCheck = (end: string) =>
    `if itest.q ${uvar('dl_end')} <= ${end}; then setenv dl_ok 1; else setenv memaddr ${end}; fi;`;
  const advance = () => {
    out(`setexpr memaddr ${uvar('dl_end')} + ${hex(align - 1n)}`);
    out(`setexpr memaddr ${m} / ${hex(align)}`);
    out(`setexpr memaddr ${m} * ${hex(align)}`);
  };
  const noRoom = (what: string, why: string) =>
    `if env exists dl_ok; then true; else echo 'dombuild: ${echoSafe(what)} ${why}; not booting'; setenv db_failed 1; fi`;
  // Each placement is one block that runs only while nothing has failed: after an image that did
  // not fit, nothing more is loaded or copied (U-Boot 2023.01's `source` returns 0 whatever the
  // script's last command or `exit` says, so the script itself must stop doing things).
  const open = () => out('if env exists db_failed; then true; else', false);
  const close = () => out('fi', false);
  for (const img of spec.images) {
    open();
    const where = img.where ?? img.id;
    const load = `${loadOf(img.loadCommand, `${where}.loadCommand`)} ${m} ${quoteUboot(img.file, `${where}.file`)}`;
    const tail = dyn.tail?.[img.id] ?? 0n;
    tryRanges(
      (end) =>
        `if ${load}; then setexpr dl_end ${m} + ${uvar('filesize')}; setexpr dl_end ${uvar('dl_end')} + ${hex(tail)}; ${endCheck(end)} else setenv memaddr ${end}; fi;`,
    );
    out(
      noRoom(where, 'could not be loaded into any free range (missing, or larger than every range left)'),
      false,
    );
    out(`setenv ${img.id}_addr ${m}`, false);
    out(`setenv ${img.id}_size ${uvar('filesize')}`, false);
    advance();
    close();
  }
  if (dyn.controlReserves !== undefined) {
    // Deleted from the last, so each index still names the entry it did when added.
    out(`fdt addr ${uvar('fdtcontroladdr')}`);
    for (let i = dyn.keep.length - 1; i >= 0; i--) out(`fdt rsvmem delete ${dyn.controlReserves + i}`);
  }
  const slot = hex(spec.fdt.slotSize);
  open();
  if (spec.fdt.kind === 'file') {
    const load = `${loadOf(spec.fdt.loadCommand, 'fdt.loadCommand')} ${m} ${quoteUboot(spec.fdt.file, 'fdt.file')}`;
    tryRanges(
      (end) =>
        `if ${load}; then setexpr dl_end ${m} + ${slot}; ${endCheck(end)} else setenv memaddr ${end}; fi;`,
    );
    out(noRoom('the board DTB', 'could not be loaded into any free range'), false);
    out(`setenv fdt_addr ${m}`, false);
    out(`fdt addr ${uvar('fdt_addr')}`);
  } else {
    tryRanges((end) => `setexpr dl_end ${m} + ${slot}; ${endCheck(end)}`);
    out(noRoom('the DTB', `(${slot} bytes) does not fit in any free range left`), false);
    out(`setenv fdt_addr ${m}`, false);
    out(`cp.b ${uvar('fdtcontroladdr')} ${uvar('fdt_addr')} ${slot}`);
    out(`fdt addr ${uvar('fdt_addr')}`);
  }
  close();
}

function alignUp(v: bigint, align: bigint): bigint {
  const r = v % align;
  return r === 0n ? v : v + align - r;
}
