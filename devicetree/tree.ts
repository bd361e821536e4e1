// The one in-memory device tree. Every codec (DTB, DTS) reads into and writes from this model;
// emitters build it and never write bytes themselves. Property values are stored as the exact
// bytes that go into a DTB, so a tree has one meaning whatever format it came from.
import { type SourcePos, TreeError } from './errors.js';

/**
 * How a value was written in source, so the DTS printer can say it the same way. Absent for
 * values read from a DTB (the printer then guesses, exactly as dtc does).
 */
export type ValueHint =
  | { kind: 'string' }
  | { kind: 'strings' }
  | { kind: 'cells'; bits: 8 | 16 | 32 | 64 }
  | { kind: 'bytes' };

export interface Property {
  name: string;
  value: Uint8Array;
  labels: string[];
  hint?: ValueHint;
  pos?: SourcePos;
}

export interface MemReserve {
  address: bigint;
  size: bigint;
  labels: string[];
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: false });

/** Constructors for property values in DTB byte form (big-endian cells, NUL-terminated strings). */
export const value = {
  empty(): Uint8Array {
    return new Uint8Array(0);
  },
  u32(...cells: number[]): Uint8Array {
    const out = new Uint8Array(cells.length * 4);
    const dv = new DataView(out.buffer);
    cells.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0 || c > 0xffffffff) throw new TreeError(`cell ${c} is not a u32`);
      dv.setUint32(i * 4, c);
    });
    return out;
  },
  /** 64-bit values as two cells each (high, low), as #address-cells = 2 wants. */
  u64(...values: bigint[]): Uint8Array {
    const out = new Uint8Array(values.length * 8);
    const dv = new DataView(out.buffer);
    values.forEach((v, i) => {
      if (v < 0n || v > 0xffffffffffffffffn) throw new TreeError(`value ${v} is not a u64`);
      dv.setBigUint64(i * 8, v);
    });
    return out;
  },
  /** A number spread over `cells` cells (1 or 2), big-endian; refuses values that do not fit. */
  cellsOf(v: bigint, cells: number): Uint8Array {
    if (cells < 1 || cells > 4) throw new TreeError(`#cells ${cells} out of range`);
    if (v < 0n || v >> BigInt(32 * cells) !== 0n)
      throw new TreeError(`0x${v.toString(16)} does not fit in ${cells} cell(s)`);
    const out = new Uint8Array(cells * 4);
    const dv = new DataView(out.buffer);
    for (let i = cells - 1; i >= 0; i--) {
      dv.setUint32(i * 4, Number(v & 0xffffffffn));
      v >>= 32n;
    }
    return out;
  },
  string(s: string): Uint8Array {
    return value.strings(s);
  },
  strings(...list: string[]): Uint8Array {
    const parts = list.map((s) => {
      if (s.includes('\0')) throw new TreeError('a device-tree string cannot contain NUL');
      return textEncoder.encode(s);
    });
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length + 1;
    }
    return out;
  },
  bytes(b: ArrayLike<number>): Uint8Array {
    return Uint8Array.from(b);
  },
  concat(...parts: Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  },
};

/** Typed reads of a property value; each refuses a value of the wrong shape. */
export const read = {
  u32(p: Property): number {
    if (p.value.length !== 4) throw shapeError(p, 'one 32-bit cell');
    return new DataView(p.value.buffer, p.value.byteOffset, 4).getUint32(0);
  },
  cells(p: Property): number[] {
    if (p.value.length % 4 !== 0) throw shapeError(p, 'a whole number of 32-bit cells');
    const dv = new DataView(p.value.buffer, p.value.byteOffset, p.value.length);
    const out: number[] = [];
    for (let o = 0; o < p.value.length; o += 4) out.push(dv.getUint32(o));
    return out;
  },
  u64(p: Property): bigint {
    if (p.value.length !== 8) throw shapeError(p, 'one 64-bit value (two cells)');
    return new DataView(p.value.buffer, p.value.byteOffset, 8).getBigUint64(0);
  },
  /** Groups of `cells` cells as numbers, e.g. reg entries with #address-cells = 2. */
  cellGroups(p: Property, cells: number): bigint[] {
    const raw = read.cells(p);
    if (cells < 1 || raw.length % cells !== 0) throw shapeError(p, `groups of ${cells} cell(s)`);
    const out: bigint[] = [];
    for (let i = 0; i < raw.length; i += cells) {
      let v = 0n;
      for (let j = 0; j < cells; j++) v = (v << 32n) | BigInt(raw[i + j]!);
      out.push(v);
    }
    return out;
  },
  string(p: Property): string {
    const list = read.strings(p);
    if (list.length !== 1) throw shapeError(p, 'one NUL-terminated string');
    return list[0]!;
  },
  strings(p: Property): string[] {
    const v = p.value;
    if (v.length === 0 || v[v.length - 1] !== 0) throw shapeError(p, 'NUL-terminated strings');
    return textDecoder.decode(v.subarray(0, v.length - 1)).split('\0');
  },
  isEmpty(p: Property): boolean {
    return p.value.length === 0;
  },
};

function shapeError(p: Property, want: string): TreeError {
  return new TreeError(`property "${p.name}" (${p.value.length} bytes) is not ${want}`);
}

export class Node {
  readonly props: Property[] = [];
  readonly children: Node[] = [];
  labels: string[] = [];
  parent: Node | undefined;
  pos?: SourcePos;

  constructor(public name: string) {}

  /** The full path, "/" for the root. */
  get path(): string {
    if (!this.parent) return '/';
    const up = this.parent.path;
    return up === '/' ? `/${this.name}` : `${up}/${this.name}`;
  }

  /** The name without its unit address. */
  get baseName(): string {
    const at = this.name.indexOf('@');
    return at < 0 ? this.name : this.name.slice(0, at);
  }

  prop(name: string): Property | undefined {
    return this.props.find((p) => p.name === name);
  }

  /** Like `prop` but throws when absent. */
  requireProp(name: string): Property {
    const p = this.prop(name);
    if (!p) throw new TreeError(`${this.path} has no property "${name}"`);
    return p;
  }

  /** Sets a property, keeping its place if it exists (as dtc does when a later definition wins). */
  setProp(name: string, v: Uint8Array, extra: Partial<Omit<Property, 'name' | 'value'>> = {}): Property {
    const existing = this.prop(name);
    if (existing) {
      existing.value = v;
      if (extra.labels) existing.labels = [...new Set([...existing.labels, ...extra.labels])];
      if ('hint' in extra) existing.hint = extra.hint;
      if (extra.pos) existing.pos = extra.pos;
      return existing;
    }
    const p: Property = { name, value: v, labels: extra.labels ?? [] };
    if (extra.hint) p.hint = extra.hint;
    if (extra.pos) p.pos = extra.pos;
    this.props.push(p);
    return p;
  }

  deleteProp(name: string): boolean {
    const i = this.props.findIndex((p) => p.name === name);
    if (i < 0) return false;
    this.props.splice(i, 1);
    return true;
  }

  child(name: string): Node | undefined {
    return this.children.find((c) => c.name === name);
  }

  /** Returns the child with that name, creating it (appended) when absent. */
  ensureChild(name: string): Node {
    return this.child(name) ?? this.addChild(new Node(name));
  }

  addChild(node: Node): Node {
    if (this.child(node.name)) throw new TreeError(`${this.path} already has a child "${node.name}"`);
    node.parent = this;
    this.children.push(node);
    return node;
  }

  deleteChild(name: string): boolean {
    const i = this.children.findIndex((c) => c.name === name);
    if (i < 0) return false;
    this.children[i]!.parent = undefined;
    this.children.splice(i, 1);
    return true;
  }

  /** Depth-first, parents before children, in document order. */
  *walk(): Generator<Node> {
    const stack: Node[] = [this];
    while (stack.length > 0) {
      const n = stack.pop()!;
      yield n;
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    }
  }

  /** A deep copy (positions and labels kept), detached from any parent. */
  clone(): Node {
    const copy = new Node(this.name);
    copy.labels = [...this.labels];
    if (this.pos) copy.pos = this.pos;
    for (const p of this.props) {
      const q: Property = { name: p.name, value: p.value.slice(), labels: [...p.labels] };
      if (p.hint) q.hint = p.hint;
      if (p.pos) q.pos = p.pos;
      copy.props.push(q);
    }
    for (const c of this.children) copy.addChild(c.clone());
    return copy;
  }
}

export class Tree {
  root = new Node('');
  memreserves: MemReserve[] = [];
  bootCpuid = 0;

  /** The node at an absolute path ("/", "/chosen", "/soc/serial@ff010000"), or undefined. */
  lookup(path: string): Node | undefined {
    if (!path.startsWith('/')) return undefined;
    let node: Node | undefined = this.root;
    for (const part of path.split('/').filter(Boolean)) {
      node = node.child(part) ?? uniqueByBaseName(node, part);
      if (!node) return undefined;
    }
    return node;
  }

  /** The node at `path`, creating missing nodes on the way. */
  ensurePath(path: string): Node {
    if (!path.startsWith('/')) throw new TreeError(`"${path}" is not an absolute path`);
    let node = this.root;
    for (const part of path.split('/').filter(Boolean)) node = node.ensureChild(part);
    return node;
  }

  findLabel(label: string): Node | undefined {
    for (const n of this.root.walk()) if (n.labels.includes(label)) return n;
    return undefined;
  }

  /** Every phandle in use (`phandle` and legacy `linux,phandle`). */
  phandles(): Map<number, Node> {
    const out = new Map<number, Node>();
    for (const n of this.root.walk()) {
      for (const name of ['phandle', 'linux,phandle']) {
        const p = n.prop(name);
        if (p && p.value.length === 4) out.set(read.u32(p), n);
      }
    }
    return out;
  }

  /** The node's phandle, assigning the next free one (as dtc does: max in use + 1) if it has none. */
  phandleOf(node: Node): number {
    const own = node.prop('phandle') ?? node.prop('linux,phandle');
    if (own) return read.u32(own);
    let max = 0;
    for (const ph of this.phandles().keys()) if (ph !== 0xffffffff && ph > max) max = ph;
    const next = max + 1;
    node.setProp('phandle', value.u32(next));
    return next;
  }

  clone(): Tree {
    const t = new Tree();
    t.root = this.root.clone();
    t.memreserves = this.memreserves.map((m) => ({ ...m, labels: [...m.labels] }));
    t.bootCpuid = this.bootCpuid;
    return t;
  }
}

/** Like dtc's path lookup: "serial" matches "serial@..." when it is the only such child. */
function uniqueByBaseName(parent: Node, part: string): Node | undefined {
  if (part.includes('@')) return undefined;
  const matches = parent.children.filter((c) => c.baseName === part);
  return matches.length === 1 ? matches[0] : undefined;
}
