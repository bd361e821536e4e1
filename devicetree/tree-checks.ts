// dtc's checks on a tree that has no labels, which is every tree read from a DTB. Without labels
// there is nothing to reference, so of dtc's table only the name, "name"-property and explicit
// phandle checks can fire; they are judged here on the Tree itself, in one walk that also makes
// the checked copy (sharing the input's property records). Converting a 10,000-node tree into the compiler's live tree and back cost
// more than reading and writing the blob (and most of the garbage). Trees with labels take the
// compiler's path (dts-parse.ts checkTree), which knows references and __symbols__.
import { verdicts } from './dts-checks.js';
import { DtsError, type DtsErrorCode, type SourcePos } from './errors.js';
import { Node, type Property, Tree } from './tree.js';

/** True when no node or property carries a label. */
export function hasNoLabels(tree: Tree): boolean {
  for (const n of tree.root.walk()) {
    if (n.labels.length > 0) return false;
    for (const p of n.props) if (p.labels.length > 0) return false;
  }
  return true;
}

/** dtc's checks, in the order of its table; the index decides which failure is reported. */
enum Check {
  DuplicateNodeNames,
  DuplicatePropertyNames,
  NodeNameChars,
  NodeNameFormat,
  PropertyNameChars,
  NameIsString,
  NameProperties,
  ExplicitPhandles,
}

interface Failure {
  node: Node;
  prop: Property | undefined;
  code: DtsErrorCode;
  detail: string;
}

/**
 * The checked copy of a label-free tree, or a DtsError as dtc reports it. The copy has its own
 * nodes but shares the property records (and their bytes) it keeps, which are what a large tree
 * is made of: the input is left as it was, and should not be edited while the copy is in use.
 * dtc runs each check
 * over the whole tree before the next, so the failure reported is the first one (in document
 * order) of the earliest check that fails; one walk keeps the first failure of each check.
 */
export function checkLabelFreeTree(tree: Tree, file: string): Tree {
  const failures: (Failure | undefined)[] = [];
  const fail = (check: Check, node: Node, prop: Property | undefined, code: DtsErrorCode, detail: string) => {
    failures[check] ??= { node, prop, code, detail };
  };
  const explicit = new Map<number, Node>();
  const out = new Tree();
  out.memreserves = tree.memreserves.map((m) => ({ ...m, labels: [...m.labels] }));
  out.bootCpuid = tree.bootCpuid;

  const stack: { from: Node; to: Node }[] = [{ from: tree.root, to: out.root }];
  while (stack.length > 0) {
    const { from, to } = stack.pop()!;
    if (from.pos) to.pos = from.pos;
    duplicateChildren(from, fail);
    const props = from.props;
    duplicateProps(from, fail);
    let bad = verdicts.nodeNameChars(from.name);
    if (bad) fail(Check.NodeNameChars, from, undefined, 'NAME', bad);
    bad = verdicts.nodeNameFormat(from.name);
    if (bad) fail(Check.NodeNameFormat, from, undefined, 'NAME', bad);
    let nameAt = -1;
    let phandle: Property | undefined;
    let linux: Property | undefined;
    for (let i = 0; i < props.length; i++) {
      const p = props[i]!;
      bad = verdicts.propertyNameChars(p.name);
      if (bad) fail(Check.PropertyNameChars, from, p, 'NAME', bad);
      if (p.name === 'name' && nameAt < 0) nameAt = i;
      else if (p.name === 'phandle') phandle ??= p;
      else if (p.name === 'linux,phandle') linux ??= p;
    }
    if (nameAt >= 0) {
      const p = props[nameAt]!;
      bad = verdicts.nameIsString(p.value);
      if (bad) fail(Check.NameIsString, from, p, 'VALUE', bad);
      bad = verdicts.nameProperty(from.baseName, p.value);
      if (bad) fail(Check.NameProperties, from, undefined, 'VALUE', bad);
    }
    if (phandle || linux) explicitPhandle(from, phandle, linux, explicit, fail);

    for (let i = 0; i < props.length; i++) {
      if (i === nameAt) continue; // redundant (or refused above)
      const p = props[i]!;
      // No hint, as on the compiler's path: the printer guesses the form, as dtc does for a blob.
      to.props.push(
        p.hint ? { name: p.name, value: p.value, labels: [], ...(p.pos ? { pos: p.pos } : {}) } : p,
      );
    }
    const kids = from.children;
    for (let i = 0; i < kids.length; i++) {
      const child = new Node(kids[i]!.name);
      child.parent = to;
      to.children.push(child);
    }
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ from: kids[i]!, to: to.children[i]! });
  }

  const first = failures.find((f) => f !== undefined);
  if (first) {
    // Positions: the property's when it has one; a node from a blob has none (line 0, column 0).
    const pos: SourcePos = first.prop?.pos ?? { file, line: 0, col: 0 };
    const where = first.prop ? `${first.node.path}:${first.prop.name}` : first.node.path;
    throw new DtsError(pos, `${where}: ${first.detail}`, first.code);
  }
  return out;
}

type Fail = (
  check: Check,
  node: Node,
  prop: Property | undefined,
  code: DtsErrorCode,
  detail: string,
) => void;

const SCAN_LIMIT = 16;

/** dtc compares each child with every later one; the first pair it meets names the later child. */
function duplicateChildren(node: Node, fail: Fail): void {
  const kids = node.children;
  if (kids.length < 2) return;
  if (kids.length <= SCAN_LIMIT) {
    for (let i = 0; i < kids.length - 1; i++) {
      const name = kids[i]!.name;
      for (let j = i + 1; j < kids.length; j++) {
        if (kids[j]!.name === name) {
          fail(Check.DuplicateNodeNames, kids[j]!, undefined, 'DUPLICATE', 'duplicate node name');
          return;
        }
      }
    }
    return;
  }
  const first = new Map<string, number>();
  let best: [number, number] | undefined;
  for (let j = 0; j < kids.length; j++) {
    const i = first.get(kids[j]!.name);
    if (i === undefined) first.set(kids[j]!.name, j);
    else if (!best || i < best[0]) best = [i, j];
  }
  if (best) fail(Check.DuplicateNodeNames, kids[best[1]]!, undefined, 'DUPLICATE', 'duplicate node name');
}

/** As for children, but dtc names the earlier property of the first pair. */
function duplicateProps(node: Node, fail: Fail): void {
  const props = node.props;
  if (props.length < 2) return;
  if (props.length <= SCAN_LIMIT) {
    // Few properties (the usual case): comparing pairs beats building a map.
    for (let i = 0; i < props.length - 1; i++) {
      const name = props[i]!.name;
      for (let j = i + 1; j < props.length; j++) {
        if (props[j]!.name === name) {
          fail(Check.DuplicatePropertyNames, node, props[i], 'DUPLICATE', 'duplicate property name');
          return;
        }
      }
    }
    return;
  }
  const first = new Map<string, number>();
  let best: number | undefined;
  for (let j = 0; j < props.length; j++) {
    const i = first.get(props[j]!.name);
    if (i === undefined) first.set(props[j]!.name, j);
    else if (best === undefined || i < best) best = i;
  }
  if (best !== undefined)
    fail(Check.DuplicatePropertyNames, node, props[best], 'DUPLICATE', 'duplicate property name');
}

function explicitPhandle(
  node: Node,
  phandle: Property | undefined,
  linux: Property | undefined,
  explicit: Map<number, Node>,
  fail: Fail,
): void {
  const read = (p: Property | undefined): number | undefined => {
    if (!p) return 0;
    const bad = verdicts.phandleLength(p.name, p.value);
    if (bad) {
      fail(Check.ExplicitPhandles, node, p, 'PHANDLE', bad);
      return undefined;
    }
    const v = verdicts.phandleValue(p.name, p.value);
    if (typeof v === 'string') {
      fail(Check.ExplicitPhandles, node, p, 'PHANDLE', v);
      return undefined;
    }
    return v;
  };
  let ph = read(phandle);
  if (ph === undefined) return;
  const lph = read(linux);
  if (lph === undefined) return;
  if (!ph && !lph) return;
  if (lph && ph && ph !== lph) {
    fail(Check.ExplicitPhandles, node, undefined, 'PHANDLE', verdicts.phandleMismatch);
    return;
  }
  if (lph && !ph) ph = lph;
  const other = explicit.get(ph);
  if (other && other !== node)
    fail(Check.ExplicitPhandles, node, undefined, 'PHANDLE', verdicts.phandleDuplicated(ph));
  if (!explicit.has(ph)) explicit.set(ph, node);
}
