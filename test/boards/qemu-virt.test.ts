// The built-in QEMU board against QEMU itself: our generated virt DTB equals `dumpdtb` (both
// decompiled by dtc, the random /chosen seeds dropped) for every flag combination we support;
// the facts read from the dumps match the descriptor; and QEMU's own direct-boot placements
// (`info roms`) are where the descriptor says.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildQemuVirtDtb,
  dumpQemuDtb,
  QEMU_VIRT_DTB_VERSION,
  type QemuVirtParams,
  qemuDirectDtbAddress,
  qemuVirtArgs,
  qemuVirtBoard,
  readDtbFacts,
} from '../../boards/index.js';
import { readDtb, writeDtb } from '../../devicetree/index.js';
import { requireTools } from '../support/tools.js';
import { qemuMonitor } from './qemu-monitor.js';

const gate = requireTools(
  ['qemu-system-aarch64', 'dtc'],
  'apt-get install qemu-system-arm device-tree-compiler',
);
const MiB = 1n << 20n;
const GiB = 1n << 30n;

const COMBOS: QemuVirtParams[] = [
  { gic: 2, ram: 2n * GiB, cpus: 2 },
  { gic: 3, ram: 2n * GiB, cpus: 2 },
  { gic: 2, ram: 128n * MiB, cpus: 1 },
  { gic: 2, ram: 1n * GiB, cpus: 8 },
  { gic: 3, ram: 4n * GiB, cpus: 4 },
  { gic: 3, ram: 8n * GiB, cpus: 18 },
];

function qemuVersion(): string {
  const r = spawnSync('qemu-system-aarch64', ['--version'], { encoding: 'utf8' });
  return /version (\d+\.\d+)/.exec(r.stdout)?.[1] ?? 'unknown';
}

function dts(bytes: Uint8Array, dir: string): string {
  const f = join(dir, 'x.dtb');
  writeFileSync(f, bytes);
  const r = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', '-q', f], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

describe.skipIf(!gate.available)(`qemu-virt-arm64 against QEMU ${gate.reason}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dombuild-qemu-virt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sameVersion = gate.available && qemuVersion() === QEMU_VIRT_DTB_VERSION;

  for (const p of COMBOS) {
    const label = `gic ${p.gic}, ${p.ram / MiB} MiB, ${p.cpus} CPUs`;
    it(`dump: facts equal the descriptor (${label})`, () => {
      const dumped = dumpQemuDtb('qemu-system-aarch64', qemuVirtArgs(p));
      if ('error' in dumped) throw new Error(dumped.error);
      expect(dumped.tree.root.child('chosen')?.prop('rng-seed')).toBeUndefined();
      const { facts, diagnostics } = readDtbFacts(dumped.tree);
      expect(diagnostics).toEqual([]);
      const board = qemuVirtBoard(p);
      expect(facts.ram).toEqual(board.ram);
      expect(facts.cpus).toEqual(board.cpus);
      expect(facts.gic?.version).toBe(p.gic);
      expect(facts.gic?.path).toBe(board.gic?.path);
      expect(facts.console).toBe(board.console);
      expect(facts.reserved).toEqual([]);
    });

    // Our generator reproduces one QEMU release; a different QEMU is judged on the facts above.
    it.runIf(sameVersion)(
      `generated DTB decompiles exactly like QEMU ${QEMU_VIRT_DTB_VERSION}'s dump (${label})`,
      () => {
        const dumped = dumpQemuDtb('qemu-system-aarch64', qemuVirtArgs(p));
        if ('error' in dumped) throw new Error(dumped.error);
        const ours = writeDtb(buildQemuVirtDtb(p));
        expect(dts(ours, dir)).toBe(dts(writeDtb(dumped.tree), dir));
        // and the raw dump, seeds removed by dtc-independent means (text filter), says the same
        const raw = join(dir, 'raw.dtb');
        const r = spawnSync('qemu-system-aarch64', [
          ...qemuVirtArgs(p),
          '-machine',
          `dumpdtb=${raw}`,
          '-display',
          'none',
        ]);
        expect(r.status).toBe(0);
        const noSeeds = (t: string) => t.replace(/^\s*(rng-seed|kaslr-seed) = .*\n/gm, '');
        expect(dts(ours, dir)).toBe(noSeeds(dts(new Uint8Array(readFileSync(raw)), dir)));
      },
    );
  }

  it('maxSpis is the distributor size QEMU builds (info qtree num-irq minus the 32 private IRQs)', async () => {
    for (const gic of [2, 3] as const) {
      const p: QemuVirtParams = { gic, ram: 1n << 30n, cpus: 2 };
      const r = await qemuMonitor(qemuVirtArgs(p), ['info qtree']);
      const numIrq = Number(/num-irq = (\d+)/.exec(r.stdout)?.[1]);
      expect(numIrq - 32).toBe(qemuVirtBoard(p).gic?.maxSpis);
    }
  });

  it('generated and dumped trees give byte-identical DTBs through our writer', () => {
    const p = COMBOS[1]!;
    const dumped = dumpQemuDtb('qemu-system-aarch64', qemuVirtArgs(p));
    if ('error' in dumped) throw new Error(dumped.error);
    if (!sameVersion) return expect(readDtb(writeDtb(dumped.tree)).root.children.length).toBeGreaterThan(0);
    expect(Buffer.from(writeDtb(buildQemuVirtDtb(p))).equals(Buffer.from(writeDtb(dumped.tree)))).toBe(true);
  });

  // QEMU's loader: Xen (text_offset 0) at RAM base + 2 MiB, a text_offset >= 4 KiB kept, and the
  // -dtb blob at min(RAM/2, 128 MiB) on a 2 MiB boundary in a ROM of 2 * (size + 10000) bytes.
  for (const ram of [128n * MiB, 256n * MiB, 1n * GiB, 2n * GiB, 4n * GiB]) {
    it(`direct boot placements match 'info roms' with ${ram / MiB} MiB`, async () => {
      const kernel = join(dir, 'k.img');
      const img = new Uint8Array(4096);
      const dv = new DataView(img.buffer);
      dv.setUint32(0, 0x14000010, true);
      dv.setBigUint64(8, 0n, true); // text_offset 0, like Xen
      dv.setBigUint64(16, 0x100000n, true);
      dv.setBigUint64(24, 0xan, true);
      dv.setUint32(56, 0x644d5241, true);
      writeFileSync(kernel, img);
      const dtb = join(dir, 'd.dtb');
      const dtbBytes = writeDtb(buildQemuVirtDtb({ gic: 3, ram, cpus: 1 }));
      writeFileSync(dtb, dtbBytes);
      const p: QemuVirtParams = { gic: 3, ram, cpus: 1 };
      const r = await qemuMonitor([...qemuVirtArgs(p), '-kernel', kernel, '-dtb', dtb], ['info roms']);
      const roms = [...r.stdout.matchAll(/addr=([0-9a-f]+) size=0x([0-9a-f]+) mem=ram name="([^"]+)"/g)].map(
        (m) => ({
          addr: BigInt(`0x${m[1]}`),
          size: BigInt(`0x${m[2]}`),
          name: m[3]!,
        }),
      );
      const board = qemuVirtBoard(p);
      const direct = board.qemu!.direct!;
      expect(roms.find((x) => x.name === 'bootloader')?.addr).toBe(direct.ramBase);
      expect(roms.find((x) => x.name === 'bootloader')!.size).toBeLessThanOrEqual(direct.stubSize);
      expect(roms.find((x) => x.name.endsWith('k.img'))?.addr).toBe(direct.ramBase + 2n * MiB);
      const d = roms.find((x) => x.name === 'dtb')!;
      expect(d.addr).toBe(qemuDirectDtbAddress(direct.ramBase, ram));
      expect(d.addr).toBe(direct.dtbAddress);
      expect(d.size).toBe(2n * (BigInt(dtbBytes.length) + 10_000n));
    });
  }
});
