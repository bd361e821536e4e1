// What x86 Xen boots today: one multiboot module list. Xen takes the first module as dom0's
// kernel (its string is dom0's command line), claims the XSM policy and the microcode by content
// (or by `ucode=<index>`), and uses the first module left unclaimed as dom0's initrd — so the
// order written here is kernel, ramdisk, XSM policy (xen/arch/x86/setup.c, docs/misc/xen-command-line).
// Every x86 boot path (GRUB, EFI xen.cfg, QEMU's multiboot loader) is printed from this one list.
import type { Config } from '../../schema/config.js';
import type { Diagnostic } from '../../schema/diagnostic.js';

const MiB = 1n << 20n;

export type X86ModuleKind = 'kernel' | 'ramdisk' | 'xsm-policy';

export interface X86Module {
  kind: X86ModuleKind;
  /** The path as the config gives it (relative to the config's folder, or absolute). */
  path: string;
  /** Only dom0's kernel has one: dom0's command line. */
  cmdline?: string;
}

export interface X86BootList {
  /** Xen's image as the config names it; undefined when the config gives none. */
  xen?: string;
  /** Xen's command line, with dom0's memory, vCPUs and type folded in. */
  xenCmdline: string;
  /** In Xen's order. */
  modules: X86Module[];
}

/** Xen's x86 command line: the config's, plus what the dom0 settings mean (unless already given). */
export function x86XenCmdline(config: Config): string {
  const given = config.xen.cmdline.trim();
  const words = given === '' ? [] : [given];
  const has = (opt: string) => new RegExp(`(^|\\s)${opt}=`).test(given);
  const dom0 = config.dom0;
  if (dom0?.memory !== undefined && !has('dom0_mem')) {
    const m = dom0.memory;
    words.push(`dom0_mem=${m % MiB === 0n ? `${m / MiB}M` : `${(m + 1023n) / 1024n}K`}`);
  }
  if (dom0?.vcpus !== undefined && !has('dom0_max_vcpus')) words.push(`dom0_max_vcpus=${dom0.vcpus}`);
  if (dom0?.type === 'pvh' && !has('dom0')) words.push('dom0=pvh');
  return words.join(' ');
}

export function x86BootList(config: Config, diagnostics: Diagnostic[] = []): X86BootList {
  const list: X86BootList = { xenCmdline: x86XenCmdline(config), modules: [] };
  if (config.xen.image) list.xen = config.xen.image.path;
  config.domains.forEach((d, i) => {
    if (!d.boot) return;
    diagnostics.push({
      id: 'x86-boot-domain',
      severity: 'warning',
      message: `${d.name}: x86 Xen releases build no domain but dom0 at boot; it is left out of the module list`,
      path: `domains[${i}].boot`,
      hint: 'set boot: false (xl creates it from dom0), or see --hyperlaunch (experimental)',
    });
  });
  const dom0 = config.dom0;
  if (!dom0) {
    diagnostics.push({
      id: 'x86-no-dom0',
      severity: 'error',
      message: 'x86 Xen builds exactly one domain at boot, dom0, and the config has none',
      path: 'dom0',
      hint: 'add dom0: { kernel, ramdisk, cmdline }',
    });
    return list;
  }
  list.modules.push({
    kind: 'kernel',
    path: dom0.kernel.path,
    ...(dom0.cmdline ? { cmdline: dom0.cmdline } : {}),
  });
  if (dom0.ramdisk) list.modules.push({ kind: 'ramdisk', path: dom0.ramdisk.path });
  if (config.xen.xsmPolicy) list.modules.push({ kind: 'xsm-policy', path: config.xen.xsmPolicy.path });
  return list;
}
