// The built-in QEMU `virt` arm64 board. Its parameters (GIC version, RAM, CPU count) map to exactly
// one set of QEMU flags, used both for the run and for `-machine dumpdtb`, so the DTB we build
// on is the one the guest sees. Loader facts below were measured on QEMU 7.2 and Debian's
// U-Boot 2023.01 (see recipes/qemu.md and the gated tests).
import { QEMU_VIRT_RAM_BASE, type QemuVirtParams, qemuVirtMpidr } from './qemu-virt-dtb.js';
import type { Board, BoardDiagnostic } from './types.js';

export type { QemuVirtParams } from './qemu-virt-dtb.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;

export const QEMU_VIRT_DEFAULTS: Readonly<QemuVirtParams> = Object.freeze({ gic: 3, ram: 2n * GiB, cpus: 2 });

/** Bounds we model and test: GICv2 targets at most 8 CPUs; one GICv3 redistributor region holds 123. */
export const QEMU_VIRT_LIMITS = {
  minRam: 128n * MiB,
  maxRam: 64n * GiB,
  maxCpus: { 2: 8, 3: 123 } as const,
};

/** QEMU virt's distributor: 256 SPIs (hw/arm/virt.c NUM_IRQS). */
const QEMU_VIRT_SPIS = 256;
/** QEMU's -kernel stub lives at the start of RAM; an Image asking for an offset below this is moved up 2 MiB. */
const QEMU_BOOTLOADER_MAX = 0x1000n;
/**
 * Debian U-Boot 2023.01 (qemu_arm64) reserves [top - 0x224e000, top) once relocated, whatever the
 * RAM size (bdinfo's lmb_dump_all at 256M, 1G, 2G and 4G).
 */
export const QEMU_UBOOT_RELOCATION_SIZE = 0x224_e000n;

export function qemuVirtArgs(p: QemuVirtParams): string[] {
  return [
    '-machine',
    `virt,gic-version=${p.gic},virtualization=true`,
    '-cpu',
    'cortex-a57',
    '-m',
    `${p.ram / MiB}M`,
    '-smp',
    String(p.cpus),
  ];
}

export function checkQemuVirtParams(p: QemuVirtParams): BoardDiagnostic[] {
  const out: BoardDiagnostic[] = [];
  const bad = (message: string, hint: string) =>
    out.push({ id: 'board-param-invalid', severity: 'error', message, hint, where: 'board' });
  if (p.gic !== 2 && p.gic !== 3)
    bad(`gic ${String(p.gic)} is not 2 or 3`, 'QEMU virt offers GICv2 and GICv3');
  if (p.ram % MiB !== 0n || p.ram < QEMU_VIRT_LIMITS.minRam || p.ram > QEMU_VIRT_LIMITS.maxRam)
    bad(
      `RAM of ${p.ram} bytes is not a whole number of MiB between 128M and 64G`,
      'give memory such as 1G, 2G or 4096M',
    );
  const maxCpus = QEMU_VIRT_LIMITS.maxCpus[p.gic] ?? 8;
  if (!Number.isInteger(p.cpus) || p.cpus < 1 || p.cpus > maxCpus)
    bad(
      `${p.cpus} CPUs with GICv${p.gic}: between 1 and ${maxCpus}`,
      'GICv2 targets at most 8 CPUs; use gic: 3',
    );
  return out;
}

/** Where QEMU puts a -dtb blob when no -initrd is given: a 2 MiB boundary at min(RAM/2, 128 MiB). */
export function qemuDirectDtbAddress(ramBase: bigint, ram: bigint): bigint {
  const offset = ram / 2n < 128n * MiB ? ram / 2n : 128n * MiB;
  return alignUp(ramBase + offset, 2n * MiB);
}

export function qemuVirtBoard(p: QemuVirtParams, name = 'qemu-virt-arm64'): Board {
  const args = qemuVirtArgs(p);
  const ramBase = QEMU_VIRT_RAM_BASE;
  return {
    name,
    description: `QEMU virt, Cortex-A57 x${p.cpus}, GICv${p.gic}, ${p.ram / MiB} MiB (built in)`,
    arch: 'arm64',
    ram: [{ start: ramBase, size: p.ram }],
    // Nothing at the RAM base stays in use: U-Boot relocates the DTB QEMU leaves there, and in
    // direct mode the planner keeps QEMU's own stub, Xen and DTB placements out itself.
    reserved: [],
    cpus: Array.from({ length: p.cpus }, (_, i) => ({ id: qemuVirtMpidr(i, p.gic), path: `/cpus/cpu@${i}` })),
    gic: { version: p.gic, maxSpis: QEMU_VIRT_SPIS, path: '/intc@8000000' },
    console: '/pl011@9000000',
    uboot: {
      loadCommand: 'tftpb',
      // disk.img is attached as a virtio-blk disk, U-Boot's first virtio block device.
      diskDevice: 'virtio 0',
      scriptAddress: 0x4020_0000n,
      scriptCapacity: 1n * MiB,
      relocationSize: QEMU_UBOOT_RELOCATION_SIZE,
      fdtAddress: ramBase,
    },
    qemu: {
      binary: 'qemu-system-aarch64',
      args,
      direct: {
        ramBase,
        stubSize: 0x28n,
        textOffsetFloor: QEMU_BOOTLOADER_MAX,
        dtbAddress: qemuDirectDtbAddress(ramBase, p.ram),
      },
      ubootBinary: '/usr/lib/u-boot/qemu_arm64/u-boot.bin',
    },
    dtb: { kind: 'qemu', binary: 'qemu-system-aarch64', args },
  };
}

function alignUp(v: bigint, a: bigint): bigint {
  return ((v + a - 1n) / a) * a;
}
