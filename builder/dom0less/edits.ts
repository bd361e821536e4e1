// Additions to a board's device tree, kept as fragments ("set these properties on node X, add
// these children under it") so that one description feeds the three outputs that must agree:
// the merged system.dtb, the overlay chosen.dtbo, and the fdt commands of the U-Boot script.
//
// All three follow libfdt's order of operations, because `fdtoverlay` and U-Boot's `fdt` both
// are libfdt: a property that does not exist yet is inserted FIRST in its node, and a new subnode
// is inserted FIRST among its parent's children. To end up in the order the fragment lists,
// everything is therefore applied in reverse. A new property name is appended to the strings
// block unless the block already holds it (as a whole string or the tail of one).
//
// Phandles created here are numbered from the base's highest phandle upwards, which is exactly
// what fdt_overlay_apply does to an overlay's own phandles (it adds that maximum to each), so
// the overlay carries them from 1 with __local_fixups__ and the results are identical.
import { Node, type Property, read, Tree, value } from '../../devicetree/tree.js';

export interface Fragment {
  /** Absolute path of an existing node of the base tree. */
  target: string;
  /** Properties to set and children to add, in the order wanted in the result (name unused). */
  content: Node;
}

/** A cell inside a fragment property that holds one of our new phandles. */
export interface PhandleRef {
  node: Node;
  prop: string;
  /** Byte offset of the cell in the property value. */
  offset: number;
}

export interface TreeEdits {
  fragments: Fragment[];
  /** References to phandles allocated above `phandleBase`; references to base phandles are plain. */
  phandleRefs: PhandleRef[];
  /** The base tree's highest phandle; new phandles are phandleBase + 1, + 2, ... */
  phandleBase: number;
}

export class EditError extends Error {
  override name = 'EditError';
}

/** The base's highest phandle, as fdt_get_max_phandle computes it (0 when it has none). */
export function maxPhandle(base: Tree): number {
  let max = 0;
  for (const ph of base.phandles().keys()) {
    if (ph === 0 || ph === 0xffffffff)
      throw new EditError(`base tree holds the invalid phandle 0x${ph.toString(16)}`);
    if (ph > max) max = ph;
  }
  return max;
}

/** Hands out phandles that cannot collide with the base's. */
export class PhandleAllocator {
  private next: number;
  constructor(readonly base: number) {
    this.next = base + 1;
  }
  alloc(): number {
    if (this.next >= 0xffffffff) throw new EditError('phandles exhausted');
    return this.next++;
  }
}

/** The order in which libfdt must meet the items to leave them in `items` order. */
function applicationOrder<T>(items: readonly T[]): T[] {
  return [...items].reverse();
}

/** One step of applying edits, in the order fdt_overlay_apply (and our script) performs them. */
export type EditStep =
  | { op: 'mknod'; parent: string; name: string; node: Node }
  | { op: 'set'; path: string; prop: Property; owner: Node };

/** Every step, depth first: a node's properties, then each child (created, then filled). */
export function editSteps(base: Tree, edits: TreeEdits): EditStep[] {
  const steps: EditStep[] = [];
  const visit = (path: string, existing: Node | undefined, content: Node) => {
    for (const p of applicationOrder(content.props)) steps.push({ op: 'set', path, prop: p, owner: content });
    for (const c of applicationOrder(content.children)) {
      const had = existing?.child(c.name);
      if (!had) steps.push({ op: 'mknod', parent: path, name: c.name, node: c });
      visit(path === '/' ? `/${c.name}` : `${path}/${c.name}`, had, c);
    }
  };
  for (const f of edits.fragments) {
    const target = base.lookup(f.target);
    if (!target) throw new EditError(`fragment target ${f.target} is not in the board device tree`);
    visit(target.path, target, f.content);
  }
  return steps;
}

/** The base with the edits applied, node and property order exactly as libfdt leaves them. */
export function applyEdits(base: Tree, edits: TreeEdits): Tree {
  const out = base.clone();
  for (const step of editSteps(base, edits)) {
    if (step.op === 'mknod') {
      const parent = out.lookup(step.parent)!;
      const n = new Node(step.name);
      n.labels = [...step.node.labels];
      n.parent = parent;
      parent.children.unshift(n);
    } else {
      const node = out.lookup(step.path)!;
      const v = step.prop.value.slice();
      const existing = node.prop(step.prop.name);
      if (existing) {
        existing.value = v;
        if (step.prop.hint) existing.hint = step.prop.hint;
      } else {
        const p: Property = { name: step.prop.name, value: v, labels: [] };
        if (step.prop.hint) p.hint = step.prop.hint;
        node.props.unshift(p);
      }
    }
  }
  return out;
}

/**
 * The strings block libfdt ends up with: the base's block as it was, then every new property
 * name in the order the edits set them, unless already present as a whole string or a tail.
 */
export function mergedStringsBlock(baseStrings: Uint8Array, base: Tree, edits: TreeEdits): Uint8Array {
  let block = baseStrings;
  for (const step of editSteps(base, edits)) {
    if (step.op !== 'set') continue;
    const name = value.string(step.prop.name);
    if (indexOfBytes(block, name) < 0) block = value.concat(block, name);
  }
  return block;
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * The overlay (chosen.dtbo) that fdtoverlay applies to the base to give applyEdits' result:
 * one fragment@N per target with target-path, contents listed in application order, our
 * phandles counted from 1, and __local_fixups__ for every reference to them.
 */
export function overlayTree(edits: TreeEdits): Tree {
  const t = new Tree();
  const copies = new Map<Node, Node>();
  const delta = edits.phandleBase;
  const copyReversed = (src: Node, name: string): Node => {
    const n = new Node(name);
    copies.set(src, n);
    for (const p of applicationOrder(src.props)) {
      let v: Uint8Array = p.value.slice();
      if (p.name === 'phandle' || p.name === 'linux,phandle') v = value.u32(read.u32(p) - delta);
      const q: Property = { name: p.name, value: v, labels: [] };
      if (p.hint) q.hint = p.hint;
      n.props.push(q);
    }
    for (const c of applicationOrder(src.children)) n.addChild(copyReversed(c, c.name));
    return n;
  };
  edits.fragments.forEach((f, i) => {
    const frag = t.root.addChild(new Node(`fragment@${i}`));
    frag.setProp('target-path', value.string(f.target), { hint: { kind: 'string' } });
    frag.addChild(copyReversed(f.content, '__overlay__'));
  });
  if (edits.phandleRefs.length > 0) {
    const fixups = t.root.addChild(new Node('__local_fixups__'));
    const offsets = new Map<Node, Map<string, number[]>>();
    for (const ref of edits.phandleRefs) {
      const copy = copies.get(ref.node);
      if (!copy)
        throw new EditError(`phandle reference in ${ref.node.path}:${ref.prop} is outside the fragments`);
      const p = copy.prop(ref.prop);
      if (!p || ref.offset + 4 > p.value.length || ref.offset % 4 !== 0)
        throw new EditError(`phandle reference ${ref.prop}+${ref.offset} does not name a cell`);
      const dv = new DataView(p.value.buffer, p.value.byteOffset, p.value.length);
      const ph = dv.getUint32(ref.offset);
      if (ph <= delta) throw new EditError(`${ref.prop} refers to base phandle ${ph} as if it were new`);
      dv.setUint32(ref.offset, ph - delta);
      let byProp = offsets.get(copy);
      if (!byProp) {
        byProp = new Map();
        offsets.set(copy, byProp);
      }
      byProp.set(ref.prop, [...(byProp.get(ref.prop) ?? []), ref.offset]);
    }
    // __local_fixups__ mirrors the overlay's paths; dtc writes it in the overlay's node order.
    for (const n of t.root.walk()) {
      const byProp = offsets.get(n);
      if (!byProp) continue;
      const rel = n.path.split('/').filter(Boolean);
      let at = fixups;
      for (const part of rel) at = at.ensureChild(part);
      for (const [prop, offs] of byProp)
        at.setProp(prop, value.u32(...offs), { hint: { kind: 'cells', bits: 32 } });
    }
  }
  return t;
}
