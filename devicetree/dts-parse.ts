// DTS source → Tree, compiled the way dtc 1.6.1 compiles it: the same grammar, the same tree
// operations while parsing (merges, deletions, overlay fragments), then the same error checks and
// reference fixups (dts-checks.ts), so the tree written as a DTB is byte-identical to dtc's.
import { runChecks } from './dts-checks.js';
import { Lexer, latin1, type ReadSource, resolveInclude, type Token } from './dts-lexer.js';
import {
  addLabel,
  deleteNode,
  emptyValue,
  hintOf,
  LiveNode,
  type LiveProp,
  type LiveValue,
  liveLabels,
  mergeNodes,
  nodeByPath,
  nodeByRef,
} from './dts-live.js';
import { DtsError, type DtsErrorCode, type SourcePos } from './errors.js';
import { type MemReserve, Node, type Property, Tree } from './tree.js';
import { checkLabelFreeTree, hasNoLabels } from './tree-checks.js';

export interface ParseDtsOptions {
  /** Name used in positions and as the base for relative /include/ and /incbin/ paths. */
  file: string;
  /** Reads an /include/d source; the path is already resolved against the including file. */
  readFile?: ReadSource;
  /** Reads an /incbin/ file as bytes; the path is resolved like readFile's. */
  readBinary?: (path: string, fromFile: string) => Uint8Array | undefined;
  /** 'symbols' does what `dtc -@` does: a __symbols__ node, and a phandle for every labelled node. */
  plugin?: 'symbols';
}

export interface CompiledDts {
  tree: Tree;
  /** The source said /plugin/ (so the tree is an overlay with fragments and fixups). */
  plugin: boolean;
}

/** Parses and compiles DTS source; throws DtsError (file:line:col and a code) on anything dtc rejects. */
export function parseDts(text: string, opts: ParseDtsOptions): Tree {
  return compileDts(text, opts).tree;
}

export function compileDts(text: string, opts: ParseDtsOptions): CompiledDts {
  if (text.length > MAX_SOURCE_CHARS)
    throw new DtsError({ file: opts.file, line: 1, col: 1 }, 'source too large', 'LIMIT');
  const parser = new Parser(new Lexer(text, opts.file, opts.readFile), opts);
  const { root, memreserves, plugin } = parser.sourceFile();
  const bootCpuid = guessBootCpuid(root);
  runChecks(root, { plugin, symbols: opts.plugin === 'symbols', file: opts.file });
  const tree = new Tree();
  tree.root = toNode(root);
  tree.memreserves = memreserves;
  tree.bootCpuid = bootCpuid;
  return { tree, plugin };
}

/**
 * Runs dtc's checks and fixups on a tree that did not come from source (dtc does this for
 * `-I dtb` too): the same errors, a "name" property equal to the node's name dropped, and with
 * `symbols` a __symbols__ node (empty of labels unless the tree has some). Positions missing
 * from the tree are reported as line 0, column 0 of `file`. The input is not changed; the
 * result may share property records and values with it, so edit one or the other.
 */
export function checkTree(tree: Tree, opts: { file: string; symbols?: boolean }): Tree {
  if (hasNoLabels(tree)) return checkLabelFreeTree(tree, opts.file);
  const root = fromNode(tree.root);
  runChecks(root, { plugin: false, symbols: opts.symbols === true, file: opts.file });
  const out = new Tree();
  out.root = toNode(root);
  out.memreserves = tree.memreserves.map((m) => ({ ...m, labels: [...m.labels] }));
  out.bootCpuid = tree.bootCpuid;
  return out;
}

function fromNode(node: Node): LiveNode {
  const live = new LiveNode(node.name);
  for (let i = node.labels.length - 1; i >= 0; i--) addLabel(live.labels, node.labels[i]!);
  if (node.pos) live.namePos = node.pos;
  for (const p of node.props) {
    // Shared, not copied: the checks write into a value only where it has reference markers,
    // and a tree that did not come from source has none.
    const value: LiveValue = { bytes: p.value, markers: [], pieces: [] };
    const prop: LiveProp = { name: p.name, value, labels: [], deleted: false };
    for (let i = p.labels.length - 1; i >= 0; i--) addLabel(prop.labels, p.labels[i]!);
    if (p.pos) prop.pos = p.pos;
    live.props.push(prop);
  }
  for (const c of node.children) live.addChild(fromNode(c));
  return live;
}

const MAX_SOURCE_CHARS = 64 * 1024 * 1024;
const MAX_NESTING = 256;
const U64 = (1n << 64n) - 1n;

/**
 * The bytes of the value being parsed. One buffer serves every value in turn (values do not
 * nest), and each finished value is copied out at its exact size.
 */
class ValueBytes {
  private buf = new Uint8Array(256);
  length = 0;

  private room(k: number): void {
    if (this.length + k <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + k));
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
  }

  push(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }

  append(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** `v` big-endian in `bits` bits (already masked to fit). */
  int(v: bigint, bits: number): void {
    this.room(bits >> 3);
    if (bits <= 32) {
      const n = Number(v);
      for (let shift = bits - 8; shift >= 0; shift -= 8) this.buf[this.length++] = (n >>> shift) & 0xff;
      return;
    }
    for (let shift = bits - 8; shift >= 0; shift -= 8)
      this.buf[this.length++] = Number((v >> BigInt(shift)) & 0xffn);
  }

  take(): Uint8Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/** A value while it is parsed: its bytes so far, then markers and pieces at offsets into them. */
interface Draft {
  bytes: ValueBytes;
  markers: LiveValue['markers'];
  pieces: LiveValue['pieces'];
}

class Parser {
  private tok: Token;
  private plugin = false;
  private fragments = 0;
  private depth = 0;
  private readonly scratch = new ValueBytes();

  constructor(
    private readonly lexer: Lexer,
    private readonly opts: ParseDtsOptions,
  ) {
    this.tok = lexer.next();
  }

  // ---- token helpers

  private advance(): Token {
    const t = this.tok;
    this.tok = this.lexer.next();
    return t;
  }

  private isOp(text: string): boolean {
    return this.tok.kind === 'OP' && this.tok.text === text;
  }

  private expectOp(text: string): Token {
    if (!this.isOp(text)) this.unexpected();
    return this.advance();
  }

  private expect(kind: Token['kind']): Token {
    if (this.tok.kind !== kind) this.unexpected();
    return this.advance();
  }

  private unexpected(): never {
    const t = this.tok;
    const what = t.kind === 'EOF' ? 'end of input' : t.kind === 'OP' ? `'${t.text}'` : t.kind;
    throw new DtsError(t.pos, `syntax error: unexpected ${what}`, 'SYNTAX');
  }

  private fail(pos: SourcePos, detail: string, code: DtsErrorCode): never {
    throw new DtsError(pos, detail, code);
  }

  private nest<T>(pos: SourcePos, f: () => T): T {
    if (++this.depth > MAX_NESTING) this.fail(pos, `nesting deeper than ${MAX_NESTING}`, 'LIMIT');
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  // ---- sourcefile: headers memreserves devicetree

  sourceFile(): { root: LiveNode; memreserves: MemReserve[]; plugin: boolean } {
    const flags = this.header();
    while (this.tok.kind === 'V1') {
      const pos = this.tok.pos;
      if (this.header() !== flags) this.fail(pos, "header flags don't match earlier ones", 'SYNTAX');
    }
    this.plugin = flags === 'plugin';
    const memreserves: MemReserve[] = [];
    while (this.tok.kind === 'LABEL' || this.tok.kind === 'MEMRESERVE') {
      const labels: string[] = [];
      while (this.tok.kind === 'LABEL') labels.push(this.advance().text);
      this.expect('MEMRESERVE');
      const address = this.integerPrim().value;
      const size = this.integerPrim().value;
      this.expectOp(';');
      memreserves.push({ address, size, labels });
    }
    const root = this.deviceTree();
    if (this.tok.kind !== 'EOF') this.unexpected();
    return { root, memreserves, plugin: this.plugin };
  }

  private header(): 'v1' | 'plugin' {
    this.expect('V1');
    this.expectOp(';');
    if (this.tok.kind === 'PLUGIN') {
      this.advance();
      this.expectOp(';');
      return 'plugin';
    }
    return 'v1';
  }

  private deviceTree(): LiveNode {
    let root: LiveNode;
    if (this.isOp('/')) {
      this.advance();
      root = this.nodeDef('');
    } else if (this.tok.kind === 'LABEL_REF' || this.tok.kind === 'PATH_REF') {
      const ref = this.advance().text;
      const bodyPos = this.tok.pos;
      const body = this.nodeDef('__overlay__');
      if (!this.plugin) this.fail(bodyPos, `label or path ${ref} not found`, 'REF');
      root = new LiveNode('');
      this.addOrphan(root, body, ref);
    } else {
      this.unexpected();
    }
    for (;;) {
      const t = this.tok;
      if (this.isOp('/')) {
        this.advance();
        mergeNodes(root, this.nodeDef(''));
      } else if (t.kind === 'LABEL') {
        const label = this.advance().text;
        const refTok = this.tok;
        if (refTok.kind !== 'LABEL_REF' && refTok.kind !== 'PATH_REF') this.unexpected();
        this.advance();
        const body = this.nodeDef('');
        const target = nodeByRef(root, refTok.text);
        if (!target) this.fail(refTok.pos, `label or path ${refTok.text} not found`, 'REF');
        addLabel(target.labels, label);
        mergeNodes(target, body);
      } else if (t.kind === 'PATH_REF' || t.kind === 'LABEL_REF') {
        this.advance();
        const body = this.nodeDef('');
        const target = t.kind === 'PATH_REF' && this.plugin ? undefined : nodeByRef(root, t.text);
        if (target) mergeNodes(target, body);
        else if (this.plugin) this.addOrphan(root, body, t.text);
        else this.fail(t.pos, `label or path ${t.text} not found`, 'REF');
      } else if (t.kind === 'DEL_NODE' || t.kind === 'OMIT') {
        this.advance();
        const refTok = this.tok;
        if (refTok.kind !== 'LABEL_REF' && refTok.kind !== 'PATH_REF') this.unexpected();
        this.advance();
        this.expectOp(';');
        const target = nodeByRef(root, refTok.text);
        if (!target) this.fail(refTok.pos, `label or path ${refTok.text} not found`, 'REF');
        // dtc then writes a blob with no root node at all, which no Tree (or reader) can hold.
        if (t.kind === 'DEL_NODE' && target === root)
          this.fail(refTok.pos, 'cannot delete the root node', 'REF');
        if (t.kind === 'DEL_NODE') deleteNode(target);
        else target.omitIfUnused = true;
      } else {
        return root;
      }
    }
  }

  /** `&ref { ... }` in an overlay: a new fragment@N whose __overlay__ is the body. */
  private addOrphan(root: LiveNode, body: LiveNode, ref: string): void {
    body.name = '__overlay__';
    const fragment = new LiveNode(`fragment@${this.fragments++}`);
    const value = emptyValue();
    if (ref.startsWith('/')) {
      value.bytes = latin1Bytes(`${ref}\0`);
      value.pieces.push('string');
      fragment.props.push({ name: 'target-path', value, labels: [], deleted: false });
    } else {
      value.markers.push({ kind: 'phandle', offset: 0, ref });
      value.bytes = Uint8Array.of(0xff, 0xff, 0xff, 0xff);
      value.pieces.push(32);
      fragment.props.push({ name: 'target', value, labels: [], deleted: false });
    }
    fragment.addChild(body);
    root.addChild(fragment);
  }

  // ---- nodedef: '{' proplist subnodes '}' ';'

  private nodeDef(name: string, namePos?: SourcePos): LiveNode {
    const open = this.expectOp('{');
    return this.nest(open.pos, () => {
      const node = new LiveNode(name);
      node.pos = open.pos;
      if (namePos) node.namePos = namePos;
      let inSubnodes = false;
      while (!this.isOp('}')) {
        const start = this.tok.pos;
        const labels: string[] = [];
        let omit = false;
        while (this.tok.kind === 'LABEL' || this.tok.kind === 'OMIT') {
          const t = this.advance();
          if (t.kind === 'LABEL') labels.push(t.text);
          else omit = true;
        }
        let prop: LiveProp | undefined;
        if (this.tok.kind === 'DEL_PROP' && !omit) {
          this.advance();
          const n = this.expect('NAME');
          this.expectOp(';');
          prop = { name: n.text, value: emptyValue(), labels: [], deleted: true };
        } else if (this.tok.kind === 'DEL_NODE') {
          const del = this.advance();
          const n = this.expect('NAME');
          this.expectOp(';');
          const child = new LiveNode(n.text);
          child.deleted = true;
          child.pos = del.pos;
          for (let k = labels.length - 1; k >= 0; k--) addLabel(child.labels, labels[k]!);
          node.addChild(child);
          inSubnodes = true;
          continue;
        } else if (this.tok.kind === 'NAME') {
          const n = this.advance();
          if (this.isOp('{')) {
            const child = this.nodeDef(n.text, n.pos);
            for (let k = labels.length - 1; k >= 0; k--) addLabel(child.labels, labels[k]!);
            if (omit) child.omitIfUnused = true;
            node.addChild(child);
            inSubnodes = true;
            continue;
          }
          if (omit) this.unexpected();
          prop = { name: n.text, value: emptyValue(), labels: [], deleted: false, pos: n.pos };
          if (this.isOp('=')) {
            this.advance();
            prop.value = this.propData();
          }
          this.expectOp(';');
        } else {
          this.unexpected();
        }
        for (let k = labels.length - 1; k >= 0; k--) addLabel(prop.labels, labels[k]!);
        if (inSubnodes) this.fail(start, 'properties must precede subnodes', 'SYNTAX');
        node.props.push(prop);
      }
      this.expectOp('}');
      this.expectOp(';');
      return node;
    });
  }

  // ---- propdata: comma-separated strings, <cells>, [bytes], &refs and /incbin/, labels between

  private propData(): LiveValue {
    const v: Draft = { bytes: this.scratch, markers: [], pieces: [] };
    v.bytes.length = 0;
    for (;;) {
      this.valueLabels(v);
      const t = this.tok;
      if (t.kind === 'STRING') {
        this.advance();
        v.bytes.append(t.bytes);
        v.bytes.push(0);
        v.pieces.push('string');
      } else if (t.kind === 'BITS' || this.isOp('<')) {
        this.cells(v);
      } else if (this.isOp('[')) {
        this.advance();
        v.pieces.push('bytes');
        for (;;) {
          if (this.tok.kind === 'BYTE') v.bytes.push(Number(this.advance().num));
          else if (this.tok.kind === 'LABEL')
            v.markers.push({ kind: 'label', offset: v.bytes.length, ref: this.advance().text });
          else break;
        }
        this.expectOp(']');
      } else if (t.kind === 'LABEL_REF' || t.kind === 'PATH_REF') {
        this.advance();
        v.pieces.push('string');
        v.markers.push({ kind: 'path', offset: v.bytes.length, ref: t.text });
      } else if (t.kind === 'INCBIN') {
        this.incbin(v);
      } else {
        this.unexpected();
      }
      this.valueLabels(v);
      if (!this.isOp(',')) return { bytes: v.bytes.take(), markers: v.markers, pieces: v.pieces };
      this.advance();
    }
  }

  private valueLabels(v: Draft): void {
    while (this.tok.kind === 'LABEL')
      v.markers.push({ kind: 'label', offset: v.bytes.length, ref: this.advance().text });
  }

  private cells(v: Draft): void {
    let bits = 32;
    if (this.tok.kind === 'BITS') {
      this.advance();
      const lit = this.expect('LITERAL');
      if (lit.num !== 8n && lit.num !== 16n && lit.num !== 32n && lit.num !== 64n)
        this.fail(lit.pos, 'array elements must be 8, 16, 32 or 64-bits', 'VALUE');
      bits = Number(lit.num);
    }
    this.expectOp('<');
    v.pieces.push(bits as 8 | 16 | 32 | 64);
    const mask = (1n << BigInt(bits)) - 1n;
    for (;;) {
      const t = this.tok;
      if (t.kind === 'LABEL') {
        this.advance();
        v.markers.push({ kind: 'label', offset: v.bytes.length, ref: t.text });
      } else if (t.kind === 'LABEL_REF' || t.kind === 'PATH_REF') {
        this.advance();
        if (bits !== 32)
          this.fail(t.pos, 'references are only allowed in arrays with 32-bit elements', 'VALUE');
        v.markers.push({ kind: 'phandle', offset: v.bytes.length, ref: t.text });
        v.bytes.int(mask, bits);
      } else if (t.kind === 'LITERAL' || t.kind === 'CHAR_LITERAL' || this.isOp('(')) {
        const { value, pos } = this.integerPrim();
        if (bits < 64 && value > mask && (value | mask) !== U64)
          this.fail(pos, `value out of range for ${bits}-bit array element`, 'VALUE');
        v.bytes.int(value & mask, bits);
      } else {
        break;
      }
    }
    this.expectOp('>');
  }

  private incbin(v: Draft): void {
    const kw = this.advance();
    this.expectOp('(');
    const nameTok = this.expect('STRING');
    let offset: bigint | undefined;
    let length: bigint | undefined;
    if (this.isOp(',')) {
      this.advance();
      offset = this.integerPrim().value;
      this.expectOp(',');
      length = this.integerPrim().value;
    }
    this.expectOp(')');
    const nul = nameTok.bytes.indexOf(0);
    const raw = latin1(nul < 0 ? nameTok.bytes : nameTok.bytes.subarray(0, nul));
    const path = resolveInclude(raw, kw.pos.file);
    const data = this.opts.readBinary?.(path, kw.pos.file);
    if (!data) this.fail(nameTok.pos, `couldn't open "${raw}"`, 'INCLUDE');
    let part = data;
    if (offset !== undefined && length !== undefined) {
      const from = offset > BigInt(data.length) ? data.length : Number(offset);
      const to = from + (length > BigInt(data.length) ? data.length : Number(length));
      part = data.subarray(from, Math.min(to, data.length));
    }
    v.bytes.append(part);
    v.pieces.push('file');
  }

  // ---- integers: literals, 'c', and ( C expressions ) on unsigned 64-bit values

  private integerPrim(): { value: bigint; pos: SourcePos } {
    const t = this.tok;
    if (t.kind === 'LITERAL' || t.kind === 'CHAR_LITERAL') {
      this.advance();
      return { value: t.num, pos: t.pos };
    }
    this.expectOp('(');
    const value = this.nest(t.pos, () => this.expr());
    this.expectOp(')');
    return { value, pos: t.pos };
  }

  private expr(): bigint {
    const c = this.binary(0);
    if (!this.isOp('?')) return c;
    this.advance();
    const a = this.expr();
    this.expectOp(':');
    const b = this.nest(this.tok.pos, () => this.expr());
    return c !== 0n ? a : b;
  }

  /** Precedence climbing over dtc's binary operator levels, all left-associative. */
  private binary(level: number): bigint {
    if (level === LEVELS.length) return this.unary();
    const start = this.tok.pos;
    let l = this.binary(level + 1);
    const ops = LEVELS[level]!;
    while (this.tok.kind === 'OP' && ops.includes(this.tok.text)) {
      const op = this.advance().text;
      const r = this.binary(level + 1);
      l = applyBinary(op, l, r, start);
    }
    return l;
  }

  private unary(): bigint {
    const t = this.tok;
    if (this.isOp('-') || this.isOp('~') || this.isOp('!')) {
      this.advance();
      const v = this.nest(t.pos, () => this.unary());
      if (t.text === '-') return -v & U64;
      if (t.text === '~') return v ^ U64;
      return v === 0n ? 1n : 0n;
    }
    return this.integerPrim().value;
  }
}

const LEVELS: string[][] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '>', '<=', '>='],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];

function applyBinary(op: string, l: bigint, r: bigint, pos: SourcePos): bigint {
  const b = (x: boolean) => (x ? 1n : 0n);
  switch (op) {
    case '||':
      return b(l !== 0n || r !== 0n);
    case '&&':
      return b(l !== 0n && r !== 0n);
    case '|':
      return l | r;
    case '^':
      return l ^ r;
    case '&':
      return l & r;
    case '==':
      return b(l === r);
    case '!=':
      return b(l !== r);
    case '<':
      return b(l < r);
    case '>':
      return b(l > r);
    case '<=':
      return b(l <= r);
    case '>=':
      return b(l >= r);
    case '<<':
      return r < 64n ? (l << r) & U64 : 0n;
    case '>>':
      return r < 64n ? l >> r : 0n;
    case '+':
      return (l + r) & U64;
    case '-':
      return (l - r) & U64;
    case '*':
      return (l * r) & U64;
    default:
      if (r === 0n) throw new DtsError(pos, 'division by zero', 'VALUE');
      return op === '/' ? l / r : l % r;
  }
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function guessBootCpuid(root: LiveNode): number {
  const cpus = nodeByPath(root, '/cpus');
  const first = cpus?.children[0];
  const reg = first?.getProp('reg');
  const b = reg?.value.bytes;
  if (b?.length !== 4) return 0;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

function toNode(live: LiveNode): Node {
  const node = new Node(live.name);
  node.labels = liveLabels(live.labels);
  const pos = live.namePos ?? live.pos;
  if (pos) node.pos = pos;
  for (const p of live.props) {
    if (p.deleted) continue;
    const prop: Property = { name: p.name, value: p.value.bytes, labels: liveLabels(p.labels) };
    const hint = hintOf(p.value.pieces);
    if (hint) prop.hint = hint;
    if (p.pos) prop.pos = p.pos;
    node.props.push(prop);
  }
  // Names are already unique (the checks saw to it), so skip addChild's per-child search.
  for (const c of live.children)
    if (!c.deleted) {
      const child = toNode(c);
      child.parent = node;
      node.children.push(child);
    }
  return node;
}
