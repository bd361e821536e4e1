// The checks and fixups dtc runs on a freshly parsed tree, in dtc's order. Only the checks dtc
// treats as errors are here (its warnings never change the output). The fixups give phandles to
// referenced nodes exactly as dtc numbers them (lowest unused number, counting up across the
// whole run), then fill in references, then build __symbols__, __fixups__ and __local_fixups__.
import { deleteNode, fillFullpaths, LiveNode, type LiveProp, type Marker, nodeByRef } from './dts-live.js';
import { DtsError, type DtsErrorCode, type SourcePos } from './errors.js';

export interface CheckOptions {
  plugin: boolean;
  symbols: boolean;
  /** File named (at line 0, column 0) for nodes with no position: made by the compiler, or from a DTB. */
  file: string;
}

const NODE_CHARS = /^[a-zA-Z0-9,._+\-@]*$/;
const PROP_CHARS = /^[a-zA-Z0-9,._+*#?-]*$/;

/**
 * What the name and phandle checks find, as their codes and messages. The checks below and
 * tree-checks.ts (the same checks on a finished tree) both judge through these, so the two
 * paths cannot drift apart.
 */
export const verdicts = {
  nodeNameChars: (name: string) => (NODE_CHARS.test(name) ? undefined : 'bad character in node name'),
  nodeNameFormat(name: string): string | undefined {
    const at = name.indexOf('@');
    return at >= 0 && name.indexOf('@', at + 1) >= 0 ? "multiple '@' characters in node name" : undefined;
  },
  propertyNameChars: (name: string) => (PROP_CHARS.test(name) ? undefined : 'bad character in property name'),
  nameIsString: (v: Uint8Array) => (isOneString(v) ? undefined : 'property is not a string'),
  /** undefined when the "name" property is the redundant copy of the node's base name. */
  nameProperty(basename: string, v: Uint8Array): string | undefined {
    let same = v.length === basename.length + 1;
    for (let k = 0; same && k < basename.length; k++) same = v[k] === (basename.charCodeAt(k) & 0xff);
    return same ? undefined : '"name" property is incorrect';
  },
  phandleLength: (name: string, v: Uint8Array) =>
    v.length === 4 ? undefined : `bad length (${v.length}) ${name} property`,
  /** The phandle a 4-byte value holds, or the message when it is not a usable one. */
  phandleValue(name: string, v: Uint8Array): number | string {
    const ph = u32(v, 0);
    return ph === 0 || ph === 0xffffffff ? `bad value (0x${ph.toString(16)}) in ${name} property` : ph;
  },
  phandleMismatch: "mismatching 'phandle' and 'linux,phandle' properties",
  phandleDuplicated: (ph: number) => `duplicated phandle 0x${ph.toString(16)}`,
};

export function runChecks(root: LiveNode, opts: CheckOptions): void {
  fillFullpaths(root, '');
  const ctx = new Ctx(root, opts);
  // Order as dtc's check table; each line is one named dtc check.
  ctx.each(ctx.duplicateNodeNames);
  ctx.each(ctx.duplicatePropertyNames);
  ctx.each(ctx.nodeNameChars);
  ctx.each(ctx.nodeNameFormat);
  ctx.each(ctx.propertyNameChars);
  ctx.each(ctx.nameIsString);
  ctx.each(ctx.nameProperties);
  ctx.duplicateLabels();
  ctx.each(ctx.explicitPhandles);
  ctx.each(ctx.phandleReferences);
  ctx.each(ctx.pathReferences);
  ctx.each(ctx.omitUnusedNodes);
  if (opts.symbols) ctx.generateSymbols();
  if (opts.plugin) {
    ctx.generateFixups();
    ctx.generateLocalFixups();
  }
}

class Ctx {
  /** dtc's phandle counter only ever counts up during one compile. */
  private nextPhandle = 1;
  /** Lookups dtc does by walking the tree, cached until a node is deleted. */
  private labels: Map<string, LiveNode> | undefined;
  private used: Set<number> | undefined;
  private readonly explicit = new Map<number, LiveNode>();

  constructor(
    private readonly root: LiveNode,
    private readonly opts: CheckOptions,
  ) {}

  /** The node a reference names; a label finds the first live node in document order, as in dtc. */
  private byRef(ref: string): LiveNode | undefined {
    if (ref.startsWith('/')) return nodeByRef(this.root, ref);
    if (!this.labels) {
      this.labels = new Map();
      for (const n of this.root.walk())
        for (const l of n.labels) if (!l.deleted && !this.labels.has(l.name)) this.labels.set(l.name, n);
    }
    return this.labels.get(ref);
  }

  private forgetIndexes(): void {
    this.labels = undefined;
    this.used = undefined;
  }

  /** Runs a per-node check over live nodes, parents first; a node deleted by the check is not descended. */
  each(check: (n: LiveNode) => void): void {
    const stack: LiveNode[] = [this.root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      // A node an earlier check deleted is skipped, and so are the children of one it deletes.
      if (n.deleted && n !== this.root) continue;
      check.call(this, n);
      if (n.deleted) continue;
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    }
  }

  private posOf(node: LiveNode, prop?: LiveProp): SourcePos {
    if (prop?.pos) return prop.pos;
    for (let n: LiveNode | undefined = node; n; n = n.parent) if (n.pos) return n.pos;
    return { file: this.opts.file, line: 0, col: 0 };
  }

  private fail(node: LiveNode, prop: LiveProp | undefined, code: DtsErrorCode, detail: string): never {
    const where = prop ? `${node.fullpath}:${prop.name}` : node.fullpath;
    throw new DtsError(this.posOf(node, prop), `${where}: ${detail}`, code);
  }

  duplicateNodeNames(node: LiveNode): void {
    const kids = node.children;
    if (kids.length > 16) {
      // Wide nodes: the same first pair as the scan below finds, by name instead of by pairs.
      const at = new Map<string, number[]>();
      for (let j = 0; j < kids.length; j++) {
        const list = at.get(kids[j]!.name);
        if (list) list.push(j);
        else at.set(kids[j]!.name, [j]);
      }
      let best: [number, number] | undefined;
      for (const list of at.values()) {
        const k = list.findIndex((i) => !kids[i]!.deleted);
        if (k >= 0 && k + 1 < list.length && (!best || list[k]! < best[0])) best = [list[k]!, list[k + 1]!];
      }
      if (best) this.fail(kids[best[1]]!, undefined, 'DUPLICATE', 'duplicate node name');
      return;
    }
    for (let i = 0; i < kids.length; i++) {
      if (kids[i]!.deleted) continue;
      // dtc compares against every later sibling, deleted ones included.
      for (let j = i + 1; j < kids.length; j++)
        if (kids[j]!.name === kids[i]!.name)
          this.fail(kids[j]!, undefined, 'DUPLICATE', 'duplicate node name');
    }
  }

  duplicatePropertyNames(node: LiveNode): void {
    const props = node.props;
    for (let i = 0; i < props.length; i++) {
      if (props[i]!.deleted) continue;
      for (let j = i + 1; j < props.length; j++)
        if (!props[j]!.deleted && props[j]!.name === props[i]!.name)
          this.fail(node, props[i], 'DUPLICATE', 'duplicate property name');
    }
  }

  nodeNameChars(node: LiveNode): void {
    const bad = verdicts.nodeNameChars(node.name);
    if (bad) this.fail(node, undefined, 'NAME', bad);
  }

  nodeNameFormat(node: LiveNode): void {
    const bad = verdicts.nodeNameFormat(node.name);
    if (bad) this.fail(node, undefined, 'NAME', bad);
  }

  propertyNameChars(node: LiveNode): void {
    for (const p of node.props) {
      if (p.deleted) continue;
      const bad = verdicts.propertyNameChars(p.name);
      if (bad) this.fail(node, p, 'NAME', bad);
    }
  }

  nameIsString(node: LiveNode): void {
    const p = node.getProp('name');
    const bad = p && verdicts.nameIsString(p.value.bytes);
    if (bad) this.fail(node, p, 'VALUE', bad);
  }

  /** A "name" property equal to the node's base name is redundant and dropped; any other is an error. */
  nameProperties(node: LiveNode): void {
    // dtc looks at the first "name" in the list, deleted or not.
    const i = node.props.findIndex((p) => p.name === 'name');
    if (i < 0) return;
    const bad = verdicts.nameProperty(node.basename, node.props[i]!.value.bytes);
    if (bad) this.fail(node, undefined, 'VALUE', bad);
    node.props.splice(i, 1);
  }

  duplicateLabels(): void {
    // Where dtc's lookups find each label first: a node label anywhere wins over a property
    // label, which wins over a label inside a value.
    type Owner = { node: LiveNode; prop?: LiveProp; mark?: Marker };
    const nodes = new Map<string, Owner>();
    const props = new Map<string, Owner>();
    const marks = new Map<string, Owner>();
    for (const n of this.root.walk()) {
      for (const l of n.labels) if (!l.deleted && !nodes.has(l.name)) nodes.set(l.name, { node: n });
      for (const p of n.props) {
        if (p.deleted) continue;
        for (const l of p.labels)
          if (!l.deleted && !props.has(l.name)) props.set(l.name, { node: n, prop: p });
        for (const m of p.value.markers)
          if (m.kind === 'label' && !marks.has(m.ref)) marks.set(m.ref, { node: n, prop: p, mark: m });
      }
    }
    const check = (label: string, node: LiveNode, prop?: LiveProp, mark?: Marker) => {
      const o = nodes.get(label) ?? props.get(label) ?? marks.get(label);
      if (o && (o.node !== node || o.prop !== prop || o.mark !== mark))
        this.fail(node, undefined, 'DUPLICATE', `duplicate label '${label}'`);
    };
    for (const n of this.root.walk()) {
      for (const l of n.labels) if (!l.deleted) check(l.name, n);
      for (const p of n.props) {
        if (p.deleted) continue;
        for (const l of p.labels) if (!l.deleted) check(l.name, n, p);
        for (const m of p.value.markers) if (m.kind === 'label') check(m.ref, n, p, m);
      }
    }
  }

  private phandleProp(node: LiveNode, name: string): number {
    const p = node.getProp(name);
    if (!p) return 0;
    const badLength = verdicts.phandleLength(name, p.value.bytes);
    if (badLength) this.fail(node, p, 'PHANDLE', badLength);
    const ref = p.value.markers.find((m) => m.kind === 'phandle');
    if (ref) {
      // `phandle = <&self>` asks for a phandle to be allocated; anything else is nonsense.
      if (this.byRef(ref.ref) !== node)
        this.fail(node, undefined, 'PHANDLE', `${name} is a reference to another node`);
      return 0;
    }
    const v = verdicts.phandleValue(name, p.value.bytes);
    if (typeof v === 'string') this.fail(node, p, 'PHANDLE', v);
    return v;
  }

  explicitPhandles(node: LiveNode): void {
    let ph = this.phandleProp(node, 'phandle');
    const linux = this.phandleProp(node, 'linux,phandle');
    if (!ph && !linux) return;
    if (linux && ph && ph !== linux) this.fail(node, undefined, 'PHANDLE', verdicts.phandleMismatch);
    if (linux && !ph) ph = linux;
    // Only nodes before this one in document order have phandles yet.
    const other = this.explicit.get(ph);
    if (other && other !== node) this.fail(node, undefined, 'PHANDLE', verdicts.phandleDuplicated(ph));
    node.phandle = ph;
    if (!this.explicit.has(ph)) this.explicit.set(ph, node);
  }

  /** The node's phandle, allocating dtc's next free number (and a "phandle" property) if it has none. */
  private phandleOf(node: LiveNode): number {
    if (node.phandle !== 0 && node.phandle !== 0xffffffff) return node.phandle;
    if (!this.used) this.used = new Set(this.root.walk().map((n) => n.phandle));
    while (this.used.has(this.nextPhandle)) this.nextPhandle++;
    node.phandle = this.nextPhandle;
    this.used.add(node.phandle);
    if (!node.getProp('phandle'))
      node.props.push({
        name: 'phandle',
        value: { bytes: cell(node.phandle), markers: [], pieces: [32] },
        labels: [],
        deleted: false,
      });
    return node.phandle;
  }

  phandleReferences(node: LiveNode): void {
    for (const p of node.props) {
      if (p.deleted || p.value.markers.length === 0) continue;
      for (const m of p.value.markers) {
        if (m.kind !== 'phandle') continue;
        const target = this.byRef(m.ref);
        if (!target) {
          if (!this.opts.plugin)
            this.fail(node, undefined, 'REF', `reference to non-existent node or label "${m.ref}"`);
          setCell(p.value.bytes, m.offset, 0xffffffff);
          continue;
        }
        setCell(p.value.bytes, m.offset, this.phandleOf(target));
        target.referenced = true;
      }
    }
  }

  pathReferences(node: LiveNode): void {
    for (const p of node.props) {
      if (p.deleted || p.value.markers.length === 0) continue;
      const marks = p.value.markers;
      for (let i = 0; i < marks.length; i++) {
        const m = marks[i]!;
        if (m.kind !== 'path') continue;
        const target = this.byRef(m.ref);
        if (!target) this.fail(node, undefined, 'REF', `reference to non-existent node or label "${m.ref}"`);
        const path = bytesOf(`${target.fullpath}\0`);
        const old = p.value.bytes;
        const grown = new Uint8Array(old.length + path.length);
        grown.set(old.subarray(0, m.offset));
        grown.set(path, m.offset);
        grown.set(old.subarray(m.offset), m.offset + path.length);
        p.value.bytes = grown;
        for (let j = i + 1; j < marks.length; j++) marks[j]!.offset += path.length;
        target.referenced = true;
      }
    }
  }

  omitUnusedNodes(node: LiveNode): void {
    if (this.opts.symbols && node.labels.length > 0) return;
    if (node.omitIfUnused && !node.referenced) {
      deleteNode(node);
      this.forgetIndexes();
    }
  }

  /** `-@`: /__symbols__ maps every label to its node's path, and labelled nodes get phandles. */
  generateSymbols(): void {
    if (!this.root.walk().some((n) => n.labels.length > 0)) return;
    const symbols = this.rootChild('__symbols__');
    const have = new Set(symbols.liveProps().map((p) => p.name));
    for (const n of this.root.walk()) {
      if (n.labels.length === 0) continue;
      for (const l of n.labels) {
        if (l.deleted || have.has(l.name)) continue;
        have.add(l.name);
        symbols.props.push(stringProp(l.name, n.fullpath));
      }
      this.phandleOf(n);
    }
  }

  /** Overlays: every unresolved reference, as "path:property:offset" under the label's name. */
  generateFixups(): void {
    const refs = this.refs((target) => !target);
    if (refs.length === 0) return;
    const fixups = this.rootChild('__fixups__');
    const append = new Appender();
    for (const { node, prop, mark } of refs) {
      if (node.fullpath.includes(':') || prop.name.includes(':'))
        this.fail(node, prop, 'REF', 'arguments should not contain ":"');
      append.to(fixups, mark.ref, bytesOf(`${node.fullpath}:${prop.name}:${mark.offset}\0`), 'string');
    }
    append.finish();
  }

  /** Overlays: where the overlay refers to its own nodes, mirrored under __local_fixups__. */
  generateLocalFixups(): void {
    const refs = this.refs((target) => !!target);
    if (refs.length === 0) return;
    const local = this.rootChild('__local_fixups__');
    const append = new Appender();
    for (const { node, prop, mark } of refs) {
      const names: string[] = [];
      for (let n: LiveNode | undefined = node; n?.parent; n = n.parent) names.unshift(n.name);
      let at = local;
      for (const name of names) {
        let next = at.getChild(name);
        if (!next) {
          next = new LiveNode(name);
          at.addChild(next);
        }
        at = next;
      }
      append.to(at, prop.name, cell(mark.offset), 32);
    }
    append.finish();
  }

  private refs(keep: (target: LiveNode | undefined) => boolean) {
    const out: { node: LiveNode; prop: LiveProp; mark: Marker }[] = [];
    for (const node of this.root.walk())
      for (const prop of node.liveProps())
        for (const mark of prop.value.markers)
          if (mark.kind === 'phandle' && keep(this.byRef(mark.ref))) out.push({ node, prop, mark });
    return out;
  }

  private rootChild(name: string): LiveNode {
    let n = this.root.getChild(name);
    if (!n) {
      n = new LiveNode(name);
      this.root.addChild(n);
    }
    return n;
  }
}

/**
 * Appends to properties that many references extend (one __fixups__ entry per reference to a
 * label): the parts are gathered and each value is joined once, so the work stays linear.
 */
class Appender {
  private readonly parts = new Map<LiveProp, Uint8Array[]>();

  to(node: LiveNode, name: string, bytes: Uint8Array, piece: 'string' | 32): void {
    let p = node.getProp(name);
    if (!p) {
      p = { name, value: { bytes: new Uint8Array(0), markers: [], pieces: [] }, labels: [], deleted: false };
      node.props.push(p);
    }
    let list = this.parts.get(p);
    if (!list) {
      list = [p.value.bytes];
      this.parts.set(p, list);
    }
    list.push(bytes);
    p.value.pieces.push(piece);
  }

  finish(): void {
    for (const [p, list] of this.parts) {
      const out = new Uint8Array(list.reduce((n, b) => n + b.length, 0));
      let o = 0;
      for (const b of list) {
        out.set(b, o);
        o += b.length;
      }
      p.value.bytes = out;
    }
    this.parts.clear();
  }
}

function stringProp(name: string, s: string): LiveProp {
  return {
    name,
    value: { bytes: bytesOf(`${s}\0`), markers: [], pieces: ['string'] },
    labels: [],
    deleted: false,
  };
}

/** One byte per char: paths and names here are byte strings already. */
function bytesOf(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function cell(v: number): Uint8Array {
  const out = new Uint8Array(4);
  setCell(out, 0, v);
  return out;
}

function setCell(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function isOneString(b: Uint8Array): boolean {
  if (b.length === 0 || b[b.length - 1] !== 0) return false;
  for (let i = 0; i < b.length - 1; i++) if (b[i] === 0) return false;
  return true;
}
