// Applying a compiled overlay (a /plugin/ tree with fragment@N/__overlay__, __fixups__,
// __local_fixups__ and __symbols__) to a base tree with exactly the result libfdt's
// fdt_overlay_apply gives, which is what `fdtoverlay` runs. That includes libfdt's editing
// quirks: a property new to a node is inserted before the existing ones, a new subnode before the
// existing subnodes, and node names match "name" to "name@unit" as libfdt's lookups do.
// Compiling an overlay from source is parseDts on a /plugin/ source (dts-parse.ts).
import { readDtb, readDtbHeader } from './dtb.js';
import { OverlayError } from './errors.js';
import { BlobReader } from './reader.js';
import { Node, type Property, read, type Tree, value } from './tree.js';

/** Applies `overlay` to a copy of `base`; neither argument is changed. Throws OverlayError. */
export function applyOverlay(base: Tree, overlay: Tree): Tree {
  const out = base.clone();
  applyInPlace(out, overlay.clone(), new TreeEditor());
  return out;
}

/**
 * `fdtoverlay -i base -o out overlay...` on blobs: the same tree as applyOverlay, laid out as
 * libfdt leaves an edited blob after fdt_pack — the base's strings block kept as it was, with
 * names new to it appended in the order the overlay set them.
 */
export function applyOverlayDtb(base: Uint8Array, overlays: Uint8Array[]): Uint8Array {
  const header = readDtbHeader(base);
  const tree = readDtb(base);
  const strings = new Strings(new BlobReader(base).bytes(header.offDtStrings, header.sizeDtStrings));
  const editor = new BlobEditor(tree, strings);
  for (const ov of overlays) applyInPlace(tree, readDtb(ov), editor);
  return editor.pack();
}

const FDT_MAGIC = 0xd00dfeed;
const NO_PHANDLE = 0xffffffff;

/** The two edits overlay application makes to the base, done the way libfdt does them. */
interface Editor {
  /** fdt_setprop: replace in place, or insert before the node's other properties. */
  setProp(node: Node, name: string, v: Uint8Array): void;
  /** fdt_add_subnode: a new empty node before the parent's other children. */
  addSubnode(parent: Node, name: string): Node;
}

class TreeEditor implements Editor {
  setProp(node: Node, name: string, v: Uint8Array): void {
    const existing = node.prop(name);
    if (existing) {
      existing.value = v.slice();
      delete existing.hint;
    } else {
      node.props.unshift({ name, value: v.slice(), labels: [] });
    }
  }

  addSubnode(parent: Node, name: string): Node {
    const n = new Node(name);
    n.parent = parent;
    parent.children.unshift(n);
    return n;
  }
}

function applyInPlace(fdt: Tree, fdto: Tree, ed: Editor): void {
  const delta = maxPhandle(fdt);
  adjustPhandles(fdto.root, delta);
  const localFixups = pathOffset(fdto, '/__local_fixups__', true);
  if (localFixups) updateLocalReferences(fdto.root, localFixups, delta);
  fixupPhandles(fdt, fdto);
  merge(fdt, fdto, ed);
  updateSymbols(fdt, fdto, ed);
}

// ---- libfdt's lookups

/** libfdt's name match: exact, or "name" against "name@unit" when the wanted name has no '@'. */
function nameMatches(actual: string, wanted: string): boolean {
  if (actual === wanted) return true;
  return !wanted.includes('@') && actual.startsWith(`${wanted}@`);
}

function subnode(parent: Node, name: string): Node | undefined {
  return parent.children.find((c) => nameMatches(c.name, name));
}

/**
 * fdt_path_offset: components looked up with libfdt's name match; a path not starting with '/'
 * begins with an alias. Returns undefined for a missing node when `soft`, else throws.
 */
function pathOffset(t: Tree, path: string, soft = false): Node | undefined {
  let node: Node | undefined = t.root;
  let rest = path;
  if (!path.startsWith('/')) {
    const slash = path.indexOf('/');
    const alias = slash < 0 ? path : path.slice(0, slash);
    const aliases = pathOffset(t, '/aliases', true);
    const target = aliases?.prop(alias);
    if (!target) throw new OverlayError('BADPATH', `no alias "${alias}"`);
    node = pathOffset(t, cString(target.value), soft);
    if (!node) return undefined;
    rest = slash < 0 ? '' : path.slice(slash);
  }
  for (const part of rest.split('/')) {
    if (part === '') continue;
    node = subnode(node, part);
    if (!node) {
      if (soft) return undefined;
      throw new OverlayError('NOTFOUND', `no node at "${path}"`);
    }
  }
  return node;
}

function getPhandle(node: Node): number {
  for (const name of ['phandle', 'linux,phandle']) {
    const p = node.prop(name);
    if (p && p.value.length === 4) return read.u32(p);
  }
  return 0;
}

function maxPhandle(t: Tree): number {
  let max = 0;
  for (const n of t.root.walk()) max = Math.max(max, getPhandle(n));
  return max;
}

function nodeByPhandle(t: Tree, phandle: number): Node {
  if (phandle === 0 || phandle === NO_PHANDLE)
    throw new OverlayError('BADPHANDLE', `invalid phandle 0x${phandle.toString(16)}`);
  for (const n of t.root.walk()) if (getPhandle(n) === phandle) return n;
  throw new OverlayError('NOTFOUND', `no node with phandle 0x${phandle.toString(16)}`);
}

function fullPath(node: Node): string {
  return node.path;
}

function cString(v: Uint8Array): string {
  const nul = v.indexOf(0);
  return new TextDecoder().decode(nul < 0 ? v : v.subarray(0, nul));
}

function setU32(p: Property, offset: number, v: number): void {
  if (offset < 0 || offset + 4 > p.value.length)
    throw new OverlayError('BADOVERLAY', `offset ${offset} outside property "${p.name}"`);
  new DataView(p.value.buffer, p.value.byteOffset, p.value.length).setUint32(offset, v >>> 0);
}

function getU32(p: Property, offset: number): number {
  if (offset < 0 || offset + 4 > p.value.length)
    throw new OverlayError('BADOVERLAY', `offset ${offset} outside property "${p.name}"`);
  return new DataView(p.value.buffer, p.value.byteOffset, p.value.length).getUint32(offset);
}

// ---- the steps of fdt_overlay_apply, in its order

/** The overlay's own phandles move above every phandle in the base. */
function adjustPhandles(root: Node, delta: number): void {
  for (const n of root.walk()) {
    for (const name of ['phandle', 'linux,phandle']) {
      const p = n.prop(name);
      if (!p) continue;
      if (p.value.length !== 4) throw new OverlayError('BADPHANDLE', `${n.path}: ${name} is not one cell`);
      const v = read.u32(p);
      const adj = v + delta;
      if (adj > NO_PHANDLE || adj === NO_PHANDLE)
        throw new OverlayError('NOPHANDLES', `${n.path}: phandle overflow`);
      setU32(p, 0, adj);
    }
  }
}

/** References inside the overlay to its own nodes (listed in __local_fixups__) follow the move. */
function updateLocalReferences(treeNode: Node, fixupNode: Node, delta: number): void {
  for (const fp of fixupNode.props) {
    if (fp.value.length % 4 !== 0)
      throw new OverlayError('BADOVERLAY', `__local_fixups__ ${fp.name}: not cells`);
    const target = treeNode.prop(fp.name);
    if (!target) throw new OverlayError('BADOVERLAY', `${treeNode.path} has no property "${fp.name}"`);
    for (const off of read.cells(fp)) setU32(target, off, (getU32(target, off) + delta) >>> 0);
  }
  for (const fc of fixupNode.children) {
    const child = subnode(treeNode, fc.name);
    if (!child) throw new OverlayError('BADOVERLAY', `${treeNode.path} has no child "${fc.name}"`);
    updateLocalReferences(child, fc, delta);
  }
}

/** References to base labels (listed in __fixups__) get the phandles the base's __symbols__ name. */
function fixupPhandles(fdt: Tree, fdto: Tree): void {
  const fixups = pathOffset(fdto, '/__fixups__', true);
  if (!fixups) return;
  const symbols = pathOffset(fdt, '/__symbols__', true);
  for (const fp of fixups.props) {
    const v = fp.value;
    if (v.length === 0 || v[v.length - 1] !== 0)
      throw new OverlayError('BADOVERLAY', `__fixups__ ${fp.name}: not NUL-terminated strings`);
    for (const entry of new TextDecoder().decode(v.subarray(0, v.length - 1)).split('\0')) {
      // The offset is read with strtoul: leading space and a sign are allowed. A negative offset
      // would make libfdt write before the value; it is refused here.
      const m = /^([^:]*):([^:]+):[ \t\n\v\f\r]*(\+|-(?=0+$))?([0-9]+)$/.exec(entry);
      if (!m || m[1] === '')
        throw new OverlayError('BADOVERLAY', `__fixups__ ${fp.name}: bad entry "${entry}"`);
      if (!symbols) throw new OverlayError('NOTFOUND', `base has no __symbols__ (needed for "${fp.name}")`);
      const sym = symbols.prop(fp.name);
      if (!sym) throw new OverlayError('NOTFOUND', `base has no symbol "${fp.name}"`);
      const target = pathOffset(fdt, cString(sym.value))!;
      const phandle = getPhandle(target);
      if (!phandle)
        throw new OverlayError('NOTFOUND', `symbol "${fp.name}" names ${target.path}, which has no phandle`);
      const at = pathOffset(fdto, m[1]!, true);
      if (!at) throw new OverlayError('BADOVERLAY', `__fixups__ ${fp.name}: no node "${m[1]}"`);
      const prop = at.prop(m[2]!);
      if (!prop) throw new OverlayError('NOTFOUND', `${m[1]} has no property "${m[2]}"`);
      setU32(prop, Number(m[4]), phandle);
    }
  }
}

/** A fragment's target: `target` (a phandle) or else `target-path`, as overlay_get_target decides. */
function fragmentTarget(fdt: Tree, fragment: Node): { node: Node; rawPath?: Uint8Array } {
  const t = fragment.prop('target');
  let phandle = 0;
  if (t) phandle = t.value.length !== 4 ? NO_PHANDLE : read.u32(t);
  if (phandle === NO_PHANDLE) throw new OverlayError('BADPHANDLE', `${fragment.path}: unresolved target`);
  if (phandle) return { node: nodeByPhandle(fdt, phandle) };
  const tp = fragment.prop('target-path');
  if (!tp) throw new OverlayError('BADOVERLAY', `${fragment.path} has neither target nor target-path`);
  const nul = tp.value.indexOf(0);
  const rawPath = nul < 0 ? tp.value : tp.value.subarray(0, nul);
  return { node: pathOffset(fdt, cString(tp.value))!, rawPath };
}

function merge(fdt: Tree, fdto: Tree, ed: Editor): void {
  for (const fragment of fdto.root.children) {
    const body = subnode(fragment, '__overlay__');
    if (!body) continue;
    applyNode(fragmentTarget(fdt, fragment).node, body, ed);
  }
}

function applyNode(target: Node, ov: Node, ed: Editor): void {
  for (const p of ov.props) ed.setProp(target, p.name, p.value);
  for (const c of ov.children) applyNode(subnode(target, c.name) ?? ed.addSubnode(target, c.name), c, ed);
}

/** The overlay's labels join the base's __symbols__, with paths rewritten into the base tree. */
function updateSymbols(fdt: Tree, fdto: Tree, ed: Editor): void {
  const ovSym = subnode(fdto.root, '__symbols__');
  if (!ovSym) return;
  const rootSym = subnode(fdt.root, '__symbols__') ?? ed.addSubnode(fdt.root, '__symbols__');
  for (const p of ovSym.props) {
    const v = p.value;
    if (v.length < 1 || v.indexOf(0) !== v.length - 1)
      throw new OverlayError('BADVALUE', `__symbols__ ${p.name} is not one string`);
    // Bytes, not text: libfdt copies the relative part verbatim, whatever it contains.
    const path = v.subarray(0, v.length - 1);
    if (path[0] !== SLASH) throw new OverlayError('BADVALUE', `__symbols__ ${p.name} is not a path`);
    const s = path.indexOf(SLASH, 1);
    if (s < 0) continue; // not inside a fragment: it will not be in the base
    const fragName = new TextDecoder().decode(path.subarray(1, s));
    const tail = path.subarray(s);
    let rel: Uint8Array;
    if (startsWith(tail, OVERLAY_DIR)) rel = tail.subarray(OVERLAY_DIR.length);
    else if (tail.length === OVERLAY_DIR.length - 1 && startsWith(tail, OVERLAY_DIR.subarray(0, -1)))
      rel = tail.subarray(tail.length);
    else continue;
    const fragment = fdto.root.children.find((c) => nameMatches(c.name, fragName));
    if (!fragment || !subnode(fragment, '__overlay__'))
      throw new OverlayError('BADOVERLAY', `__symbols__ ${p.name}: no fragment "${fragName}"`);
    const target = fragmentTarget(fdt, fragment);
    const base = target.rawPath ?? new TextEncoder().encode(fullPath(target.node));
    const head = base.length > 1 ? value.concat(base, Uint8Array.of(SLASH)) : Uint8Array.of(SLASH);
    ed.setProp(rootSym, p.name, value.concat(head, rel, Uint8Array.of(0)));
  }
}

const SLASH = 0x2f;
const OVERLAY_DIR = new TextEncoder().encode('/__overlay__/');

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  return b.length >= prefix.length && prefix.every((x, i) => b[i] === x);
}

// ---- the blob libfdt leaves behind

/** A strings block that only grows at the end, searched the way libfdt searches it. */
class Strings {
  private bytes: Uint8Array;
  constructor(initial: Uint8Array) {
    this.bytes = initial;
  }

  get block(): Uint8Array {
    return this.bytes;
  }

  find(name: string): number {
    const want = new TextEncoder().encode(`${name}\0`);
    const b = this.bytes;
    outer: for (let i = 0; i + want.length <= b.length; i++) {
      for (let j = 0; j < want.length; j++) if (b[i + j] !== want[j]) continue outer;
      return i;
    }
    return -1;
  }

  findOrAdd(name: string): number {
    const at = this.find(name);
    if (at >= 0) return at;
    const add = new TextEncoder().encode(`${name}\0`);
    const next = new Uint8Array(this.bytes.length + add.length);
    next.set(this.bytes);
    next.set(add, this.bytes.length);
    this.bytes = next;
    return next.length - add.length;
  }
}

const align4 = (n: number) => (n + 3) & ~3;

/**
 * Edits as libfdt edits a blob in place. libfdt never clears the padding after a property value,
 * so a value that shrinks keeps the old value's bytes there, and a property that is inserted or
 * grows takes whatever structure bytes were at that spot before. fdtoverlay's output carries
 * those bytes, so they are tracked per property (zero for the base, which dtc wrote clean).
 */
class BlobEditor implements Editor {
  private readonly pads = new Map<Property, Uint8Array>();

  constructor(
    private readonly tree: Tree,
    private readonly strings: Strings,
  ) {}

  setProp(node: Node, name: string, v: Uint8Array): void {
    const existing = node.prop(name);
    const newA = align4(v.length);
    let region: Uint8Array;
    let prop: Property;
    if (existing) {
      const oldA = align4(existing.value.length);
      const old = value.concat(existing.value, this.padOf(existing));
      if (newA <= oldA) {
        region = old.subarray(0, newA);
      } else {
        const { bytes, props } = this.layout();
        region = value.concat(old, slice(bytes, props.get(existing)! + oldA, newA - oldA));
      }
      existing.value = v.slice();
      delete existing.hint;
      prop = existing;
    } else {
      this.strings.findOrAdd(name);
      const { bytes, nodes } = this.layout();
      region = slice(bytes, nodes.get(node)! + 12, newA);
      prop = { name, value: v.slice(), labels: [] };
      node.props.unshift(prop);
    }
    this.pads.set(prop, region.slice(v.length, newA));
  }

  addSubnode(parent: Node, name: string): Node {
    const n = new Node(name);
    n.parent = parent;
    parent.children.unshift(n);
    return n;
  }

  private padOf(p: Property): Uint8Array {
    return this.pads.get(p) ?? new Uint8Array(align4(p.value.length) - p.value.length);
  }

  /**
   * The structure block followed by the strings block, with where each node's contents start and
   * each property's value starts.
   */
  private layout(): { bytes: Uint8Array; nodes: Map<Node, number>; props: Map<Property, number> } {
    const enc = new TextEncoder();
    const out: number[] = [];
    const nodes = new Map<Node, number>();
    const props = new Map<Property, number>();
    const u32 = (v: number) => out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    const stack: { node: Node; next: number }[] = [];
    const open = (node: Node) => {
      u32(1);
      out.push(...enc.encode(node.name), 0);
      while (out.length % 4 !== 0) out.push(0);
      nodes.set(node, out.length);
      for (const p of node.props) {
        u32(3);
        u32(p.value.length);
        u32(this.strings.findOrAdd(p.name));
        props.set(p, out.length);
        for (const b of p.value) out.push(b);
        for (const b of this.padOf(p)) out.push(b);
      }
      stack.push({ node, next: 0 });
    };
    open(this.tree.root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const child = top.node.children[top.next++];
      if (child) open(child);
      else {
        u32(2);
        stack.pop();
      }
    }
    u32(9);
    for (const b of this.strings.block) out.push(b);
    return { bytes: Uint8Array.from(out), nodes, props };
  }

  /** fdt_pack's layout: header, reserve map at 40, structure block, then the strings block. */
  pack(): Uint8Array {
    const tree = this.tree;
    const { bytes } = this.layout();
    const str = this.strings.block;
    const structLen = bytes.length - str.length;
    const rsvOff = 40;
    const structOff = rsvOff + (tree.memreserves.length + 1) * 16;
    const stringsOff = structOff + structLen;
    const total = stringsOff + str.length;
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    const header = [
      FDT_MAGIC,
      total,
      structOff,
      stringsOff,
      rsvOff,
      17,
      16,
      tree.bootCpuid,
      str.length,
      structLen,
    ];
    for (const [i, v] of header.entries()) dv.setUint32(i * 4, v);
    tree.memreserves.forEach((m, i) => {
      dv.setBigUint64(rsvOff + i * 16, m.address);
      dv.setBigUint64(rsvOff + i * 16 + 8, m.size);
    });
    out.set(bytes, structOff);
    return out;
  }
}

/** `len` bytes from `at`; past the end of the data a fresh buffer reads as zeros. */
function slice(bytes: Uint8Array, at: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(bytes.subarray(at, Math.min(bytes.length, at + len)));
  return out;
}
