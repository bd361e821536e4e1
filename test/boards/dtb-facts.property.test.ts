// Hostile board DTBs: random values in the properties the facts reader interprets, and random
// byte flips in a whole DTB, give diagnostics (or the codec's DtbError), never another exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildQemuVirtDtb, readDtbFacts } from '../../boards/index.js';
import { DtbError, Node, readDtb, writeDtb } from '../../devicetree/index.js';

const PROPS = [
  'reg',
  '#address-cells',
  '#size-cells',
  'stdout-path',
  'compatible',
  'interrupt-parent',
  'status',
  'device_type',
];
const PATHS = [
  '/',
  '/memory@40000000',
  '/cpus',
  '/cpus/cpu@0',
  '/chosen',
  '/intc@8000000',
  '/reserved-memory',
  '/reserved-memory/r@0',
  '/aliases',
];

describe('readDtbFacts on hostile input', () => {
  it('random property values only ever give diagnostics', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            path: fc.constantFrom(...PATHS),
            prop: fc.constantFrom(...PROPS),
            value: fc.oneof(
              fc.uint8Array({ maxLength: 40 }),
              fc
                .constantFrom('serial0:115200', 'memory', 'cpu', 'disabled', 'arm,gic-v3', '/nowhere')
                .map((s) => new TextEncoder().encode(`${s}\0`)),
            ),
          }),
          { maxLength: 8 },
        ),
        (edits) => {
          const t = buildQemuVirtDtb({ gic: 3, ram: 1n << 30n, cpus: 2 });
          t.root.addChild(new Node('reserved-memory')).addChild(new Node('r@0'));
          t.root
            .addChild(new Node('aliases'))
            .setProp('serial0', new TextEncoder().encode('/pl011@9000000\0'));
          for (const e of edits) t.ensurePath(e.path).setProp(e.prop, e.value);
          const { facts, diagnostics } = readDtbFacts(t);
          for (const d of diagnostics) expect(d.id).toBe('board-dtb-bad-reg');
          for (const r of [...facts.ram, ...facts.reserved]) expect(r.start + r.size <= 1n << 64n).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a flipped byte anywhere in a board DTB is a DtbError or a readable board', () => {
    const bytes = writeDtb(buildQemuVirtDtb({ gic: 2, ram: 1n << 30n, cpus: 2 }));
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const b = bytes.slice();
        b[at]! ^= x;
        let tree: ReturnType<typeof readDtb>;
        try {
          tree = readDtb(b);
        } catch (e) {
          expect(e).toBeInstanceOf(DtbError);
          return;
        }
        readDtbFacts(tree);
      }),
      { numRuns: 400 },
    );
  });
});
