// Boot-time cpupools and vCPU affinity.
import { kconfigEnabled } from '../kconfig.js';
import { type CheckContext, cmdlineValue, defineCheck, domainRule, eachDomain } from './check.js';

function cpuCount(ctx: { board: { cpuIds: number[] } | undefined }): number | undefined {
  return ctx.board?.cpuIds.length;
}

export const cpupoolCpus = defineCheck({
  id: 'cpupool-cpus',
  title: 'Each cpupool has CPUs, each CPU is in one pool, and the CPUs exist on the board',
  ref: 'xen-dt-bindings.md §3.1',
  run(ctx) {
    const owner = new Map<number, string>();
    const n = cpuCount(ctx);
    ctx.config.cpupools.forEach((p, i) => {
      if (p.cpus.length === 0)
        ctx.report(['cpupools', i, 'cpus'], `cpupool ${p.name} has no CPUs`, {
          hint: 'list at least one CPU',
        });
      for (const c of p.cpus) {
        const o = owner.get(c);
        if (o !== undefined)
          ctx.report(['cpupools', i, 'cpus'], `CPU ${c} is already in cpupool ${o}`, {
            hint: 'put each CPU in one pool',
          });
        else owner.set(c, p.name);
        if (n !== undefined && c >= n)
          ctx.report(['cpupools', i, 'cpus'], `CPU ${c} does not exist: ${ctx.board!.name} has ${n} CPUs`, {
            hint: `use CPUs 0 to ${n - 1}`,
          });
      }
    });
  },
});

const poolNames = (ctx: CheckContext) => ctx.config.cpupools.map((p) => p.name);

export const cpupoolKnown = domainRule({
  id: 'cpupool-known',
  title: "A domain's cpupool is one of cpupools",
  ref: 'xen-dt-bindings.md §5 rule 9',
  field: 'cpupool',
  when: (d, ctx) => d.cpupool !== undefined && !poolNames(ctx).includes(d.cpupool),
  message: (d) => `no cpupool named "${d.cpupool}"`,
  hint: (_d, ctx) => {
    const names = poolNames(ctx);
    return names.length ? `one of: ${names.join(', ')}` : 'declare it under cpupools';
  },
});

export const cpupoolsKconfig = defineCheck({
  id: 'cpupools-kconfig',
  title: 'Boot-time cpupools need CONFIG_BOOT_TIME_CPUPOOLS (else Xen silently uses Pool-0)',
  ref: 'xen-dt-bindings.md §3.1, §8',
  run(ctx) {
    if (!ctx.kconfig || ctx.config.cpupools.length === 0 || ctx.arch === 'x86_64') return;
    if (!kconfigEnabled(ctx.kconfig, 'BOOT_TIME_CPUPOOLS'))
      ctx.report(['cpupools'], 'this Xen build lacks CONFIG_BOOT_TIME_CPUPOOLS; the pools would be ignored', {
        hint: 'rebuild Xen with CONFIG_BOOT_TIME_CPUPOOLS=y',
      });
  },
});

/** Scheduler name → the Kconfig option that builds it. */
const SCHED_KCONFIG: Record<string, string> = {
  credit: 'SCHED_CREDIT',
  credit2: 'SCHED_CREDIT2',
  rtds: 'SCHED_RTDS',
  arinc653: 'SCHED_ARINC653',
  null: 'SCHED_NULL',
};

export const schedulerKconfig = defineCheck({
  id: 'scheduler-kconfig',
  title: 'A scheduler named for a cpupool or in sched= is built into Xen (else Xen silently uses another)',
  ref: 'recipes/qemu.md (SCHED_NULL off in Debian builds); xen-dt-bindings.md §3.1',
  run(ctx) {
    const k = ctx.kconfig;
    if (!k) return;
    const hint = (opt: string) => `rebuild Xen with CONFIG_${opt}=y or pick a scheduler the build has`;
    ctx.config.cpupools.forEach((p, i) => {
      const opt = p.scheduler && SCHED_KCONFIG[p.scheduler];
      if (opt && !kconfigEnabled(k, opt))
        ctx.report(
          ['cpupools', i, 'scheduler'],
          `scheduler ${p.scheduler} is not built into this Xen (CONFIG_${opt})`,
          {
            hint: hint(opt),
          },
        );
    });
    const sched = cmdlineValue(ctx.config.xen.cmdline, 'sched');
    const opt = sched && SCHED_KCONFIG[sched];
    if (opt && !kconfigEnabled(k, opt))
      ctx.report(['xen', 'cmdline'], `sched=${sched} is not built into this Xen (CONFIG_${opt})`, {
        hint: hint(opt),
      });
  },
});

export const vcpuAffinity = defineCheck({
  id: 'vcpu-affinity',
  title: "vCPU affinity names vCPUs below vcpus, once each, and CPUs that exist (in the domain's pool)",
  ref: 'xen-dt-bindings.md §3.7',
  needs: [cpupoolKnown],
  run(ctx) {
    const n = cpuCount(ctx);
    for (const [d, i] of eachDomain(ctx.config)) {
      const seen = new Set<number>();
      const pool = ctx.config.cpupools.find((p) => p.name === d.cpupool);
      d.vcpuAffinity?.forEach((a, j) => {
        if (a.vcpu >= d.vcpus)
          ctx.report(
            ['domains', i, 'vcpuAffinity', j, 'vcpu'],
            `vCPU ${a.vcpu} does not exist: ${d.name} has ${d.vcpus}`,
            {
              hint: `use vCPU ids 0 to ${d.vcpus - 1}`,
            },
          );
        if (seen.has(a.vcpu))
          ctx.report(['domains', i, 'vcpuAffinity', j, 'vcpu'], `vCPU ${a.vcpu} is listed twice`, {
            hint: 'one entry per vCPU',
          });
        seen.add(a.vcpu);
        if (a.cpus.length === 0)
          ctx.report(['domains', i, 'vcpuAffinity', j, 'cpus'], 'empty CPU list', {
            hint: 'list at least one CPU',
          });
        const missing = n === undefined ? undefined : a.cpus.find((c) => c >= n);
        if (missing !== undefined)
          ctx.report(
            ['domains', i, 'vcpuAffinity', j, 'cpus'],
            `CPU ${missing} does not exist on ${ctx.board!.name}`,
            {
              hint: `use CPUs 0 to ${n! - 1}`,
            },
          );
        if (pool && a.cpus.length > 0 && !a.cpus.some((c) => pool.cpus.includes(c)))
          ctx.report(
            ['domains', i, 'vcpuAffinity', j, 'cpus'],
            `none of these CPUs is in cpupool ${pool.name}`,
            {
              hint: `pick CPUs from ${pool.cpus.join(', ')}`,
            },
          );
      });
    }
  },
});
