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
    const visit = (n: LiveNode) => {
      check.call(this, n);
      for (const c of n.children) if (!c.deleted) visit(c);
    };
    visit(this.root);
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
    if (!NODE_CHARS.test(node.name)) this.fail(node, undefined, 'NAME', 'bad character in node name');
  }

  nodeNameFormat(node: LiveNode): void {
    const at = node.name.indexOf('@');
    if (at >= 0 && node.name.indexOf('@', at + 1) >= 0)
      this.fail(node, undefined, 'NAME', "multiple '@' characters in node name");
  }

  propertyNameChars(node: LiveNode): void {
    for (const p of node.liveProps())
      if (!PROP_CHARS.test(p.name)) this.fail(node, p, 'NAME', 'bad character in property name');
  }

  nameIsString(node: LiveNode): void {
    const p = node.getProp('name');
    if (p && !isOneString(p.value.bytes)) this.fail(node, p, 'VALUE', 'property is not a string');
  }

  /** A "name" property equal to the node's base name is redundant and dropped; any other is an error. */
  nameProperties(node: LiveNode): void {
    // dtc looks at the first "name" in the list, deleted or not.
    const i = node.props.findIndex((p) => p.name === 'name');
    if (i < 0) return;
    const p = node.props[i]!;
    const base = node.basename;
    const v = p.value.bytes;
    const same =
      v.length === base.length + 1 && [...base].every((ch, k) => v[k] === (ch.charCodeAt(0) & 0xff));
    if (!same) this.fail(node, undefined, 'VALUE', '"name" property is incorrect');
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
      for (const p of n.liveProps()) {
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
      for (const p of n.liveProps()) {
        for (const l of p.labels) if (!l.deleted) check(l.name, n, p);
        for (const m of p.value.markers) if (m.kind === 'label') check(m.ref, n, p, m);
      }
    }
  }

  private phandleProp(node: LiveNode, name: string): number {
    const p = node.getProp(name);
    if (!p) return 0;
    if (p.value.bytes.length !== 4)
      this.fail(node, p, 'PHANDLE', `bad length (${p.value.bytes.length}) ${name} property`);
    const ref = p.value.markers.find((m) => m.kind === 'phandle');
    if (ref) {
      // `phandle = <&self>` asks for a phandle to be allocated; anything else is nonsense.
      if (this.byRef(ref.ref) !== node)
        this.fail(node, undefined, 'PHANDLE', `${name} is a reference to another node`);
      return 0;
    }
    const v = u32(p.value.bytes, 0);
    if (v === 0 || v === 0xffffffff)
      this.fail(node, p, 'PHANDLE', `bad value (0x${v.toString(16)}) in ${name} property`);
    return v;
  }

  explicitPhandles(node: LiveNode): void {
    let ph = this.phandleProp(node, 'phandle');
    const linux = this.phandleProp(node, 'linux,phandle');
    if (!ph && !linux) return;
    if (linux && ph && ph !== linux)
      this.fail(node, undefined, 'PHANDLE', "mismatching 'phandle' and 'linux,phandle' properties");
    if (linux && !ph) ph = linux;
    // Only nodes before this one in document order have phandles yet.
    const other = this.explicit.get(ph);
    if (other && other !== node)
      this.fail(node, undefined, 'PHANDLE', `duplicated phandle 0x${ph.toString(16)}`);
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
    for (const p of node.liveProps()) {
      for (const m of p.value.markers) {
        if (m.kind !== 'phandle') continue;
        const target = this.byRef(m.ref);
        if (!target) {
          if (!this.opts.plugin)
            this.fail(node, undefined, 'REF', `reference to non-existent node or label "${m.ref}"`);
          p.value.bytes.splice(m.offset, 4, 0xff, 0xff, 0xff, 0xff);
          continue;
        }
        p.value.bytes.splice(m.offset, 4, ...cell(this.phandleOf(target)));
        target.referenced = true;
      }
    }
  }

  pathReferences(node: LiveNode): void {
    for (const p of node.liveProps()) {
      const marks = p.value.markers;
      for (let i = 0; i < marks.length; i++) {
        const m = marks[i]!;
        if (m.kind !== 'path') continue;
        const target = this.byRef(m.ref);
        if (!target) this.fail(node, undefined, 'REF', `reference to non-existent node or label "${m.ref}"`);
        const path = [...bytesOf(target.fullpath), 0];
        p.value.bytes.splice(m.offset, 0, ...path);
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
    for (const { node, prop, mark } of refs) {
      if (node.fullpath.includes(':') || prop.name.includes(':'))
        this.fail(node, prop, 'REF', 'arguments should not contain ":"');
      appendTo(fixups, mark.ref, [...bytesOf(`${node.fullpath}:${prop.name}:${mark.offset}`), 0], 'string');
    }
  }

  /** Overlays: where the overlay refers to its own nodes, mirrored under __local_fixups__. */
  generateLocalFixups(): void {
    const refs = this.refs((target) => !!target);
    if (refs.length === 0) return;
    const local = this.rootChild('__local_fixups__');
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
      appendTo(at, prop.name, cell(mark.offset), 32);
    }
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

function appendTo(node: LiveNode, name: string, bytes: number[], piece: 'string' | 32): void {
  const p = node.getProp(name);
  if (p) {
    p.value.bytes.push(...bytes);
    p.value.pieces.push(piece);
  } else {
    node.props.push({ name, value: { bytes, markers: [], pieces: [piece] }, labels: [], deleted: false });
  }
}

function stringProp(name: string, s: string): LiveProp {
  return {
    name,
    value: { bytes: [...bytesOf(s), 0], markers: [], pieces: ['string'] },
    labels: [],
    deleted: false,
  };
}

function bytesOf(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
  return out;
}

function cell(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

function u32(b: number[], o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function isOneString(b: number[]): boolean {
  if (b.length === 0 || b[b.length - 1] !== 0) return false;
  for (let i = 0; i < b.length - 1; i++) if (b[i] === 0) return false;
  return true;
}
