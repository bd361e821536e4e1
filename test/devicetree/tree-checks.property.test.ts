// checkTree judges a label-free tree (every tree read from a DTB) on the Tree itself
// (devicetree/tree-checks.ts) instead of through the compiler's live tree. The two paths must
// agree: the same error (code, message, position) or the same checked tree. A label on the
// root sends a copy of the tree down the compiler's path (labels change nothing else here).
// Small alphabets make duplicates, bad names, "name" properties and bad phandles common.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTree, DtsError, Node, type Tree, Tree as TreeClass, writeDtb } from '../../devicetree/index.js';

const nodeNames = ['a', 'a@1', 'b', 'x@1@2', 'bad!', 'node@1', 'node'];
const propNames = ['name', 'phandle', 'linux,phandle', 'reg', 'status', 'bad!'];
const cell = (v: number) => Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
const ascii = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
const values = [
  new Uint8Array(0),
  cell(0),
  cell(1),
  cell(2),
  cell(0xffffffff),
  ascii('a\0'),
  ascii('node\0'),
  ascii('b\0c\0'),
  Uint8Array.of(1, 2, 3),
];

interface Spec {
  name: string;
  props: { name: number; value: number; pos: boolean }[];
  children: Spec[];
}

const spec = fc.letrec<{ node: Spec }>((tie) => ({
  node: fc.record({
    name: fc.constantFrom(...nodeNames),
    props: fc.array(
      fc.record({
        name: fc.nat(propNames.length - 1),
        value: fc.nat(values.length - 1),
        pos: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
    children: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant<Spec[]>([]),
      fc.array(tie('node'), { maxLength: 3 }),
    ),
  }),
})).node;

/** Built with plain pushes: the checks, not Node's own guards, must catch the duplicates. */
function build(s: Spec, node: Node, line: { n: number }): void {
  for (const p of s.props) {
    const prop = { name: propNames[p.name]!, value: values[p.value]!, labels: [] as string[] };
    node.props.push(p.pos ? { ...prop, pos: { file: 'src.dts', line: line.n++, col: 3 } } : prop);
  }
  for (const c of s.children) {
    const child = new Node(c.name);
    child.parent = node;
    node.children.push(child);
    build(c, child, line);
  }
}

function outcome(tree: Tree): { error?: unknown; blob?: Uint8Array; hints?: unknown[] } {
  try {
    const out = checkTree(tree, { file: 'in.dtb' });
    const hints: unknown[] = [];
    for (const n of out.root.walk()) for (const p of n.props) hints.push([n.path, p.name, p.hint, p.pos]);
    return { blob: writeDtb(out), hints };
  } catch (e) {
    if (!(e instanceof DtsError)) throw e;
    return { error: { code: e.code, detail: e.detail, pos: e.pos } };
  }
}

describe('checkTree on a label-free tree', () => {
  it('agrees with the compiler path on errors and on the checked tree', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const tree = new TreeClass();
        build({ ...s, name: '' }, tree.root, { n: 1 });
        const labelled = new TreeClass();
        build({ ...s, name: '' }, labelled.root, { n: 1 });
        labelled.root.labels = ['only_label'];
        expect(outcome(tree)).toEqual(outcome(labelled));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees on wide nodes too (many children and properties, where duplicates are found by map)', () => {
    const wide = fc.record({
      name: fc.constant(''),
      props: fc.array(
        fc.record({
          name: fc.nat(propNames.length - 1),
          value: fc.nat(values.length - 1),
          pos: fc.boolean(),
        }),
        { minLength: 17, maxLength: 30 },
      ),
      children: fc.array(
        fc.record({
          name: fc.constantFrom(...nodeNames),
          props: fc.constant<Spec['props']>([]),
          children: fc.constant<Spec[]>([]),
        }),
        { minLength: 17, maxLength: 30 },
      ),
    });
    fc.assert(
      fc.property(wide, (s) => {
        const tree = new TreeClass();
        build(s, tree.root, { n: 1 });
        const labelled = new TreeClass();
        build(s, labelled.root, { n: 1 });
        labelled.root.labels = ['only_label'];
        expect(outcome(tree)).toEqual(outcome(labelled));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves the input tree as it was', () => {
    const tree = new TreeClass();
    const n = tree.root.ensureChild('node@1');
    n.setProp('name', ascii('node\0'));
    checkTree(tree, { file: 'in.dtb' });
    expect(n.prop('name')).toBeDefined();
  });
});
