// Property test of the edit machinery against fdtoverlay: for random additions (new and existing
// properties, nested new nodes, several targets, phandles with references), fdtoverlay applying
// overlayTree's blob to the board gives systemDtb's bytes (libfdt's uncleared value padding aside).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyEdits,
  maxPhandle,
  overlayTree,
  PhandleAllocator,
  type TreeEdits,
} from '../../builder/dom0less/edits.js';
import { systemDtb } from '../../builder/dom0less/system-dtb.js';
import { Node, value, writeDtb } from '../../devicetree/index.js';
import { requireTools } from '../support/tools.js';
import { baseTree, boardDtb } from './dom0less-fixture.js';
import { zeroValuePadding } from './dtb-padding.js';

const gate = requireTools(['fdtoverlay'], 'apt-get install device-tree-compiler');

const propName = fc.constantFrom(
  'reg',
  'compatible',
  'stdout-path',
  'x,a',
  'x,bb',
  'status',
  'cells',
  'model',
  'zz',
);
const propValue = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc
    .array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 4 })
    .map((c) => value.u32(...c)),
  fc
    .string({ minLength: 0, maxLength: 9, unit: fc.constantFrom('a', 'b', ',', '-', '0') })
    .map((s) => value.string(s)),
  fc.uint8Array({ minLength: 1, maxLength: 7 }),
);
interface Spec {
  props: [string, Uint8Array][];
  kids: Spec[];
}
const spec: fc.Memo<Spec> = fc.memo((depth) =>
  fc.record({
    props: fc.uniqueArray(fc.tuple(propName, propValue), { selector: (t) => t[0], maxLength: 4 }),
    kids: depth > 1 ? fc.array(spec(depth - 1), { maxLength: 3 }) : fc.constant([]),
  }),
);

function build(s: Spec, name: string): Node {
  const n = new Node(name);
  for (const [k, v] of s.props) n.setProp(k, v);
  s.kids.forEach((k, i) => {
    n.addChild(build(k, `n${i}`));
  });
  return n;
}

describe.skipIf(!gate.available)(`edits agree with fdtoverlay (${gate.reason || 'fdtoverlay'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dombuild-edits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const boardBlob = boardDtb();
  writeFileSync(join(dir, 'board.dtb'), boardBlob);

  it('for random additions on several targets', () => {
    fc.assert(
      fc.property(spec(3), spec(1), fc.boolean(), (chosenSpec, serialSpec, withPhandles) => {
        const base = baseTree();
        const ph = new PhandleAllocator(maxPhandle(base));
        const chosen = build(chosenSpec, '');
        const edits: TreeEdits = {
          fragments: [
            { target: '/chosen', content: chosen },
            { target: '/soc/serial@ff010000', content: build(serialSpec, '') },
          ],
          phandleRefs: [],
          phandleBase: ph.base,
        };
        if (withPhandles) {
          const a = chosen.addChild(new Node('ph-a'));
          const b = chosen.addChild(new Node('ph-b'));
          const pa = ph.alloc();
          const pb = ph.alloc();
          a.setProp('phandle', value.u32(pa));
          b.setProp('phandle', value.u32(pb));
          a.setProp('peer', value.u32(7, pb));
          b.setProp('peer', value.u32(pa));
          edits.phandleRefs.push({ node: a, prop: 'peer', offset: 4 }, { node: b, prop: 'peer', offset: 0 });
        }
        const ours = systemDtb(boardBlob, base, edits, applyEdits(base, edits));
        writeFileSync(join(dir, 'o.dtbo'), writeDtb(overlayTree(edits)));
        execFileSync('fdtoverlay', [
          '-i',
          join(dir, 'board.dtb'),
          '-o',
          join(dir, 'x.dtb'),
          join(dir, 'o.dtbo'),
        ]);
        expect(zeroValuePadding(new Uint8Array(readFileSync(join(dir, 'x.dtb'))))).toEqual(ours);
      }),
      { numRuns: 60 },
    );
  });
});
