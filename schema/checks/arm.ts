// Arm per-domain rules Xen enforces when it parses a domain node or creates the domain.
import { kconfigEnabled } from '../kconfig.js';
import { firstReleaseWith, releaseHas } from '../releases.js';
import {
  type CheckContext,
  cmdlineFlag,
  cmdlineValue,
  defineCheck,
  domainRule,
  eachDomain,
} from './check.js';

/** GUEST_VPL011_SPI: the vpl011 interrupt of a domain that is not direct-mapped. */
const GUEST_VPL011_SPI = 32;
/** Largest rounded nr_spis accepted without eSPI (domain_vgic_init). */
const MAX_SPIS = 988;

export const nrSpisLimit = defineCheck({
  id: 'nr-spis-limit',
  title: 'nr_spis, rounded up to 32, stays within the vGIC limit (988 without eSPI)',
  ref: 'xen-dt-bindings.md §5 rule 18; createdomain-abi.md §3.8',
  run(ctx) {
    const espiBuilt =
      ctx.facts.espi && ctx.kconfig !== undefined && kconfigEnabled(ctx.kconfig, 'GICV3_ESPI');
    for (const [d, i] of eachDomain(ctx.config)) {
      if (d.nrSpis === undefined) continue;
      const rounded = Math.ceil(d.nrSpis / 32) * 32;
      if (rounded > MAX_SPIS && !espiBuilt)
        ctx.report(
          ['domains', i, 'nrSpis'],
          `nrSpis ${d.nrSpis} rounds up to ${rounded}, above ${MAX_SPIS}`,
          {
            hint: ctx.facts.espi
              ? 'use at most 960, or a Xen built with CONFIG_GICV3_ESPI'
              : 'use at most 960',
          },
        );
    }
  },
});

export const vpl011Spi = defineCheck({
  id: 'vpl011-nr-spis',
  title: 'With vpl011 and an explicit nrSpis, the UART interrupt fits in the SPIs',
  ref: 'xen-dt-bindings.md §1.1 vpl011, nr_spis',
  run(ctx) {
    for (const [d, i] of eachDomain(ctx.config)) {
      if (!d.vpl011 || d.nrSpis === undefined) continue;
      const irq = d.directMap ? ctx.board?.uart?.irq : GUEST_VPL011_SPI;
      if (irq === undefined) continue;
      const need = irq - 32 + 1;
      if (d.nrSpis < need)
        ctx.report(
          ['domains', i, 'nrSpis'],
          `vpl011 uses SPI ${irq}, which needs nrSpis of at least ${need}`,
          {
            hint: `set nrSpis: ${Math.ceil(need / 32) * 32} or leave it out so Xen sizes it`,
          },
        );
    }
  },
});

export const directMapUartIrq = domainRule({
  id: 'direct-map-uart-irq',
  title: 'A direct-mapped domain without nrSpis needs a board UART interrupt Xen can find',
  ref: 'xen-dt-bindings.md §5 rule 16',
  applies: (ctx) => ctx.board !== undefined && ctx.board.uart === undefined,
  field: 'directMap',
  when: (d) => Boolean(d.boot && d.directMap && d.nrSpis === undefined),
  message: (_d, ctx) =>
    `${ctx.board?.name} has no UART interrupt for Xen to size a direct-mapped domain's SPIs`,
  hint: 'set nrSpis on this domain',
});

export const sveLength = defineCheck({
  id: 'sve-length',
  title: 'sve is a multiple of 128 bits and at most what the CPUs implement',
  ref: 'xen-dt-bindings.md §5 rules 14, 19',
  run(ctx) {
    const hw = ctx.board?.sveMaxBits;
    for (const [d, i] of eachDomain(ctx.config)) {
      if (d.sve === undefined) continue;
      if (d.sve === 'max') {
        if (hw === 0)
          ctx.report(['domains', i, 'sve'], `${ctx.board!.name} has no SVE`, { hint: 'remove sve' });
        continue;
      }
      if (d.sve % 128 !== 0)
        ctx.report(['domains', i, 'sve'], `sve ${d.sve} is not a multiple of 128`, {
          hint: 'use 128, 256, ... 2048',
        });
      else if (hw !== undefined && d.sve > hw)
        ctx.report(
          ['domains', i, 'sve'],
          `sve ${d.sve} is above the ${hw} bits ${ctx.board!.name} implements`,
          {
            hint: hw ? `use at most ${hw}, or "max"` : 'remove sve',
          },
        );
    }
  },
});

export const llcColoringOn = defineCheck({
  id: 'llc-coloring-on',
  title: 'LLC colours are only given when Xen runs with llc-coloring=on',
  ref: 'xen-dt-bindings.md §5 rule 11, §6',
  run(ctx) {
    if (cmdlineFlag(ctx.config.xen.cmdline, 'llc-coloring')) return;
    const hint = 'add llc-coloring=on to xen.cmdline';
    if (ctx.config.xen.llcColors)
      ctx.report(['xen', 'llcColors'], 'xen.llcColors needs llc-coloring=on', { hint });
    if (ctx.config.dom0?.llcColors)
      ctx.report(['dom0', 'llcColors'], 'dom0.llcColors needs llc-coloring=on', { hint });
    for (const [d, i] of eachDomain(ctx.config))
      if (d.llcColors)
        ctx.report(
          ['domains', i, 'llcColors'],
          'llcColors needs Xen to run with llc-coloring=on; Xen would panic',
          { hint },
        );
  },
});

export const sciCmdline = domainRule({
  id: 'sci-scmi-smc',
  title: 'sci: scmi-smc needs scmi-smc-passthrough on the Xen command line',
  ref: 'xen-dt-bindings.md §1.1 xen,sci_type, §6',
  applies: (ctx) => !cmdlineFlag(ctx.config.xen.cmdline, 'scmi-smc-passthrough'),
  field: 'sci',
  when: (d) => d.sci === 'scmi-smc',
  message: 'sci: scmi-smc needs scmi-smc-passthrough on the Xen command line',
  hint: 'add scmi-smc-passthrough to xen.cmdline',
});

export const v8rMpu = domainRule({
  id: 'v8r-mpu',
  title: 'v8rEl1Msa: mpu needs staticMemory and directMap',
  ref: 'xen-dt-bindings.md §5 rule 13',
  field: 'v8rEl1Msa',
  when: (d) => d.v8rEl1Msa === 'mpu' && (!d.staticMemory || !d.directMap),
  message: 'an MPU (PMSA) guest must have staticMemory and directMap',
  hint: 'add staticMemory and directMap: true',
});

/** Xen's gnttab=max-ver, else its default: 1 on Arm, 2 on x86 (and when the arch is unknown). */
function grantMaxVersion(ctx: CheckContext): number {
  const m = /max-ver:(\d)/.exec(cmdlineValue(ctx.config.xen.cmdline, 'gnttab') ?? '');
  return m ? Number(m[1]) : ctx.arch === 'x86_64' ? 2 : ctx.arch === undefined ? 2 : 1;
}

export const grantVersionMax = domainRule({
  id: 'grant-version-max',
  title: "grantVersion is at most Xen's gnttab=max-ver (1 on Arm, 2 on x86 by default)",
  ref: 'xen-dt-bindings.md §5 rule 20; createdomain-abi.md §3.3',
  field: 'grantVersion',
  when: (d, ctx) => d.grantVersion !== undefined && d.grantVersion > grantMaxVersion(ctx),
  message: (d, ctx) => `grantVersion ${d.grantVersion} is above Xen's maximum of ${grantMaxVersion(ctx)}`,
  hint: (d, ctx) => `use ${grantMaxVersion(ctx)}, or add gnttab=max-ver:${d.grantVersion} to xen.cmdline`,
});

/** The vGIC's vCPU limit: 8 with GICv2, 128 with GICv3 (or when the board does not say). */
const vgicMaxVcpus = (ctx: CheckContext) => (ctx.board?.gic?.version === 2 ? 8 : 128);

export const vcpusLimit = domainRule({
  id: 'vcpus-limit',
  title: 'vcpus is within the virtual GIC limit (8 with GICv2, 128 with GICv3)',
  ref: 'xen-dt-bindings.md §5 rule 17',
  applies: (ctx) => ctx.arch !== 'x86_64',
  field: 'vcpus',
  when: (d, ctx) => d.vcpus > vgicMaxVcpus(ctx),
  message: (d, ctx) => {
    const gic = ctx.board?.gic?.version;
    return `${d.vcpus} vCPUs is above the limit of ${vgicMaxVcpus(ctx)}${gic ? ` for GICv${gic}` : ''}`;
  },
  hint: (_d, ctx) => `use at most ${vgicMaxVcpus(ctx)}`,
});

export const dtuartAlias = defineCheck({
  id: 'dtuart-alias',
  title: "A dtuart= that names an alias (not a /path) names one the board DTB's /aliases has",
  severity: 'warning',
  ref: 'xen-dt-bindings.md §6 (console=dtuart, dtuart=<path/alias>)',
  run(ctx) {
    const known = ctx.board?.aliases;
    const value = cmdlineValue(ctx.config.xen.cmdline, 'dtuart');
    if (known === undefined || value === undefined) return;
    // Xen splits off ":options", then looks a leading "/" up as a path and anything else as an alias.
    const spec = value.split(':')[0]!;
    if (spec === '' || spec.startsWith('/') || known.includes(spec)) return;
    const uart = ctx.board?.uart?.path;
    ctx.report(
      ['xen', 'cmdline'],
      `dtuart=${spec} names an alias the board's device tree does not have: Xen finds no console and prints nothing`,
      {
        hint: uart?.startsWith('/')
          ? `use dtuart=${uart}`
          : 'give the UART by its device-tree path (dtuart=/...)',
      },
    );
  },
});

export const passthroughIommu = domainRule({
  id: 'passthrough-iommu',
  title: 'iommu: false is not combined with a partial device tree (Xen turns the IOMMU on anyway)',
  severity: 'warning',
  ref: 'xen-dt-bindings.md §7 item 4',
  field: 'iommu',
  when: (d) => Boolean(d.iommu === false && d.passthrough?.dtb),
  message: 'a partial device tree makes Xen use the IOMMU even with iommu: false',
  hint: 'remove iommu: false',
});

export const passthroughIrqs = defineCheck({
  id: 'passthrough-irqs',
  title: "Passed-through interrupts are SPIs the board's GIC implements",
  ref: 'xen-dt-bindings.md §3.6 (IRQs routed 1:1)',
  run(ctx) {
    const max = ctx.board?.gic?.maxSpis;
    for (const [d, i] of eachDomain(ctx.config))
      d.passthrough?.irqs?.forEach((irq, j) => {
        if (irq < 32)
          ctx.report(
            ['domains', i, 'passthrough', 'irqs', j],
            `interrupt ${irq} is an SGI or PPI and cannot be routed to a guest`,
            {
              hint: 'give the SPI number as in the host device tree plus 32',
            },
          );
        else if (max !== undefined && irq >= 32 + max)
          ctx.report(
            ['domains', i, 'passthrough', 'irqs', j],
            `interrupt ${irq} is beyond the ${max} SPIs of ${ctx.board!.name}`,
            {
              hint: `use an interrupt from 32 to ${31 + max}`,
            },
          );
      });
  },
});

const LLC_SINCE = firstReleaseWith('llcColoring');

export const systemLlcColors = defineCheck({
  id: 'system-llc-colors',
  title: `Xen and dom0 LLC colours need Xen ${LLC_SINCE} and CONFIG_LLC_COLORING`,
  ref: 'xen-dt-bindings.md §6, §8',
  run(ctx) {
    const where: (['xen', 'llcColors'] | ['dom0', 'llcColors'])[] = [];
    if (ctx.config.xen.llcColors) where.push(['xen', 'llcColors']);
    if (ctx.config.dom0?.llcColors) where.push(['dom0', 'llcColors']);
    for (const path of where) {
      if (!releaseHas(ctx.release, 'llcColoring'))
        ctx.report(path, `LLC colouring needs Xen ${LLC_SINCE} or later; the target is ${ctx.release}`, {
          hint: `raise xen.release to "${LLC_SINCE}" or remove the colours`,
        });
      else if (ctx.kconfig && !kconfigEnabled(ctx.kconfig, 'LLC_COLORING'))
        ctx.report(path, 'this Xen build lacks CONFIG_LLC_COLORING', {
          hint: 'rebuild Xen with CONFIG_LLC_COLORING=y',
        });
    }
  },
});
