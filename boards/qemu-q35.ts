// The built-in QEMU `q35` x86_64 board. x86 Xen boots from a multiboot module list, not a device
// tree, so the board has no DTB. Its RAM layout is the one QEMU's q35 machine builds: everything
// below 4 GiB when it fits under 0xb0000000, else 2 GiB low and the rest from 4 GiB (pc_q35.c),
// with the legacy VGA/BIOS window at 0xa0000-0x100000 never usable RAM. CPU flags follow
// recipes/qemu.md: `-cpu max` crashes a PV dom0 under TCG, `qemu64` works.
import type { Board, BoardDiagnostic, MemRange } from './types.js';

export interface QemuQ35Params {
  ram: bigint;
  cpus: number;
}

const MiB = 1n << 20n;
const GiB = 1n << 30n;

export const QEMU_Q35_DEFAULTS: Readonly<QemuQ35Params> = Object.freeze({ ram: 2n * GiB, cpus: 2 });

/** Bounds we model: the runner's limits (qemu/argv.ts) and a RAM range QEMU boots Xen in. */
export const QEMU_Q35_LIMITS = { minRam: 128n * MiB, maxRam: 64n * GiB, maxCpus: 64 } as const;

/** The RAM size above which q35 splits RAM at 2 GiB instead of keeping it all below 4 GiB. */
const Q35_LOWMEM_SPLIT = 0xb000_0000n;
/** VGA window, option ROMs and the BIOS: inside the first MiB, never RAM for Xen's allocator. */
const LEGACY_HOLE: MemRange = { start: 0xa_0000n, size: 0x6_0000n };

export function qemuQ35Args(p: QemuQ35Params): string[] {
  return ['-machine', 'q35', '-cpu', 'qemu64', '-m', `${p.ram / MiB}M`, '-smp', String(p.cpus)];
}

/** The RAM banks q35 gives a guest of this size. */
export function qemuQ35Ram(ram: bigint): MemRange[] {
  const low = ram >= Q35_LOWMEM_SPLIT ? 2n * GiB : Q35_LOWMEM_SPLIT;
  if (ram <= low) return [{ start: 0n, size: ram }];
  return [
    { start: 0n, size: low },
    { start: 4n * GiB, size: ram - low },
  ];
}

export function checkQemuQ35Params(p: QemuQ35Params): BoardDiagnostic[] {
  const out: BoardDiagnostic[] = [];
  const bad = (message: string, hint: string) =>
    out.push({ id: 'board-param-invalid', severity: 'error', message, hint, where: 'board' });
  if (p.ram % MiB !== 0n || p.ram < QEMU_Q35_LIMITS.minRam || p.ram > QEMU_Q35_LIMITS.maxRam)
    bad(
      `RAM of ${p.ram} bytes is not a whole number of MiB between 128M and 64G`,
      'give memory such as 1G, 2G or 4096M',
    );
  if (!Number.isInteger(p.cpus) || p.cpus < 1 || p.cpus > QEMU_Q35_LIMITS.maxCpus)
    bad(`${p.cpus} CPUs: between 1 and ${QEMU_Q35_LIMITS.maxCpus}`, 'give cpus such as 2 or 4');
  return out;
}

export function qemuQ35Board(p: QemuQ35Params, name = 'qemu-q35-x86_64'): Board {
  return {
    name,
    description: `QEMU q35, qemu64 x${p.cpus}, ${p.ram / MiB} MiB (built in; no DTB: x86 boots from a module list)`,
    arch: 'x86_64',
    ram: qemuQ35Ram(p.ram),
    reserved: [{ ...LEGACY_HOLE, name: 'legacy-vga-bios', source: 'firmware' }],
    // APIC ids are the CPU indexes with QEMU's default topology (one core, one thread per socket).
    cpus: Array.from({ length: p.cpus }, (_, i) => ({ id: BigInt(i), path: `cpu${i}` })),
    console: 'com1',
    qemu: { binary: 'qemu-system-x86_64', args: qemuQ35Args(p) },
    dtb: { kind: 'none', reason: 'x86 Xen boots from a multiboot module list, not a device tree' },
  };
}
