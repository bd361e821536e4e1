// emitX86Boot: config → every x86 boot file from one module list (modules.ts): grub.cfg, EFI
// xen.cfg, QEMU's multiboot arguments, and on request the EXPERIMENTAL hyperlaunch tree.
// x86 loaders place the modules themselves, so no load address from the plan is needed.
import { isAbsolute, posix, resolve } from 'node:path';
import type { Config } from '../../schema/config.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import type { BootPlan } from '../plan/types.js';
import { efiConfig } from './efi.js';
import { X86Error } from './errors.js';
import { grubConfig } from './grub.js';
import { type Hyperlaunch, hyperlaunchTree } from './hyperlaunch.js';
import { type X86BootList, x86BootList } from './modules.js';
import { qemuMultiboot, type X86QemuBoot } from './qemu.js';

export { X86Error, type X86ErrorCode } from './errors.js';
export { grubArgs, grubWord } from './grub.js';
export { HYPERLAUNCH_STATUS, type Hyperlaunch } from './hyperlaunch.js';
export { type X86BootList, type X86Module, x86BootList, x86XenCmdline } from './modules.js';
export type { X86QemuBoot } from './qemu.js';

export interface X86BootOptions {
  /** Folder the config's relative paths start from (for QEMU's file names); default: as written. */
  configDir?: string;
  /** Xen's multiboot ELF for QEMU when the config names none (e.g. the cached Debian Xen). */
  xenFile?: string;
  /** Overrides a module's file for QEMU, by config path (e.g. the runner's unpacked kernel). */
  qemuFiles?: Readonly<Record<string, string>>;
  /** Build QEMU's multiboot arguments (default true; the build's output folder does not need them). */
  qemu?: boolean;
  /** Also build the EXPERIMENTAL hyperlaunch tree. */
  hyperlaunch?: boolean;
  /** Problems found; a file that cannot express a value is left out. */
  diagnostics?: Diagnostic[];
}

export interface X86BootResult {
  'grub.cfg'?: string;
  'xen.cfg'?: string;
  qemu?: X86QemuBoot;
  hyperlaunch?: Hyperlaunch;
  list: X86BootList;
}

const EFI_SECTION = 'dombuild';

/** A config path as GRUB reads it from the boot partition: absolute, '/'-separated. */
function grubPath(p: string): string {
  const n = posix.normalize(p.replace(/\\/g, '/'));
  return n.startsWith('/') ? n : `/${n.replace(/^\.\//, '')}`;
}

export function emitX86Boot(config: Config, plan?: BootPlan, opts: X86BootOptions = {}): X86BootResult {
  const diags = opts.diagnostics ?? [];
  if (plan && plan.board.arch !== 'x86_64') {
    diags.push({
      id: 'x86-wrong-arch',
      severity: 'error',
      message: `the plan is for ${plan.board.arch}`,
      path: 'board',
    });
  }
  const list = x86BootList(config, diags);
  const result: X86BootResult = { list };
  if (!config.dom0) return result;
  const header = [
    `dombuild: Xen ${config.xen.release} x86_64, dom0 and its modules`,
    'generated; edit the dombuild config, not this file',
  ];
  const attempt = <T>(file: string, f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof X86Error)) throw e;
      diags.push({
        id: `x86-${e.code.toLowerCase().replace(/_/g, '-')}`,
        severity: 'error',
        message: `${file}: ${e.message}`,
        path: e.where.startsWith('xen') ? 'xen.cmdline' : 'dom0',
      });
      return undefined;
    }
  };
  const grub = attempt('grub.cfg', () =>
    grubConfig(list, {
      title: `Xen ${config.xen.release} (dombuild)`,
      path: grubPath,
      xenFallback: '/xen.gz',
      header,
    }),
  );
  if (grub !== undefined) result['grub.cfg'] = grub;
  const efi = attempt('xen.cfg', () =>
    efiConfig(list, { section: EFI_SECTION, path: (p) => posix.normalize(p.replace(/\\/g, '/')), header }),
  );
  if (efi !== undefined) result['xen.cfg'] = efi;

  const onDisk = (p: string) =>
    opts.qemuFiles?.[p] ?? (opts.configDir && !isAbsolute(p) ? resolve(opts.configDir, p) : p);
  const xen = opts.xenFile ?? (list.xen !== undefined ? onDisk(list.xen) : undefined);
  if (opts.qemu === false) {
    // not wanted
  } else if (xen === undefined) {
    diags.push({
      id: 'x86-no-xen-image',
      severity: 'warning',
      message: "QEMU's multiboot arguments need Xen's file; the config names none",
      path: 'xen.image',
      hint: 'set xen.image to the multiboot ELF (zcat xen-4.17-amd64.gz > xen)',
    });
  } else {
    const q = attempt('QEMU -initrd', () => qemuMultiboot(list, { xen, path: onDisk }));
    if (q) result.qemu = q;
  }
  if (opts.hyperlaunch) {
    const h = hyperlaunchTree(config, list);
    if (h) result.hyperlaunch = h;
  }
  return result;
}
