// Whole-system facts: the Xen build itself, module counts, placeholders.
import { kconfigEnabled } from '../kconfig.js';
import { defineCheck } from './check.js';

/** MAX_MODULES in Xen: every boot module, Xen and the DTB included. */
const MAX_MODULES = 32;

export const dom0lessKconfig = defineCheck({
  id: 'dom0less-kconfig',
  title: 'Boot-time domains on Arm need CONFIG_DOM0LESS_BOOT (Xen 4.19+)',
  ref: 'xen-dt-bindings.md §8',
  run(ctx) {
    if (!ctx.kconfig || !ctx.facts.dom0lessKconfig || ctx.arch === 'x86_64') return;
    const i = ctx.config.domains.findIndex((d) => d.boot);
    if (i >= 0 && !kconfigEnabled(ctx.kconfig, 'DOM0LESS_BOOT'))
      ctx.report(
        ['domains', i],
        'this Xen build lacks CONFIG_DOM0LESS_BOOT, so it cannot build boot-time domains',
        {
          hint: 'rebuild Xen with CONFIG_DOM0LESS_BOOT=y or set boot: false',
        },
      );
  },
});

export const moduleCount = defineCheck({
  id: 'module-count',
  title: `At most ${MAX_MODULES} boot modules, Xen and the device tree included`,
  ref: 'xen-dt-bindings.md §2.1, §5 rule 4',
  run(ctx) {
    const c = ctx.config;
    let n = 2 + (c.xen.xsmPolicy ? 1 : 0);
    if (c.dom0) n += 1 + (c.dom0.ramdisk ? 1 : 0);
    for (const d of c.domains) if (d.boot) n += 1 + (d.ramdisk ? 1 : 0) + (d.passthrough?.dtb ? 1 : 0);
    if (n > MAX_MODULES)
      ctx.report(['domains'], `${n} boot modules; Xen ignores those beyond ${MAX_MODULES}`, {
        hint: 'create some domains at run time (boot: false) or share ramdisks',
      });
  },
});

export const xenImage = defineCheck({
  id: 'xen-image-missing',
  title: 'xen.image is given (else the plan uses a placeholder size)',
  severity: 'warning',
  run(ctx) {
    if (!ctx.config.xen.image)
      ctx.report(['xen'], 'no xen.image: the memory plan reserves a placeholder size for Xen', {
        hint: 'set xen.image to the Xen binary for an exact plan',
      });
  },
});
