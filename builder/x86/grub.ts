// grub.cfg for x86: `multiboot2` loads Xen with its command line, `module2` each module in Xen's
// order. GRUB 2 passes a module's arguments without the file name, and Xen knows it (it strips
// no first word when the loader is GRUB 2), so dom0's command line is written as is. The ramdisk
// gets --nounzip: dom0's kernel unpacks it, GRUB need not hold it twice.

import { X86Error } from './errors.js';
import type { X86BootList } from './modules.js';

const PLAIN_WORD = /^[A-Za-z0-9_.,:=/+@%^-]+$/;

/** One GRUB word: bare when safe, else single-quoted (GRUB quotes have no escapes: ' becomes '\''). */
export function grubWord(s: string, what: string): string {
  if (/[\0-\x1f\x7f]/.test(s))
    throw new X86Error('CONTROL_CHARACTER', `${what} holds a control character`, what);
  if (s !== '' && PLAIN_WORD.test(s)) return s;
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/** A command line as GRUB words: each word bare when every one is safe, else the whole as one quoted word. */
export function grubArgs(cmdline: string, what: string): string {
  if (cmdline === '') return '';
  const words = cmdline.split(' ');
  if (words.every((w) => w !== '' && PLAIN_WORD.test(w))) return ` ${words.join(' ')}`;
  return ` ${grubWord(cmdline, what)}`;
}

export interface GrubOptions {
  /** Menu entry title. */
  title: string;
  /** Maps a config path to the path GRUB reads (on the boot partition). */
  path: (p: string) => string;
  /** Xen's path when the config names no image. */
  xenFallback: string;
  header: readonly string[];
}

export function grubConfig(list: X86BootList, opts: GrubOptions): string {
  const lines = opts.header.map((h) => `# ${h}`);
  lines.push('set default=0', 'set timeout=3', '');
  lines.push(`menuentry ${grubWord(opts.title, 'title')} {`);
  const xen = list.xen !== undefined ? opts.path(list.xen) : opts.xenFallback;
  lines.push(`\tmultiboot2 ${grubWord(xen, 'xen image path')}${grubArgs(list.xenCmdline, 'xen.cmdline')}`);
  for (const m of list.modules) {
    const flag = m.kind === 'ramdisk' ? '--nounzip ' : '';
    lines.push(
      `\tmodule2 ${flag}${grubWord(opts.path(m.path), `${m.kind} path`)}${grubArgs(m.cmdline ?? '', `${m.kind} cmdline`)}`,
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
