// Reads what a board descriptor needs out of a board's device tree: RAM banks, every reserved
// range, CPUs, the GIC and the console. A malformed node becomes a diagnostic, never an exception,
// so one bad property in a vendor DTB does not hide the rest.
import { TreeError } from '../devicetree/errors.js';
import { type Node, type Property, read, type Tree } from '../devicetree/tree.js';
import type { BoardCpu, BoardDiagnostic, BoardGic, BoardRange, MemRange } from './types.js';

export interface DtbFacts {
  model?: string;
  compatible: string[];
  ram: MemRange[];
  reserved: BoardRange[];
  cpus: BoardCpu[];
  gic?: BoardGic;
  /** /chosen/stdout-path resolved to a node path (options such as ":115200n8" dropped). */
  console?: string;
}

const U64_END = 1n << 64n;

/** Compatibles that name a GIC, and the architecture version each one implements. */
const GIC_COMPATIBLES: ReadonlyArray<readonly [string, 2 | 3]> = [
  ['arm,gic-v3', 3],
  ['qcom,msm8996-gic-v3', 3],
  ['arm,gic-400', 2],
  ['arm,cortex-a15-gic', 2],
  ['arm,cortex-a9-gic', 2],
  ['arm,cortex-a7-gic', 2],
  ['arm,arm11mp-gic', 2],
  ['arm,pl390', 2],
  ['arm,arm1176jzf-devchip-gic', 2],
  ['qcom,msm-8660-qgic', 2],
  ['qcom,msm-qgic2', 2],
];

export function readDtbFacts(tree: Tree): { facts: DtbFacts; diagnostics: BoardDiagnostic[] } {
  const diagnostics: BoardDiagnostic[] = [];
  const root = tree.root;
  const rootCells = cellsOf(root, 2, 1, diagnostics);
  const facts: DtbFacts = { compatible: [], ram: [], reserved: [], cpus: [] };

  const model = safe(() => optionalString(root.prop('model')), root, diagnostics);
  if (model !== undefined) facts.model = model;
  const compat = root.prop('compatible');
  if (compat) facts.compatible = safe(() => read.strings(compat), root, diagnostics) ?? [];

  for (const node of root.children) {
    if (!isMemoryNode(node) || isDisabled(node)) continue;
    for (const r of regRanges(node, rootCells, diagnostics)) if (r.size > 0n) facts.ram.push(r);
  }
  facts.ram.sort((a, b) => cmp(a.start, b.start));

  const rsv = root.child('reserved-memory');
  if (rsv) {
    const cells = cellsOf(rsv, rootCells.address, rootCells.size, diagnostics);
    for (const child of rsv.children) {
      if (isDisabled(child)) continue;
      // A child with only `size`/`alloc-ranges` is placed by the OS later, not at a fixed range.
      regRanges(child, cells, diagnostics).forEach((r, i) => {
        facts.reserved.push({ ...r, name: `reserved-memory/${child.name}[${i}]`, source: 'reserved-memory' });
      });
    }
  }
  tree.memreserves.forEach((m, i) => {
    if (m.size === 0n) return;
    facts.reserved.push({ start: m.address, size: m.size, name: `memreserve[${i}]`, source: 'memreserve' });
  });

  const cpus = root.child('cpus');
  if (cpus) {
    const cells = cellsOf(cpus, 1, 0, diagnostics);
    for (const c of cpus.children) {
      if (!isCpuNode(c) || isDisabled(c)) continue;
      const reg = c.prop('reg');
      const ids = reg ? safe(() => read.cellGroups(reg, cells.address), c, diagnostics) : undefined;
      if (!ids || ids.length === 0) {
        diagnostics.push(badReg(c, `a cpu node needs reg with #address-cells = ${cells.address}`));
        continue;
      }
      facts.cpus.push({ id: ids[0]!, path: c.path });
    }
  }

  const gic = findGic(tree, diagnostics);
  if (gic) facts.gic = gic;
  const console = consolePath(tree, diagnostics);
  if (console) facts.console = console;
  return { facts, diagnostics };
}

interface Cells {
  address: number;
  size: number;
}

function cellsOf(node: Node, defAddress: number, defSize: number, diags: BoardDiagnostic[]): Cells {
  const get = (name: string, def: number, max: number): number => {
    const p = node.prop(name);
    if (!p) return def;
    const v = safe(() => read.u32(p), node, diags);
    if (v === undefined || v > max) {
      diags.push(badReg(node, `${name} must be a single cell of at most ${max}`));
      return def;
    }
    return v;
  };
  return { address: get('#address-cells', defAddress, 2), size: get('#size-cells', defSize, 2) };
}

/** Every (address, size) pair of a node's reg, checked for shape and 64-bit overflow. */
function regRanges(node: Node, cells: Cells, diags: BoardDiagnostic[]): MemRange[] {
  const reg = node.prop('reg');
  if (!reg) return [];
  const stride = cells.address + cells.size;
  if (cells.address === 0 || cells.size === 0 || reg.value.length % (stride * 4) !== 0) {
    diags.push(badReg(node, `reg is ${reg.value.length} bytes, not a multiple of (${stride} cells)`));
    return [];
  }
  const raw = read.cellGroups(reg, 1);
  const out: MemRange[] = [];
  for (let i = 0; i < raw.length; i += stride) {
    const start = join(raw.slice(i, i + cells.address));
    const size = join(raw.slice(i + cells.address, i + stride));
    if (start + size > U64_END) {
      diags.push(badReg(node, `range 0x${start.toString(16)}+0x${size.toString(16)} wraps past 2^64`));
      continue;
    }
    out.push({ start, size });
  }
  return out;
}

function join(cells: bigint[]): bigint {
  return cells.reduce((v, c) => (v << 32n) | c, 0n);
}

function findGic(tree: Tree, diags: BoardDiagnostic[]): BoardGic | undefined {
  const candidates: Node[] = [];
  // The root's interrupt-parent is the primary controller; prefer it over any secondary GIC.
  const ip = tree.root.prop('interrupt-parent');
  if (ip && ip.value.length === 4) {
    const n = tree.phandles().get(read.u32(ip));
    if (n) candidates.push(n);
  }
  for (const n of tree.root.walk()) if (n.prop('interrupt-controller')) candidates.push(n);
  for (const n of candidates) {
    const c = n.prop('compatible');
    if (!c || isDisabled(n)) continue;
    const list = safe(() => read.strings(c), n, diags) ?? [];
    for (const s of list) {
      const hit = GIC_COMPATIBLES.find(([name]) => name === s);
      if (hit) return { version: hit[1], path: n.path };
    }
  }
  return undefined;
}

function consolePath(tree: Tree, diags: BoardDiagnostic[]): string | undefined {
  const chosen = tree.root.child('chosen');
  const p = chosen?.prop('stdout-path') ?? chosen?.prop('linux,stdout-path');
  if (!chosen || !p) return undefined;
  const raw = safe(() => read.string(p), chosen, diags);
  if (raw === undefined) return undefined;
  const spec = raw.split(':')[0]!;
  if (spec.startsWith('/')) return spec;
  const alias = tree.root.child('aliases')?.prop(spec);
  const target = alias ? safe(() => read.string(alias), chosen, diags) : undefined;
  return target?.startsWith('/') ? target : spec;
}

function isMemoryNode(n: Node): boolean {
  const dt = n.prop('device_type');
  if (dt) return safeString(dt) === 'memory';
  return n.baseName === 'memory';
}

function isCpuNode(n: Node): boolean {
  const dt = n.prop('device_type');
  if (dt) return safeString(dt) === 'cpu';
  return n.baseName === 'cpu';
}

function isDisabled(n: Node): boolean {
  const s = n.prop('status');
  if (!s) return false;
  const v = safeString(s);
  return v !== undefined && v !== 'okay' && v !== 'ok';
}

function safeString(p: Property): string | undefined {
  try {
    return read.string(p);
  } catch {
    return undefined;
  }
}

function optionalString(p: Property | undefined): string | undefined {
  return p ? read.string(p) : undefined;
}

function safe<T>(f: () => T, node: Node, diags: BoardDiagnostic[]): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof TreeError)) throw e;
    diags.push(badReg(node, e.message));
    return undefined;
  }
}

function badReg(node: Node, message: string): BoardDiagnostic {
  return {
    id: 'board-dtb-bad-reg',
    severity: 'error',
    message: `${node.path}: ${message}`,
    where: node.path,
    hint: 'fix the board DTB (dtc -I dtb -O dts shows it) or give the value in the board YAML',
  };
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
