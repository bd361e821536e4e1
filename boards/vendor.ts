// Vendor boards dombuild knows the shape of but whose device tree must come from the user (it
// depends on the vendor's BSP release and on the firmware). RAM, CPUs, reserved ranges and the
// console are then read from that DTB; what is here are the defaults a DTB does not say.
import type { Board, MemRange } from './types.js';

const MiB = 1n << 20n;

/**
 * Room kept for U-Boot at the top of RAM on boards where we have not measured it: U-Boot's own
 * image, a 16-32 MiB malloc arena, stack and FDT fit well inside 64 MiB.
 */
export const UBOOT_RELOCATION_ESTIMATE = 64n * MiB;

export function zcu102Board(dtbPath?: string): Board {
  return {
    name: 'zcu102',
    description: 'Xilinx ZCU102 (Zynq UltraScale+ MPSoC, 4x Cortex-A53, GIC-400); vendor DTB required',
    arch: 'arm64',
    ram: [],
    reserved: [],
    cpus: [],
    gic: { version: 2 },
    uboot: {
      loadCommand: 'tftpb',
      // The SD card slot (sdhci@ff170000) is U-Boot's mmc 0 on the ZCU102.
      diskDevice: 'mmc 0',
      scriptAddress: 0x2000_0000n,
      scriptCapacity: 1n * MiB,
      relocationSize: UBOOT_RELOCATION_ESTIMATE,
    },
    // QEMU's model (docs/zcu102-qemu.md): 2 GiB, because QEMU's loader rewrites the tree's
    // /memory as one bank from 0, and at 4 GiB that bank would cover the hole above 2 GiB where the
    // model has no RAM;
    // one CPU, because Xen stops bringing up the third. Its generic Arm loader places Xen, the
    // stub and the DTB as on the virt machine.
    qemu: {
      binary: 'qemu-system-aarch64',
      args: ['-machine', 'xlnx-zcu102,virtualization=on', '-m', '2G', '-audiodev', 'none,id=snd0'],
      direct: {
        ramBase: 0n,
        stubSize: 0x28n,
        textOffsetFloor: 0x1000n,
        dtbAddress: 128n * MiB,
      },
      xenOptions: 'maxcpus=1',
    },
    dtb: dtbPath
      ? { kind: 'file', path: dtbPath }
      : {
          kind: 'user',
          hint: 'pass the PetaLinux/Vivado system DTB: --board-dtb system.dtb or board: { name: zcu102, dtb: ... }',
        },
  };
}

/**
 * Raspberry Pi 4's firmware writes /memory at boot, so the kernel tree's DTB has an empty one.
 * With arm_64bit and the default gpu_mem (76 MiB) the firmware reports these banks.
 */
export function rpi4RamBanks(total: bigint): MemRange[] {
  const banks: MemRange[] = [{ start: 0n, size: 0x3b40_0000n }];
  const GiB = 1n << 30n;
  if (total > 1n * GiB)
    banks.push({ start: 0x4000_0000n, size: (total >= 4n * GiB ? 0xfc00_0000n : total) - 0x4000_0000n });
  if (total > 4n * GiB) banks.push({ start: 0x1_0000_0000n, size: total - 4n * GiB });
  return banks;
}

export function rpi4Board(dtbPath?: string, ram?: bigint): Board {
  return {
    name: 'rpi4',
    description:
      'Raspberry Pi 4 Model B (BCM2711, 4x Cortex-A72, GIC-400); DTB from the firmware partition required',
    arch: 'arm64',
    ram: ram === undefined ? [] : rpi4RamBanks(ram),
    reserved: [],
    cpus: [],
    gic: { version: 2 },
    // The mini UART (serial1) is the one on the GPIO header with the default config.txt.
    console: '/soc/serial@7e215040',
    uboot: {
      loadCommand: 'load mmc 0:1',
      diskDevice: 'mmc 0',
      scriptAddress: 0x0240_0000n,
      scriptCapacity: 1n * MiB,
      relocationSize: UBOOT_RELOCATION_ESTIMATE,
      fdtAddress: 0x0260_0000n,
    },
    dtb: dtbPath
      ? { kind: 'file', path: dtbPath }
      : {
          kind: 'user',
          hint: 'pass bcm2711-rpi-4-b.dtb from the boot partition: --board-dtb bcm2711-rpi-4-b.dtb',
        },
  };
}
