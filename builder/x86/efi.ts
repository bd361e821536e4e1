// xen.cfg for Xen's own EFI loader (xen.efi): a [global] section naming the default section,
// whose `options` is Xen's command line and `kernel` is dom0's kernel followed by its command
// line. Xen's reader (xen/common/efi/boot.c pre_parse) ends a line at any control character,
// starts a comment at '#' anywhere and at ';' first on a line, and ignores a last line without a
// newline; values that would be cut are refused. File names are relative to xen.efi's folder.
import { X86Error } from './errors.js';
import type { X86BootList } from './modules.js';

const KEYS = { kernel: 'kernel', ramdisk: 'ramdisk', 'xsm-policy': 'xsm' } as const;

function efiValue(v: string, what: string): string {
  if (/[\0-\x1f\x7f]/.test(v))
    throw new X86Error('CONTROL_CHARACTER', `${what} holds a control character`, what);
  if (v.includes('#'))
    throw new X86Error('EFI_COMMENT', `${what} holds '#', which starts a comment in xen.cfg`, what);
  return v.trim();
}

export interface EfiOptions {
  section: string;
  path: (p: string) => string;
  header: readonly string[];
}

export function efiConfig(list: X86BootList, opts: EfiOptions): string {
  const lines = opts.header.map((h) => `# ${h}`);
  lines.push('[global]', `default=${opts.section}`, '', `[${opts.section}]`);
  lines.push(`options=${efiValue(list.xenCmdline, 'xen.cmdline')}`);
  for (const m of list.modules) {
    const file = efiValue(opts.path(m.path), `${m.kind} path`);
    if (/\s/.test(file))
      throw new X86Error('EFI_SPACE_IN_PATH', `${m.kind} path "${file}" holds a space`, `${m.kind} path`);
    const args = m.cmdline ? ` ${efiValue(m.cmdline, 'dom0.cmdline')}` : '';
    lines.push(`${KEYS[m.kind]}=${file}${args}`);
  }
  return `${lines.join('\n')}\n`;
}
