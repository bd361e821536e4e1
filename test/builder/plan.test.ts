// planLayout on hand-made cases: where QEMU and U-Boot force things, what is kept out, and the
// diagnostics when something does not fit.
import { describe, expect, it } from 'vitest';
import type { Board } from '../../boards/index.js';
import { qemuQ35Board, qemuVirtBoard } from '../../boards/index.js';
import { planToJson } from '../../builder/plan/json.js';
import { planLayout } from '../../builder/plan/planner.js';
import { renderPlanBars, renderPlanSvg, renderPlanTable } from '../../builder/plan/render.js';
import { loadConfigOrThrow } from '../../schema/index.js';
import { config, GiB, guest, image, imagesFor, MiB } from './plan-support.js';

const board = qemuVirtBoard({ gic: 3, ram: 2n * GiB, cpus: 2 });

function byName(plan: NonNullable<ReturnType<typeof planLayout>['plan']>) {
  return Object.fromEntries(plan.images.map((i) => [i.name, i]));
}

describe('planLayout', () => {
  it('U-Boot: script where U-Boot runs it, Xen on a 2 MiB boundary, U-Boot relocation kept free', () => {
    const cfg = config({ domains: [guest('domU1'), guest('domU2')] });
    const { plan, diagnostics } = planLayout({ config: cfg, board, images: imagesFor(cfg) });
    expect(diagnostics).toEqual([]);
    const m = byName(plan!);
    expect(plan!.method).toBe('uboot');
    expect(m['boot.scr']!.address).toBe(0x40200000n);
    expect(plan!.scriptAddress).toBe(0x40200000n);
    expect(plan!.xenAddress % (2n * MiB)).toBe(0n);
    expect(plan!.excluded.map((e) => [e.name, e.start, e.size])).toEqual([
      ['uboot-relocation', 0xc0000000n - 0x224e000n, 0x224e000n],
    ]);
    expect(Object.keys(m).sort()).toEqual(['boot.scr', 'domU1/kernel', 'domU2/kernel', 'dtb', 'xen']);
    // domain images keep config order
    expect(m['domU1/kernel']!.address < m['domU2/kernel']!.address).toBe(true);
  });

  it("direct: Xen and the DTB where QEMU's loader puts them, modules around them", () => {
    const cfg = config({ boot: { method: 'direct' }, domains: [guest('a'), guest('b')] });
    const images = [
      image('xen', 0x40_0000n, { textOffset: 0n }),
      image('a/kernel', 0x500_0000n),
      image('b/kernel', 0x500_0000n),
    ];
    const { plan, diagnostics } = planLayout({ config: cfg, board, images, boardDtbSize: 10_588n });
    expect(diagnostics).toEqual([]);
    const m = byName(plan!);
    expect(plan!.xenAddress).toBe(0x40200000n);
    expect(plan!.dtbAddress).toBe(0x48000000n);
    // QEMU's ROM for the DTB is 2 * (room + 10000): the room is what system.dtb may grow to
    expect(m.dtb!.effectiveSize).toBe(2n * (m.dtb!.size + 10_000n));
    expect(m['a/kernel']!.address).toBe(0x40600000n);
    // b (80 MiB) does not fit between a and the DTB, so it goes above the DTB
    expect(m['b/kernel']!.address).toBe(0x48200000n);
    expect(plan!.excluded.map((e) => e.name)).toEqual(['qemu/boot-stub']);
  });

  it('direct: a text_offset of 0x80000 is honoured as is', () => {
    const cfg = config({ boot: { method: 'direct' } });
    const { plan } = planLayout({
      config: cfg,
      board,
      images: [image('xen', MiB, { textOffset: 0x80000n })],
    });
    expect(plan!.xenAddress).toBe(0x40080000n);
  });

  it('keeps static memory, the static heap, shared-memory host ranges and reserved ranges out', () => {
    const cfg = config({
      // The heap holds the frame table, the P2M pools and peer's memory (plan-xen-ram checks that).
      xen: { release: '4.20', staticHeap: [{ base: '0x41000000', size: '256M' }] },
      domains: [
        guest('rt', {
          staticMemory: [{ base: '0x40400000', size: '8M' }],
          directMap: true,
          sharedMemory: [{ id: 'ring', size: '2M', guest: '0x50000000', host: '0x52000000', role: 'owner' }],
        }),
        guest('peer', {
          sharedMemory: [{ id: 'ring', size: '2M', guest: '0x50000000', host: '0x52000000' }],
        }),
      ],
    });
    const b: Board = {
      ...board,
      reserved: [
        {
          name: 'reserved-memory/optee@40c00000[0]',
          source: 'reserved-memory',
          start: 0x40c00000n,
          size: 4n * MiB,
        },
      ],
    };
    const { plan, diagnostics } = planLayout({ config: cfg, board: b, images: imagesFor(cfg, 3n * MiB) });
    expect(diagnostics).toEqual([]);
    expect(plan!.excluded.map((e) => [e.name, e.reason])).toEqual([
      ['rt/static-mem[0]', 'static-memory'],
      ['reserved-memory/optee@40c00000[0]', 'reserved-memory'],
      ['xen/static-heap[0]', 'static-heap'],
      ['shm/ring', 'shared-memory'],
      ['uboot-relocation', 'uboot-relocation'],
    ]);
    for (const i of plan!.images) {
      for (const e of plan!.excluded) {
        expect(
          i.address + i.effectiveSize <= e.start || e.start + e.size <= i.address,
          `${i.name} vs ${e.name}`,
        ).toBe(true);
      }
    }
  });

  it('counts the boot modules against what the domains may have (plan-xen-ram), a warning when unchecked', () => {
    // 2 GiB: board-ram lets one domain have 2008 MiB; a 32 MiB kernel stays in RAM while Xen
    // builds it, so 1976 MiB is the most (both numbers measured on Xen 4.17 and 4.20).
    const at = (mib: number, kernel: bigint, unchecked = false) => {
      const cfg = config({ domains: [guest('big', { memory: `${mib}M` })] });
      return planLayout({ config: cfg, board, images: imagesFor(cfg, kernel), unchecked }).diagnostics;
    };
    expect(at(2008, 0x88n)).toEqual([]);
    expect(at(1976, 32n * MiB)).toEqual([]);
    const refused = at(1977, 32n * MiB);
    expect(refused.map((d) => [d.id, d.severity, d.path])).toEqual([
      ['plan-xen-ram', 'error', 'domains[0].memory'],
    ]);
    expect(refused[0]!.hint).toContain('at most 1976M is left for big');
    expect(at(1977, 32n * MiB, true).map((d) => [d.id, d.severity])).toEqual([['plan-xen-ram', 'warning']]);
  });

  it('names the image, its size and the largest gap left when it does not fit', () => {
    const cfg = config({ domains: [guest('big')] });
    const small = qemuVirtBoard({ gic: 3, ram: 128n * MiB, cpus: 1 });
    const { plan, diagnostics } = planLayout({
      config: cfg,
      board: small,
      images: [image('xen', MiB, { textOffset: 0n }), image('big/kernel', 100n * MiB)],
    });
    expect(plan).toBeUndefined();
    expect(diagnostics.map((d) => [d.id, d.path])).toEqual([['plan-no-room', 'domains[0].kernel']]);
    expect(diagnostics[0]!.message).toContain('big/kernel');
    expect(diagnostics[0]!.message).toContain('100 MiB');
  });

  it('honours boot.memoryStart/memoryEnd and boot.align', () => {
    const cfg = config({
      boot: { memoryStart: '0x44000000', memoryEnd: '0x50000000', align: '4M' },
      domains: [guest('a'), guest('b')],
    });
    const { plan } = planLayout({ config: cfg, board, images: imagesFor(cfg, 5n * MiB) });
    for (const i of plan!.images.filter((x) => x.role !== 'script')) {
      expect(i.address >= 0x44000000n && i.address + i.effectiveSize <= 0x50000000n, i.name).toBe(true);
      expect(i.address % (4n * MiB), i.name).toBe(0n);
    }
    expect(
      planLayout({ config: config({ boot: { align: '0x3000' } }), board, images: imagesFor(config({})) })
        .diagnostics[0]?.id,
    ).toBe('plan-align-invalid');
  });

  it('reports a fixed placement that collides', () => {
    const cfg = config({
      boot: { method: 'direct' },
      domains: [guest('rt', { staticMemory: [{ base: '0x48000000', size: '16M' }] })],
    });
    const { diagnostics } = planLayout({ config: cfg, board, images: imagesFor(cfg) });
    expect(diagnostics.map((d) => d.id)).toEqual(['plan-overlap']);
    expect(diagnostics[0]!.message).toContain('rt/static-mem[0]');
  });

  it('plans a FIT after everything else when asked', () => {
    const cfg = config({ boot: { fit: true }, domains: [guest('a')] });
    const { plan } = planLayout({ config: cfg, board, images: imagesFor(cfg) });
    expect(plan!.fitAddress).toBeDefined();
    const fit = plan!.images.find((i) => i.role === 'fit')!;
    expect(fit.size).toBeGreaterThan(0x400000n);
  });

  it('refuses methods without a memory plan and boards that cannot do the method', () => {
    expect(
      planLayout({ config: config({ boot: { method: 'grub' } }), board, images: [] }).diagnostics[0]?.id,
    ).toBe('plan-method-unsupported');
    // Arm EFI is planned as U-Boot is (the addresses only name the module nodes; UEFI places them).
    const efiCfg = config({ boot: { method: 'efi' }, domains: [guest('a')] });
    const efi = planLayout({ config: efiCfg, board, images: imagesFor(efiCfg) });
    expect(efi.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(efi.plan?.method).toBe('uboot');
    const noQemu: Board = { ...board, qemu: undefined };
    expect(
      planLayout({ config: config({ boot: { method: 'direct' } }), board: noQemu, images: [] }).diagnostics[0]
        ?.id,
    ).toBe('plan-direct-needs-qemu');
  });

  it('plan.json is stable, hex for numbers, file paths relative to the config', () => {
    const cfg = config({ domains: [guest('a')] });
    const images = imagesFor(cfg);
    images[1]!.file = '/cfg/images/a.img';
    images[1]!.sha256 = 'ab'.repeat(32);
    const one = planToJson(planLayout({ config: cfg, board, images }).plan!, { relativeTo: '/cfg' });
    const two = planToJson(planLayout({ config: cfg, board, images }).plan!, { relativeTo: '/cfg' });
    expect(one).toBe(two);
    const doc = JSON.parse(one);
    expect(doc.version).toBe(1);
    expect(doc.xenAddress).toMatch(/^0x[0-9a-f]+$/);
    expect(doc.images.find((i: { name: string }) => i.name === 'a/kernel').file).toBe('images/a.img');
    expect(doc.excluded[0]).toEqual({
      name: 'uboot-relocation',
      reason: 'uboot-relocation',
      start: '0xbddb2000',
      size: '0x224e000',
      end: '0xc0000000',
    });
  });

  it('renders a table, bars and a well-formed SVG naming every range', () => {
    const cfg = config({ domains: [guest('domU1'), guest('domU2')] });
    const plan = planLayout({ config: cfg, board, images: imagesFor(cfg) }).plan!;
    const table = renderPlanTable(plan);
    const bars = renderPlanBars(plan, { width: 64 });
    const svg = renderPlanSvg(plan);
    for (const name of ['xen', 'dtb', 'boot.scr', 'domU1/kernel', 'domU2/kernel', 'uboot-relocation']) {
      expect(table).toContain(name);
      expect(bars).toContain(name);
      expect(svg).toContain(name);
    }
    expect(bars).not.toContain('\x1b[');
    expect(renderPlanBars(plan, { color: true })).toContain('\x1b[');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });
});

describe('planLayout on x86', () => {
  it('returns no plan and one note, not an error', () => {
    const x86 = loadConfigOrThrow(
      'arch: x86_64\nxen: { release: "4.17" }\nboard: qemu-q35-x86_64\nboot: { method: direct }\ndomains: []\n',
      'x.yaml',
    );
    const r = planLayout({ config: x86, board: qemuQ35Board({ ram: 2n << 30n, cpus: 2 }), images: [] });
    expect(r.plan).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.id, d.severity])).toEqual([['plan-x86-loader-places', 'info']]);
  });
});
