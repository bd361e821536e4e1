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
  /** Dynamic mode: sizes from U-Boot's filesize, addresses packed from `start` at `align`. */
  dynamic?: { start: bigint; align: bigint; regs: DynamicReg[] };
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
    const align = dyn.align;
    if (align <= 0n || (align & (align - 1n)) !== 0n)
      throw new UbootError('BAD_SPEC', 'alignment must be a power of two');
    out(`setenv memaddr ${hex(dyn.start)}`, false);
    const place = (id: string) => {
      out(`setenv ${id}_addr ${uvar('memaddr')}`, false);
      out(`setenv ${id}_size ${uvar('filesize')}`, false);
      out(`setexpr memaddr ${uvar('memaddr')} + ${uvar('filesize')}`);
      out(`setexpr memaddr ${uvar('memaddr')} + ${hex(align - 1n)}`);
      out(`setexpr memaddr ${uvar('memaddr')} / ${hex(align)}`);
      out(`setexpr memaddr ${uvar('memaddr')} * ${hex(align)}`);
    };
    for (const img of spec.images) {
      // The file name is quoted and the address expanded in one command: hush re-parses it
      // after expansion, and a single-quoted word without ' comes through that unchanged.
      out(
        `${loadOf(img.loadCommand, `${img.where ?? img.id}.loadCommand`)} ${uvar('memaddr')} ${quoteUboot(img.file, `${img.where ?? img.id}.file`)}`,
      );
      place(img.id);
    }
    if (spec.fdt.kind === 'file') {
      out(
        `${loadOf(spec.fdt.loadCommand, 'fdt.loadCommand')} ${uvar('memaddr')} ${quoteUboot(spec.fdt.file, 'fdt.file')}`,
      );
      out(`setenv fdt_addr ${uvar('memaddr')}`, false);
      out(`fdt addr ${uvar('fdt_addr')}`);
    } else {
      out(`setenv fdt_addr ${uvar('memaddr')}`, false);
      out(`cp.b ${uvar('fdtcontroladdr')} ${uvar('fdt_addr')} ${hex(spec.fdt.slotSize)}`);
      out(`fdt addr ${uvar('fdt_addr')}`);
    }
    fdtAddr = `${uvar('fdt_addr')}`;
    kernelAddr = uvar(`${spec.kernel}_addr`);
  }
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
