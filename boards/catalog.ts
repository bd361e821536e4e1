// The list of built-in boards, kept apart from resolution so `dombuild boards` loads no zod,
// YAML or QEMU code.
import { QEMU_Q35_DEFAULTS, QEMU_Q35_LIMITS } from './qemu-q35.js';
import { QEMU_VIRT_DEFAULTS } from './qemu-virt.js';
import type { Arch } from './types.js';
import { rpi4Board, zcu102Board } from './vendor.js';

export interface BoardListing {
  name: string;
  arch: Arch;
  ram: string;
  cpus: string;
  gic: string;
  needsUserDtb: boolean;
  /** The board boots without a device tree (x86: a multiboot module list). */
  noDtb?: boolean;
  description: string;
  /** Parameters `--board name:key=value,...` accepts. */
  params: string;
}

export const DEFAULT_BOARD = 'qemu-virt-arm64';

export function listBoards(): BoardListing[] {
  const d = QEMU_VIRT_DEFAULTS;
  const q = (name: string, gic: 2 | 3): BoardListing => ({
    name,
    arch: 'arm64',
    ram: `${d.ram >> 20n}M (param)`,
    cpus: `${d.cpus} (param, max ${gic === 2 ? 8 : 123})`,
    gic: `v${gic}`,
    needsUserDtb: false,
    description: `QEMU virt, Cortex-A57; DTB from QEMU dumpdtb or generated`,
    params: gic === 3 ? 'ram, cpus, gic' : 'ram, cpus',
  });
  return [
    q('qemu-virt-arm64', 3),
    q('qemu-virt-arm64-gicv2', 2),
    {
      name: 'qemu-q35-x86_64',
      arch: 'x86_64',
      ram: `${QEMU_Q35_DEFAULTS.ram >> 20n}M (param)`,
      cpus: `${QEMU_Q35_DEFAULTS.cpus} (param, max ${QEMU_Q35_LIMITS.maxCpus})`,
      gic: '-',
      needsUserDtb: false,
      noDtb: true,
      description: 'QEMU q35, qemu64 CPUs; no DTB (x86 Xen boots from a multiboot module list)',
      params: 'ram, cpus',
    },
    {
      name: 'zcu102',
      arch: 'arm64',
      ram: 'from DTB',
      cpus: 'from DTB',
      gic: 'v2',
      needsUserDtb: true,
      description: zcu102Board().description,
      params: 'dtb',
    },
    {
      name: 'rpi4',
      arch: 'arm64',
      ram: 'from DTB or param',
      cpus: 'from DTB',
      gic: 'v2',
      needsUserDtb: true,
      description: rpi4Board().description,
      params: 'dtb, ram',
    },
  ];
}
