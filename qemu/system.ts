// From a built system (board, plan, output folder) to a QEMU boot: the direct loader's module list,
// or a TFTP root for U-Boot holding every file the script loads; and the per-domain expectations a
// config implies. Xen numbers dom0less domains in the order of /chosen, so the order read back
// from system.dtb gives each domain its `DOMn` id.
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Board } from '../boards/types.js';
import { generatedFileName, OUTPUT_FILES } from '../builder/emit-system.js';
import { defaultProbeMarker } from '../builder/image-files.js';
import type { BootPlan, PlannedImage } from '../builder/plan/types.js';
import { readDtb } from '../devicetree/dtb.js';
import { read } from '../devicetree/tree.js';
import type { Config } from '../schema/config.js';
import { type ArmDirectBoot, type ArmDiskBoot, type ArmUbootBoot, UBOOT_DHCP_SCRIPT } from './argv.js';
import type { Expectation } from './console.js';
import { QemuError } from './errors.js';

const MODULE_ROLES = new Set<PlannedImage['role']>(['kernel', 'ramdisk', 'device-tree', 'xsm-policy']);

/** Where an image's bytes are: its source file, or the copy `build` wrote into the output folder. */
export function imageFile(img: PlannedImage, outDir: string): string {
  return img.file ?? join(outDir, generatedFileName(img.name, img.role));
}

function machineOf(board: Board): { arch: 'arm64'; args: string[] } {
  if (board.arch !== 'arm64' || !board.qemu) {
    throw new QemuError(
      'BAD_SPEC',
      `board ${board.name} (${board.arch}) has no arm64 QEMU emulation`,
      'board',
    );
  }
  return { arch: 'arm64', args: board.qemu.args };
}

function xenFile(plan: BootPlan): string {
  const xen = plan.images.find((i) => i.role === 'xen');
  if (!xen?.file || xen.placeholder) {
    throw new QemuError(
      'BAD_SPEC',
      'the plan has no Xen image file',
      'xen.image',
      'set xen.image or let `run` supply the cached Xen',
    );
  }
  return xen.file;
}

/** QEMU loads Xen as the kernel, system.dtb, and every module at its planned address. */
export function directBootSpec(board: Board, plan: BootPlan, outDir: string): ArmDirectBoot {
  if (plan.method !== 'direct')
    throw new QemuError('BAD_SPEC', `the plan is for ${plan.method}, not direct`, 'boot.method');
  return {
    method: 'direct',
    machine: machineOf(board),
    xen: xenFile(plan),
    dtb: join(outDir, OUTPUT_FILES.systemDtb),
    modules: plan.images
      .filter((i) => MODULE_ROLES.has(i.role))
      .map((i) => ({ file: imageFile(i, outDir), addr: i.address })),
  };
}

const LOAD_LINE = /^\s*(?:tftpb|tftpboot|tftp)\s+(0x[0-9a-fA-F]+)\s+'([^']+)'/;

/**
 * Makes `outDir` the TFTP root: the script image under the name U-Boot's DHCP boot asks for, and a
 * link for every file boot.source loads that is not already there (Xen and user images live
 * outside). Files are matched to plan images by load address, the one thing both agree on.
 */
export function prepareTftpRoot(board: Board, plan: BootPlan, outDir: string): ArmUbootBoot {
  if (plan.method !== 'uboot')
    throw new QemuError('BAD_SPEC', `the plan is for ${plan.method}, not uboot`, 'boot.method');
  const firmware = board.qemu?.ubootBinary;
  if (!firmware) throw new QemuError('BAD_SPEC', `board ${board.name} names no U-Boot for QEMU`, 'board');
  const scr = join(outDir, OUTPUT_FILES.bootScr);
  const source = join(outDir, OUTPUT_FILES.bootSource);
  if (!existsSync(scr) || !existsSync(source)) {
    throw new QemuError('BAD_SPEC', 'the build wrote no boot.scr/boot.source', outDir);
  }
  writeFileSync(join(outDir, UBOOT_DHCP_SCRIPT), readFileSync(scr));
  const byAddress = new Map(plan.images.map((i) => [i.address, i]));
  for (const line of readFileSync(source, 'utf8').split('\n')) {
    const m = LOAD_LINE.exec(line);
    if (!m) continue;
    const name = m[2] as string;
    if (name.includes('/') || existsSync(join(outDir, name))) continue;
    const img = byAddress.get(BigInt(m[1] as string));
    const file = img ? imageFile(img, outDir) : undefined;
    if (!file || !existsSync(file)) {
      throw new QemuError(
        'MISSING_ASSET',
        `boot.source loads '${name}', which no planned image provides`,
        source,
      );
    }
    symlinkSync(file, join(outDir, name));
  }
  return { method: 'uboot', machine: machineOf(board), firmware, tftpRoot: outDir };
}

/** U-Boot boots disk.img from the output folder by itself (its distro boot finds /boot.scr). */
export function diskBootSpec(board: Board, plan: BootPlan, outDir: string): ArmDiskBoot {
  if (plan.method !== 'uboot')
    throw new QemuError('BAD_SPEC', `the plan is for ${plan.method}, not uboot`, 'boot.method');
  const firmware = board.qemu?.ubootBinary;
  if (!firmware) throw new QemuError('BAD_SPEC', `board ${board.name} names no U-Boot for QEMU`, 'board');
  const disk = join(outDir, OUTPUT_FILES.diskImg);
  if (!existsSync(disk)) throw new QemuError('BAD_SPEC', 'the build wrote no disk.img', outDir);
  return { method: 'disk', machine: machineOf(board), firmware, disk };
}

/** The UEFI firmware (EDK2) Debian's qemu-efi-aarch64 ships for QEMU's arm64 virt machine. */
export const EDK2_QEMU_ARM64 = '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd';

/** EDK2 boots efi.img from its removable-media path, EFI/BOOT/BOOTAA64.EFI, which is Xen. */
export function efiBootSpec(board: Board, outDir: string, firmware = EDK2_QEMU_ARM64): ArmDiskBoot {
  const disk = join(outDir, OUTPUT_FILES.efiImg);
  if (!existsSync(disk)) throw new QemuError('BAD_SPEC', 'the build wrote no efi.img', outDir);
  if (!existsSync(firmware))
    throw new QemuError(
      'MISSING_ASSET',
      `no UEFI firmware at ${firmware}`,
      'firmware',
      'apt-get install qemu-efi-aarch64',
    );
  return { method: 'disk', machine: machineOf(board), firmware, disk };
}

/** The dom0less domains of a system.dtb in /chosen order: Xen gives them domid 1, 2, ... */
export function dom0lessOrder(systemDtb: Uint8Array): string[] {
  const chosen = readDtb(systemDtb).lookup('/chosen');
  if (!chosen) return [];
  return chosen.children
    .filter((n) => {
      const c = n.prop('compatible');
      return c !== undefined && read.strings(c).includes('xen,domain');
    })
    .map((n) => n.name);
}

export interface DomainExpectations {
  expectations: Expectation[];
  /** Boot-time domains nothing is expected from (no probe kernel, no --expect): the caller decides. */
  unwatched: string[];
}

/**
 * A probe guest is expected to print its marker; any domain may be given a text or regex instead
 * (`extra`, e.g. from `--expect`). Domids come from the order in system.dtb.
 */
export function domainExpectations(
  config: Config,
  systemDtb: Uint8Array,
  extra: ReadonlyMap<string, string | RegExp> = new Map(),
): DomainExpectations {
  const order = dom0lessOrder(systemDtb);
  const expectations: Expectation[] = [];
  const unwatched: string[] = [];
  for (const name of extra.keys()) {
    if (!config.domains.some((d) => d.name === name && d.boot) && !(name === 'dom0' && config.dom0)) {
      throw new QemuError('BAD_SPEC', `no boot-time domain named ${name}`, `--expect ${name}`);
    }
  }
  const push = (domain: string, match: string | RegExp) => {
    const e: Expectation = { domain, match };
    const at = order.indexOf(domain);
    if (at >= 0) e.domid = at + 1;
    else if (domain === 'dom0') e.domid = 0;
    expectations.push(e);
  };
  if (config.dom0) {
    const m = extra.get('dom0');
    if (m !== undefined) push('dom0', m);
    else unwatched.push('dom0');
  }
  for (const d of config.domains) {
    if (!d.boot) continue;
    const m =
      extra.get(d.name) ??
      (d.kernel.kind === 'probe' ? (d.kernel.marker ?? defaultProbeMarker(d.name)) : undefined);
    if (m !== undefined) push(d.name, m);
    else unwatched.push(d.name);
  }
  return { expectations, unwatched };
}
