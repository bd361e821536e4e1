// Properties of planLayout over random boards and configs: every placed range is inside RAM,
// outside every excluded range, apart from every other, aligned, and the same input gives the
// same plan. When a plan is refused, it is with an error diagnostic, never an exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Board, BoardRange, MemRange } from '../../boards/index.js';
import { qemuDirectDtbAddress } from '../../boards/index.js';
import type { ResolvedImage } from '../../builder/image-files.js';
import { planToJson } from '../../builder/plan/json.js';
import { planLayout } from '../../builder/plan/planner.js';
import type { BootPlan } from '../../builder/plan/types.js';
import { config, GiB, guest, image, KiB, MiB } from './plan-support.js';

const hex = (v: bigint) => `0x${v.toString(16)}`;

/** 1-3 RAM banks, 2 MiB aligned, apart from each other. */
const ramArb = fc
  .array(fc.record({ gap: fc.bigInt(0n, 64n), size: fc.bigInt(32n, 2048n) }), { minLength: 1, maxLength: 3 })
  .map((banks) => {
    let at = 0x4000_0000n;
    return banks.map((b) => {
      const start = at + b.gap * 2n * MiB;
      at = start + b.size * 2n * MiB + 2n * MiB;
      return { start, size: b.size * 2n * MiB };
    });
  });

/** A range somewhere in RAM, page aligned (Xen wants static memory and shm page aligned). */
function rangeIn(ram: MemRange[]) {
  return fc
    .record({
      bank: fc.nat(ram.length - 1),
      at: fc.double({ min: 0, max: 0.95, noNaN: true }),
      pages: fc.bigInt(1n, 8192n),
    })
    .map(({ bank, at, pages }) => {
      const b = ram[Math.min(bank, ram.length - 1)]!;
      const start = b.start + ((BigInt(Math.floor(at * 1e6)) * b.size) / 1_000_000n / 4096n) * 4096n;
      const size = pages * 4096n;
      return { start, size: start + size > b.start + b.size ? b.start + b.size - start : size };
    })
    .filter((r) => r.size > 0n);
}

const caseArb = ramArb.chain((ram) =>
  fc.record({
    ram: fc.constant(ram),
    method: fc.constantFrom('uboot' as const, 'direct' as const),
    align: fc.constantFrom(4n * KiB, 64n * KiB, 2n * MiB, 4n * MiB),
    reserved: fc.array(rangeIn(ram), { maxLength: 3 }),
    staticMem: fc.array(rangeIn(ram), { maxLength: 2 }),
    // A static heap is Xen's whole heap: the frame table, P2M pools and every domain's memory come
    // from it (plan-xen-ram), so a random one refuses most plans; keep it to a few cases.
    heap: fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary: rangeIn(ram), weight: 1 }),
    shm: fc.option(rangeIn(ram), { nil: undefined }),
    xen: fc.record({ size: fc.bigInt(64n * KiB, 8n * MiB), textOffset: fc.constantFrom(0n, 0x80000n) }),
    domains: fc.array(
      fc.record({
        kernel: fc.bigInt(1n, 48n * MiB),
        bss: fc.bigInt(0n, 8n * MiB),
        ramdisk: fc.option(fc.bigInt(1n, 64n * MiB), { nil: undefined }),
      }),
      { maxLength: 6 },
    ),
    fit: fc.boolean(),
    dtbSize: fc.bigInt(1000n, 300n * KiB),
  }),
);

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function build(c: Case) {
  const reserved: BoardRange[] = c.reserved.map((r, i) => ({
    ...r,
    name: `reserved-memory/r${i}[0]`,
    source: 'reserved-memory',
  }));
  const base = c.ram[0]!.start;
  const total = c.ram.reduce((n, r) => n + r.size, 0n);
  const board: Board = {
    name: 'random',
    description: 'random board',
    arch: 'arm64',
    ram: c.ram,
    reserved,
    cpus: [{ id: 0n, path: '/cpus/cpu@0' }],
    uboot: {
      loadCommand: 'tftpb',
      scriptAddress: base + 2n * MiB,
      scriptCapacity: MiB,
      relocationSize: 0x224e000n,
    },
    qemu: {
      binary: 'qemu-system-aarch64',
      args: [],
      direct: {
        ramBase: base,
        stubSize: 0x28n,
        textOffsetFloor: 0x1000n,
        dtbAddress: qemuDirectDtbAddress(base, total),
      },
    },
    dtb: { kind: 'user', hint: '' },
  };
  const domains = c.domains.map((_d, i) => {
    const extra: Record<string, unknown> = {};
    if (i === 0 && c.staticMem.length > 0)
      extra.staticMemory = c.staticMem.map((r) => ({ base: hex(r.start), size: hex(r.size) }));
    if (i < 2 && c.shm)
      extra.sharedMemory = [
        { id: 'ring', size: hex(c.shm.size), guest: '0x50000000', host: hex(c.shm.start) },
      ];
    return guest(`d${i}`, extra);
  });
  const cfg = config({
    xen: {
      release: '4.20',
      ...(c.heap ? { staticHeap: [{ base: hex(c.heap.start), size: hex(c.heap.size) }] } : {}),
    },
    boot: { method: c.method, align: hex(c.align), fit: c.fit && c.method === 'uboot' },
    domains,
  });
  const images: ResolvedImage[] = [image('xen', c.xen.size, { textOffset: c.xen.textOffset })];
  c.domains.forEach((d, i) => {
    images.push(image(`d${i}/kernel`, d.kernel, { effectiveSize: d.kernel + d.bss }));
    if (d.ramdisk !== undefined) images.push(image(`d${i}/ramdisk`, d.ramdisk));
  });
  return { config: cfg, board, images, boardDtbSize: c.dtbSize };
}

function checkPlan(plan: BootPlan, input: ReturnType<typeof build>): void {
  const { board, images } = input;
  const ranges = plan.images;
  // every resolved image is placed exactly once
  for (const img of images) expect(ranges.filter((r) => r.name === img.name)).toHaveLength(1);
  expect(new Set(ranges.map((r) => r.name)).size).toBe(ranges.length);
  for (const [i, a] of ranges.entries()) {
    expect(a.effectiveSize >= a.size, a.name).toBe(true);
    const inRam = board.ram.some(
      (r) => a.address >= r.start && a.address + a.effectiveSize <= r.start + r.size,
    );
    expect(inRam, `${a.name} inside RAM`).toBe(true);
    for (const e of plan.excluded) {
      expect(
        a.address + a.effectiveSize <= e.start || e.start + e.size <= a.address,
        `${a.name} vs ${e.name}`,
      ).toBe(true);
    }
    for (const b of ranges.slice(i + 1)) {
      expect(
        a.address + a.effectiveSize <= b.address || b.address + b.effectiveSize <= a.address,
        `${a.name} vs ${b.name}`,
      ).toBe(true);
    }
    // allocated ranges honour the alignment; fixed ones are where the board or QEMU say
    const fixed = a.role === 'script' || (plan.method === 'direct' && (a.role === 'xen' || a.role === 'dtb'));
    if (!fixed) {
      const xenOffset = a.role === 'xen' ? (images.find((x) => x.name === 'xen')!.textOffset ?? 0n) : 0n;
      expect((a.address - xenOffset) % plan.alignment, a.name).toBe(0n);
      if (a.role === 'xen') expect((a.address - xenOffset) % (2n * MiB)).toBe(0n);
    }
  }
  expect(plan.images.map((i) => i.address)).toEqual(
    [...plan.images.map((i) => i.address)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
  );
}

describe('planLayout properties', () => {
  it('places everything inside RAM, outside exclusions, disjoint, aligned, deterministically — or says why not', () => {
    let planned = 0;
    let refused = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const input = build(c);
        const first = planLayout(input);
        const second = planLayout(build(c));
        if (!first.plan) {
          refused++;
          expect(first.diagnostics.some((d) => d.severity === 'error')).toBe(true);
          expect(second.diagnostics).toEqual(first.diagnostics);
          return;
        }
        planned++;
        checkPlan(first.plan, input);
        expect(planToJson(second.plan!)).toBe(planToJson(first.plan));
      }),
      { numRuns: 300 },
    );
    // the generator must exercise both outcomes, or the property says little
    expect(planned).toBeGreaterThan(20); // ~50 of 300 on average
    expect(refused).toBeGreaterThan(0);
  });

  it('a plan that fails for room names the image and the largest gap; growing RAM makes it fit', () => {
    fc.assert(
      fc.property(fc.bigInt(1n, 40n), fc.bigInt(129n, 512n), (ramMiB, kernelMiB) => {
        const ram = (ramMiB + 40n) * 2n * MiB; // room for U-Boot, the script, Xen and the DTB, never for the kernel
        const input = build({
          ram: [{ start: 0x40000000n, size: ram }],
          method: 'uboot',
          align: 2n * MiB,
          reserved: [],
          staticMem: [],
          heap: undefined,
          shm: undefined,
          xen: { size: MiB, textOffset: 0n },
          domains: [{ kernel: kernelMiB * MiB, bss: 0n, ramdisk: undefined }],
          fit: false,
          dtbSize: 4096n,
        });
        const r = planLayout(input);
        expect(r.plan).toBeUndefined();
        const d = r.diagnostics.find((x) => x.id === 'plan-no-room')!;
        expect(d.message).toContain('d0/kernel');
        expect(d.path).toBe('domains[0].kernel');
        const bigger = { ...input, board: { ...input.board, ram: [{ start: 0x40000000n, size: 1n * GiB }] } };
        expect(planLayout(bigger).plan).toBeDefined();
      }),
      { numRuns: 100 },
    );
  });
});
