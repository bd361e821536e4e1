// QEMU's multiboot (v1) loader: `-kernel xen -append "<xen cmdline>" -initrd "file args,file"`.
// QEMU splits -initrd at single commas (",," is a literal comma, QEMU's option-value escaping)
// and each entry at its first space into file name and the module's string, which then starts
// with the file name — Xen drops that first word for loaders other than GRUB 2.
import { X86Error } from './errors.js';
import type { X86BootList } from './modules.js';

export interface X86QemuBoot {
  /** Xen's multiboot ELF (QEMU's -kernel). */
  kernel: string;
  /** Xen's command line (QEMU's -append). */
  append: string;
  /** The modules as QEMU's runner takes them: file and optional string, in Xen's order. */
  modules: { file: string; cmdline?: string }[];
  /** QEMU's -initrd value, escaped. */
  initrd: string;
  /** -kernel, -append and (with modules) -initrd, ready to append to the machine's flags. */
  args: string[];
}

/** QEMU option-value escaping: a comma inside a value is doubled. */
function optValue(v: string): string {
  return v.replaceAll(',', ',,');
}

export function qemuMultiboot(
  list: X86BootList,
  files: { xen: string; path: (p: string) => string },
): X86QemuBoot {
  const modules = list.modules.map((m) => {
    const file = files.path(m.path);
    if (/\s/.test(file))
      throw new X86Error('QEMU_SPACE_IN_PATH', `${m.kind} path "${file}" holds whitespace`, `${m.kind} path`);
    if (/[\0-\x1f\x7f]/.test(m.cmdline ?? ''))
      throw new X86Error('CONTROL_CHARACTER', 'dom0.cmdline holds a control character', 'dom0.cmdline');
    return m.cmdline ? { file, cmdline: m.cmdline } : { file };
  });
  if (/[\0-\x1f\x7f]/.test(list.xenCmdline))
    throw new X86Error('CONTROL_CHARACTER', 'xen.cmdline holds a control character', 'xen.cmdline');
  const initrd = modules.map((m) => optValue(m.cmdline ? `${m.file} ${m.cmdline}` : m.file)).join(',');
  const args = ['-kernel', files.xen, '-append', list.xenCmdline];
  if (modules.length > 0) args.push('-initrd', initrd);
  return { kernel: files.xen, append: list.xenCmdline, modules, initrd, args };
}
