// In-process properties of the DTB codec: round trips, the closed error set on hostile bytes,
// and the limits. The byte-for-byte comparisons with dtc live in dtb-dtc.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DtbError,
  defaultDtbLimits,
  Node,
  readDtb,
  readDtbHeader,
  Tree,
  value,
  writeDtb,
} from '../../devicetree/index.js';
import { caseBudgetMs } from '../support/budget.js';
import { arbTree } from './fixtures/arb-tree.js';

/** A comparable picture of what a DTB can carry (no labels, hints or positions). */
function shape(t: Tree): unknown {
  const node = (n: Node): unknown => ({
    name: n.name,
    props: n.props.map((p) => [p.name, Buffer.from(p.value).toString('hex')]),
    children: n.children.map(node),
  });
  return {
    root: node(t.root),
    rsv: t.memreserves.map((m) => [m.address.toString(16), m.size.toString(16)]),
    cpu: t.bootCpuid,
  };
}

function sample(): Tree {
  const t = new Tree();
  t.bootCpuid = 3;
  t.memreserves.push({ address: 0x1000n, size: 0x2000n, labels: [] });
  t.root.setProp('compatible', value.strings('linux,dummy-virt'));
  t.root.setProp('#address-cells', value.u32(2));
  const cpus = t.ensurePath('/cpus');
  cpus.setProp('#size-cells', value.u32(0));
  const cpu = t.ensurePath('/cpus/cpu@0');
  cpu.setProp('reg', value.u32(0));
  cpu.setProp('enable-method', value.string('psci'));
  t.ensurePath('/chosen').setProp('bootargs', value.string('console=ttyAMA0'));
  return t;
}

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof DtbError) return e.code;
    throw e;
  }
  return 'ok';
}

describe('writeDtb / readDtb round trip', () => {
  it('read(write(tree)) has the same nodes, values, reserves and boot cpu', () => {
    fc.assert(
      fc.property(arbTree({ hints: false }), (t) => {
        const blob = writeDtb(t);
        const back = readDtb(blob);
        expect(shape(back)).toEqual(shape(t));
        expect(Buffer.from(writeDtb(back))).toEqual(Buffer.from(blob));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps version 16 layout readable and distinct from 17', () => {
    const t = sample();
    const v16 = writeDtb(t, { version: 16 });
    const h = readDtbHeader(v16);
    expect(h.version).toBe(16);
    expect(h.lastCompVersion).toBe(16);
    expect(h.sizeDtStruct).toBeUndefined();
    expect(shape(readDtb(v16))).toEqual(shape(t));
    expect(readDtbHeader(writeDtb(t)).version).toBe(17);
  });

  it('lays the header out as dtc does (reserve map at 40, blocks back to back, no padding)', () => {
    const b = writeDtb(sample());
    const h = readDtbHeader(b);
    expect(h.offMemRsvmap).toBe(40);
    expect(h.offDtStruct).toBe(40 + 2 * 16);
    expect(h.offDtStrings).toBe(h.offDtStruct + h.sizeDtStruct!);
    expect(h.totalsize).toBe(h.offDtStrings + h.sizeDtStrings);
    expect(h.totalsize).toBe(b.length);
    expect(h.bootCpuidPhys).toBe(3);
  });

  it('shares a name with an earlier string it ends, at the first such place', () => {
    const t = new Tree();
    t.root.setProp('compatible', value.empty());
    t.root.setProp('x-compatible', value.empty());
    t.root.setProp('ible', value.empty());
    t.root.setProp('compatible', value.empty());
    const b = writeDtb(t);
    const h = readDtbHeader(b);
    const strings = Buffer.from(b.subarray(h.offDtStrings, h.totalsize)).toString('latin1');
    expect(strings).toBe('compatible\0x-compatible\0');
    const offs = [0, 1, 2].map((i) => dv(b).getUint32(h.offDtStruct + 8 + i * 12 + 8));
    expect(offs).toEqual([0, 11, 6]);
  });

  it('skips FDT_NOP anywhere in the structure block', () => {
    const b = writeDtb(sample());
    const h = readDtbHeader(b);
    // Grow the struct block by one NOP right after the root's BEGIN_NODE + empty name.
    const out = new Uint8Array(b.length + 4);
    const at = h.offDtStruct + 8;
    out.set(b.subarray(0, at));
    dv(out).setUint32(at, 4);
    out.set(b.subarray(at), at + 4);
    const o = dv(out);
    o.setUint32(4, b.length + 4);
    o.setUint32(12, h.offDtStrings + 4);
    o.setUint32(36, h.sizeDtStruct! + 4);
    expect(shape(readDtb(out))).toEqual(shape(readDtb(b)));
  });
});

describe('readDtb refuses bad blobs with a code and an offset', () => {
  const good = writeDtb(sample());
  const patched = (fn: (d: DataView, b: Uint8Array) => void, bytes = good.slice()) => {
    fn(dv(bytes), bytes);
    return bytes;
  };
  const h = readDtbHeader(good);
  const cases: [string, string, () => unknown][] = [
    ['TRUNCATED', 'empty input', () => readDtb(new Uint8Array(0))],
    ['TRUNCATED', 'header cut short', () => readDtb(good.subarray(0, 20))],
    ['TRUNCATED', 'totalsize beyond the buffer', () => readDtb(good.subarray(0, good.length - 1))],
    ['BADMAGIC', 'wrong magic', () => readDtb(patched((d) => d.setUint32(0, 0xd00dfeee)))],
    ['BADVERSION', 'version 15', () => readDtb(patched((d) => d.setUint32(20, 15)))],
    ['BADVERSION', 'last_comp_version 18', () => readDtb(patched((d) => d.setUint32(24, 18)))],
    [
      'BADVERSION',
      'version below last_comp_version',
      () =>
        readDtb(
          patched((d) => {
            d.setUint32(20, 16);
            d.setUint32(24, 17);
          }),
        ),
    ],
    ['BADLAYOUT', 'reserve map misaligned', () => readDtb(patched((d) => d.setUint32(16, 44)))],
    [
      'BADLAYOUT',
      'struct block misaligned',
      () => readDtb(patched((d) => d.setUint32(8, h.offDtStruct + 2))),
    ],
    [
      'BADLAYOUT',
      'strings past totalsize',
      () => readDtb(patched((d) => d.setUint32(32, h.sizeDtStrings + 1))),
    ],
    ['BADLAYOUT', 'struct size overflows', () => readDtb(patched((d) => d.setUint32(36, 0xfffffff0)))],
    ['BADLAYOUT', 'reserve map inside the header', () => readDtb(patched((d) => d.setUint32(16, 32)))],
    [
      'BADLAYOUT',
      'strings overlap the struct block',
      () => readDtb(patched((d) => d.setUint32(12, h.offDtStruct))),
    ],
    ['BADSTRUCTURE', 'unknown tag', () => readDtb(patched((d) => d.setUint32(h.offDtStruct, 7)))],
    ['BADSTRUCTURE', 'root with a name', () => readDtb(patched((_d, b) => (b[h.offDtStruct + 4] = 0x61)))],
    [
      'BADSTRUCTURE',
      'FDT_END inside the root',
      () => readDtb(patched((d) => d.setUint32(h.offDtStruct + 8, 9))),
    ],
    [
      'TRUNCATED',
      'no FDT_END before the block ends',
      () => readDtb(patched((d) => d.setUint32(h.offDtStrings - 4, 4))),
    ],
    [
      'BADOFFSET',
      'name offset past the strings block',
      () => readDtb(patched((d) => d.setUint32(h.offDtStruct + 16, h.sizeDtStrings))),
    ],
    [
      'TRUNCATED',
      'property value past the block',
      () => readDtb(patched((d) => d.setUint32(h.offDtStruct + 12, 0xffffff00))),
    ],
    ['LIMIT', 'totalsize over the size cap', () => readDtb(good, { maxSize: 64 })],
    ['LIMIT', 'more nodes than allowed', () => readDtb(good, { maxNodes: 2 })],
    ['LIMIT', 'more properties than allowed', () => readDtb(good, { maxProps: 2 })],
    ['LIMIT', 'deeper than allowed', () => readDtb(good, { maxDepth: 2 })],
    ['LIMIT', 'a property name longer than allowed', () => readDtb(good, { maxNameLength: 10 })],
    ['LIMIT', 'a node name longer than allowed', () => readDtb(good, { maxNameLength: 4 })],
    ['LIMIT', 'more reserve entries than allowed', () => readDtb(good, { maxReserves: 0 })],
  ];
  it.each(cases)('%s: %s', (code, _what, fn) => {
    expect(codeOf(fn)).toBe(code);
  });

  it('gives the offset of the offending bytes', () => {
    try {
      readDtb(patched((d) => d.setUint32(h.offDtStruct, 7)));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DtbError);
      expect((e as DtbError).offset).toBe(h.offDtStruct);
    }
  });

  it('stops the reserve map at the first entry of size 0, as libfdt and dtc do', () => {
    const t = sample();
    t.memreserves = [
      { address: 1n, size: 2n, labels: [] },
      { address: 5n, size: 0n, labels: [] },
      { address: 7n, size: 8n, labels: [] },
    ];
    expect(readDtb(writeDtb(t)).memreserves.map((m) => m.address)).toEqual([1n]);
  });
});

describe('readDtb on hostile input', () => {
  /** Valid blobs to start from: random trees plus a fixed one. */
  const blobs = fc.oneof(
    arbTree({ hints: false }).map((t) => writeDtb(t)),
    fc.constant(writeDtb(sample())),
  );

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('word' as const),
      at: fc.nat(),
      v: fc.oneof(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.constantFrom(0, 1, 2, 3, 4, 9, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff),
      ),
    }),
    fc.record({
      kind: fc.constant('header' as const),
      field: fc.integer({ min: 1, max: 9 }),
      v: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 512 })),
    }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

  function mutate(b: Uint8Array, ms: Mutation[]): Uint8Array {
    let out = b.slice();
    for (const m of ms) {
      if (out.length === 0) break;
      const d = dv(out);
      switch (m.kind) {
        case 'flip':
          out[m.at % out.length]! ^= 1 << m.bit;
          break;
        case 'cut':
          out = out.slice(0, m.at % out.length);
          break;
        case 'word': {
          const at = (m.at % Math.max(1, out.length >> 2)) * 4;
          if (at + 4 <= out.length) d.setUint32(at, m.v);
          break;
        }
        case 'header':
          if (m.field * 4 + 4 <= out.length) d.setUint32(m.field * 4, m.v);
          break;
      }
    }
    return out;
  }

  it('only ever throws DtbError, quickly, and what it accepts writes back stably', () => {
    const largest = fc
      .sample(blobs, { numRuns: 30, seed: 1 })
      .reduce((a, b) => (b.length > a.length ? b : a));
    const limit = caseBudgetMs(() => readDtb(largest), 2500);
    fc.assert(
      fc.property(blobs, fc.array(mutation, { minLength: 1, maxLength: 4 }), (blob, ms) => {
        const bad = mutate(blob, ms);
        const t0 = performance.now();
        let tree: Tree | undefined;
        try {
          tree = readDtb(bad);
        } catch (e) {
          if (!(e instanceof DtbError)) throw e;
        }
        expect(performance.now() - t0).toBeLessThan(limit);
        if (tree) {
          const again = writeDtb(tree);
          expect(Buffer.from(writeDtb(readDtb(again)))).toEqual(Buffer.from(again));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a node nested past the depth cap with LIMIT, without recursion', () => {
    const t = new Tree();
    let n = t.root;
    for (let i = 0; i < 5000; i++) n = n.addChild(new Node(`n${i}`));
    const blob = writeDtb(t);
    expect(codeOf(() => readDtb(blob))).toBe('LIMIT');
    expect(readDtb(blob, { maxDepth: 6000 }).root.children[0]!.name).toBe('n0');
  });

  it('refuses node and property bombs with LIMIT', () => {
    const t = new Tree();
    for (let i = 0; i < 3000; i++) t.root.addChild(new Node(`n${i}`)).setProp('p', value.empty());
    const blob = writeDtb(t);
    expect(codeOf(() => readDtb(blob, { maxNodes: 1000 }))).toBe('LIMIT');
    expect(codeOf(() => readDtb(blob, { maxProps: 1000 }))).toBe('LIMIT');
    expect(readDtb(blob).root.children).toHaveLength(3000);
  });

  it('has sane default limits', () => {
    expect(defaultDtbLimits).toMatchObject({ maxDepth: 64, maxSize: 64 * 1024 * 1024 });
  });

  it('refuses duplicate sibling names and duplicate properties instead of merging them', () => {
    const t = new Tree();
    t.root.addChild(new Node('a'));
    t.root.addChild(new Node('b'));
    t.root.props.push(
      { name: 'p', value: value.empty(), labels: [] },
      { name: 'q', value: value.empty(), labels: [] },
    );
    const b = writeDtb(t);
    const h = readDtbHeader(b);
    const node = b.slice();
    // Rename child "b" to "a": BEGIN_NODE "a" follows the root header, two props and "a"'s node.
    const bAt = Buffer.from(node).indexOf(Buffer.from([0, 0, 0, 1, 0x62, 0]));
    node[bAt + 4] = 0x61;
    expect(codeOf(() => readDtb(node))).toBe('BADSTRUCTURE');
    const prop = b.slice();
    dv(prop).setUint32(h.offDtStruct + 8 + 12 + 8, 0); // q's name offset -> "p"
    expect(codeOf(() => readDtb(prop))).toBe('BADSTRUCTURE');
  });

  it('reads a name-offset bomb (every prop names a different tail of one huge string) in linear time', () => {
    const props = 100_000;
    const strLen = 2_000_000;
    const struct = new DataView(new ArrayBuffer(8 + props * 12 + 8));
    struct.setUint32(0, 1); // BEGIN_NODE, empty name + padding
    for (let i = 0; i < props; i++) {
      struct.setUint32(8 + i * 12, 3);
      struct.setUint32(8 + i * 12 + 4, 0);
      struct.setUint32(8 + i * 12 + 8, i * 17);
    }
    struct.setUint32(8 + props * 12, 2);
    struct.setUint32(8 + props * 12 + 4, 9);
    const strings = new Uint8Array(strLen + 1).fill(0x61);
    strings[strLen] = 0;
    const structOff = 40 + 16;
    const total = structOff + struct.byteLength + strings.length;
    const blob = new Uint8Array(total);
    const d = dv(blob);
    [
      0xd00dfeed,
      total,
      structOff,
      structOff + struct.byteLength,
      40,
      17,
      16,
      0,
      strings.length,
      struct.byteLength,
    ].forEach((v, i) => {
      d.setUint32(i * 4, v);
    });
    blob.set(new Uint8Array(struct.buffer), structOff);
    blob.set(strings, structOff + struct.byteLength);
    // Generous for a loaded CI box; a quadratic reader copies ~10^11 bytes here and takes minutes.
    let t0 = performance.now();
    expect(codeOf(() => readDtb(blob))).toBe('LIMIT'); // names past maxNameLength
    expect(performance.now() - t0).toBeLessThan(20_000);
    t0 = performance.now();
    const t = readDtb(blob, { maxNameLength: strLen });
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(t.root.props).toHaveLength(props);
    expect(t.root.props[props - 1]!.name.length).toBe(strLen - (props - 1) * 17);
  });
});
