// Strings that reach Xen or a U-Boot script: Xen's command-line limit, and the alphabet the U-Boot
// emitter can quote for hush (printable ASCII without ' and \; one rule in schema/uboot-strings.ts).
import { MAX_CMDLINE } from '../config.js';
import type { FileRef, KernelRef } from '../fields.js';
import type { PathSegment } from '../source.js';
import { isUbootSafe } from '../uboot-strings.js';
import { type CheckContext, defineCheck, eachDomain } from './check.js';

const PLAIN_WORDS = /^[A-Za-z_][A-Za-z0-9_.-]*( [A-Za-z0-9_.,:+/@%=-]+)*$/;

interface Str {
  path: PathSegment[];
  value: string;
}

function cmdlines(ctx: CheckContext): Str[] {
  const out: Str[] = [{ path: ['xen', 'cmdline'], value: ctx.config.xen.cmdline }];
  if (ctx.config.dom0?.cmdline !== undefined)
    out.push({ path: ['dom0', 'cmdline'], value: ctx.config.dom0.cmdline });
  for (const [d, i] of eachDomain(ctx.config))
    if (d.cmdline !== undefined) out.push({ path: ['domains', i, 'cmdline'], value: d.cmdline });
  return out;
}

function refs(ctx: CheckContext): { path: PathSegment[]; ref: FileRef | KernelRef }[] {
  const c = ctx.config;
  const out: { path: PathSegment[]; ref: FileRef | KernelRef }[] = [];
  const add = (path: PathSegment[], ref: FileRef | KernelRef | undefined) => {
    if (ref) out.push({ path, ref });
  };
  add(['xen', 'image'], c.xen.image);
  add(['xen', 'xsmPolicy'], c.xen.xsmPolicy);
  add(['dom0', 'kernel'], c.dom0?.kernel);
  add(['dom0', 'ramdisk'], c.dom0?.ramdisk);
  add(['boot', 'bitstream'], c.boot.bitstream);
  c.boot.overlays?.forEach((o, j) => {
    add(['boot', 'overlays', j], o);
  });
  for (const [d, i] of eachDomain(c)) {
    add(['domains', i, 'kernel'], d.kernel);
    add(['domains', i, 'ramdisk'], d.ramdisk);
    add(['domains', i, 'passthrough', 'dtb'], d.passthrough?.dtb);
  }
  return out;
}

export const cmdlineLength = defineCheck({
  id: 'cmdline-length',
  title: `Command lines are at most ${MAX_CMDLINE} characters (Xen's BOOTMOD_MAX_CMDLINE)`,
  ref: 'xen-dt-bindings.md §5 rule 1',
  run(ctx) {
    for (const s of cmdlines(ctx))
      if (s.value.length > MAX_CMDLINE)
        ctx.report(s.path, `command line is ${s.value.length} characters; Xen takes at most ${MAX_CMDLINE}`, {
          hint: 'shorten it',
        });
  },
});

export const ubootSafeStrings = defineCheck({
  id: 'uboot-safe-string',
  title: 'Strings that reach the U-Boot script are printable ASCII without single quotes or backslashes',
  ref: 'schema/uboot-strings.ts (hush quoting)',
  run(ctx) {
    if (ctx.config.boot.method !== 'uboot') return;
    const hint = "use printable ASCII (no control characters, no non-ASCII, no ' or \\)";
    for (const s of cmdlines(ctx))
      if (!isUbootSafe(s.value))
        ctx.report(s.path, 'this command line cannot be quoted safely for U-Boot', { hint });
    for (const r of refs(ctx)) {
      if (r.ref.kind !== 'file') continue;
      if (!isUbootSafe(r.ref.path) || /\s/.test(r.ref.path))
        ctx.report(r.path, 'this file name cannot be used safely in a U-Boot script', {
          hint: "rename the file: printable ASCII without spaces, ' or \\",
        });
    }
    ctx.config.boot.extraCommands?.forEach((cmd, j) => {
      if (!/^[\x20-\x7e]*$/.test(cmd))
        ctx.report(
          ['boot', 'extraCommands', j],
          'an extra U-Boot command must be one line of printable ASCII',
          {
            hint: 'put each command in its own list item',
          },
        );
    });
    for (const [d, i] of eachDomain(ctx.config))
      d.passthrough?.devices?.forEach((p, j) => {
        if (!isUbootSafe(p))
          ctx.report(['domains', i, 'passthrough', 'devices', j], 'this path cannot be quoted for U-Boot', {
            hint,
          });
      });
  },
});

export const ubootLoadCommand = defineCheck({
  id: 'uboot-load-command',
  title: 'Load commands are plain U-Boot words ("tftpb", "load mmc 0:1")',
  ref: 'builder/uboot/quote.ts (ubootCommandWords)',
  run(ctx) {
    if (ctx.config.boot.method !== 'uboot') return;
    const hint = 'letters, digits and _.,:+/@%=- only, words separated by single spaces';
    const load = ctx.config.boot.load;
    if (load !== undefined && !PLAIN_WORDS.test(load))
      ctx.report(['boot', 'load'], `"${load}" is not a plain U-Boot command`, { hint });
    for (const r of refs(ctx))
      if (r.ref.kind === 'file' && r.ref.load !== undefined && !PLAIN_WORDS.test(r.ref.load))
        ctx.report([...r.path, 'load'], `"${r.ref.load}" is not a plain U-Boot command`, { hint });
  },
});
