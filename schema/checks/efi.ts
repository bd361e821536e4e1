// Arm EFI boot (boot.method: efi): Xen starts as a UEFI application from the ESP and its EFI stub
// loads every module itself, by the file name the device tree gives it (xen,uefi-binary), from
// the folder Xen was started from (docs/misc/efi.pandoc). What only U-Boot can do has no one to
// do it there, and xen.cfg, where Xen's command line goes, must be plain ASCII.

import type { FileRef, KernelRef } from '../fields.js';
import type { PathSegment } from '../source.js';
import { type CheckContext, defineCheck, eachDomain } from './check.js';

const armEfi = (ctx: CheckContext) => ctx.config.boot.method === 'efi' && ctx.arch !== 'x86_64';

export const efiUbootOnly = defineCheck({
  id: 'efi-uboot-only',
  title:
    "Arm EFI boot: no U-Boot-only loading (load commands, FIT, dynamic script, bitstream); Xen's EFI stub loads each module by file name",
  ref: 'xen docs/misc/efi.pandoc (UEFI boot and dom0less on ARM)',
  run(ctx) {
    if (!armEfi(ctx)) return;
    const b = ctx.config.boot;
    const hint =
      'Xen reads each module from the EFI system partition itself; leave it out for boot.method: efi';
    const unsupported: [keyof typeof b, string][] = [
      ['load', 'a U-Boot load command'],
      ['fit', 'a FIT image'],
      ['dynamic', 'a U-Boot script that computes addresses'],
      ['extraCommands', 'U-Boot commands'],
      ['bitstream', 'an FPGA bitstream loaded by U-Boot'],
    ];
    for (const [key, what] of unsupported) {
      const v = b[key];
      if (v === undefined || v === false || (Array.isArray(v) && v.length === 0)) continue;
      ctx.report(['boot', key], `boot.method efi: nothing runs ${what} before Xen's EFI stub`, { hint });
    }
    const refs: [PathSegment[], FileRef | KernelRef | undefined][] = [
      [['xen', 'image'], ctx.config.xen.image],
      [['xen', 'xsmPolicy'], ctx.config.xen.xsmPolicy],
      [['dom0', 'kernel'], ctx.config.dom0?.kernel],
      [['dom0', 'ramdisk'], ctx.config.dom0?.ramdisk],
    ];
    for (const [d, i] of eachDomain(ctx.config)) {
      refs.push([['domains', i, 'kernel'], d.kernel], [['domains', i, 'ramdisk'], d.ramdisk]);
      refs.push([['domains', i, 'passthrough', 'dtb'], d.passthrough?.dtb]);
    }
    for (const [path, ref] of refs)
      if (ref?.kind === 'file' && ref.load !== undefined)
        ctx.report(
          [...path, 'load'],
          `boot.method efi: "${ref.load}" would never run; the EFI stub loads this file by name`,
          {
            hint,
          },
        );
  },
});

export const efiXenCmdline = defineCheck({
  id: 'efi-xen-cmdline',
  title:
    "Arm EFI boot: Xen's command line is printable ASCII (it is written to xen.cfg, which Xen reads as ASCII)",
  ref: 'xen docs/misc/efi.pandoc (configuration file)',
  run(ctx) {
    if (!armEfi(ctx)) return;
    const bad = /[^\x20-\x7e]/.exec(ctx.config.xen.cmdline);
    if (bad)
      ctx.report(
        ['xen', 'cmdline'],
        `character ${JSON.stringify(bad[0])} at ${bad.index} cannot be written to xen.cfg (ASCII only, one line)`,
        { hint: 'use printable ASCII in xen.cmdline' },
      );
  },
});
