// Whole-system rules about domains: names, privileged roles, xenstore, run-time creation.
import { type Check, defineCheck, domainRule, eachDomain, hasCap } from './check.js';
import { gatesOf } from './gates.js';

/** Rules that read `capabilities` judge it only once its gates (release, arch...) pass. */
const capabilityGates = gatesOf('capabilities');

const RESERVED = new Set(['dom0', 'domain-0', 'xen', 'chosen']);

export const uniqueDomainNames = defineCheck({
  id: 'unique-domain-names',
  title: 'Domain names are unique and not reserved',
  ref: 'xen-dt-bindings.md §1 (node names under /chosen)',
  run(ctx) {
    const seen = new Map<string, number>();
    for (const [d, i] of eachDomain(ctx.config)) {
      const key = d.name.toLowerCase();
      if (RESERVED.has(key)) {
        ctx.report(['domains', i, 'name'], `"${d.name}" is reserved`, { hint: 'pick another name' });
        continue;
      }
      const first = seen.get(key);
      if (first !== undefined)
        ctx.report(['domains', i, 'name'], `domain name "${d.name}" is already used by domains[${first}]`, {
          hint: 'give every domain its own name (names compare without case)',
        });
      else seen.set(key, i);
    }
    for (const [p, i] of ctx.config.cpupools.map((p, i) => [p, i] as const)) {
      if (ctx.config.cpupools.findIndex((q) => q.name === p.name) !== i)
        ctx.report(['cpupools', i, 'name'], `cpupool name "${p.name}" is used twice`, {
          hint: 'rename one pool',
        });
    }
  },
});

export const archMatchesBoard = defineCheck({
  id: 'arch-matches-board',
  title: 'The config arch agrees with the board',
  run(ctx) {
    const { arch } = ctx.config;
    if (arch && ctx.board && ctx.board.arch !== arch)
      ctx.report(['arch'], `arch is ${arch} but board ${ctx.board.name} is ${ctx.board.arch}`, {
        hint: 'remove arch (it is taken from the board) or pick a matching board',
      });
  },
});

export const archSettings = defineCheck({
  id: 'arch-settings',
  title: 'Boot method, boot command and dom0 type fit the architecture',
  run(ctx) {
    const { arch, config } = ctx;
    if (!arch) return;
    const x86 = arch === 'x86_64';
    if (x86 && config.boot.method === 'uboot')
      ctx.report(
        ['boot', 'method'],
        'U-Boot scripts are for Arm; x86 boots through GRUB, EFI or QEMU directly',
        {
          hint: 'use boot.method: grub, efi or direct',
        },
      );
    if (x86 && config.boot.command !== undefined)
      ctx.report(['boot', 'command'], 'boot.command is a U-Boot setting; x86 has no U-Boot', {
        hint: 'remove boot.command',
      });
    if (!x86 && config.dom0?.type !== undefined)
      ctx.report(['dom0', 'type'], 'dom0.type (pv or pvh) exists only on x86', { hint: 'remove dom0.type' });
    if (arch === 'arm32' && config.boot.command === 'booti')
      ctx.report(['boot', 'command'], 'booti boots arm64 images; arm32 uses bootz or bootm', {
        hint: 'use bootz',
      });
  },
});

/** At most one holder of a capability; dom0, when present, holds `hardware` already. */
function singleHolder(
  cap: 'hardware' | 'xenstore',
  spec: { id: string; title: string; ref: string; dom0Holds: boolean; hint: string },
): Check {
  return defineCheck({
    id: spec.id,
    title: spec.title,
    ref: spec.ref,
    needs: capabilityGates,
    run(ctx) {
      let first: string | undefined = spec.dom0Holds && ctx.config.dom0 ? 'dom0' : undefined;
      for (const [d, i] of eachDomain(ctx.config)) {
        if (!hasCap(d, cap)) continue;
        if (first !== undefined)
          ctx.report(['domains', i, 'capabilities'], `a second ${cap} domain (${first} is one already)`, {
            hint: spec.hint,
          });
        else first = d.name;
      }
    },
  });
}

export const singleHardwareDomain = singleHolder('hardware', {
  id: 'single-hardware-domain',
  title: 'At most one hardware domain (dom0 or capabilities: [hardware])',
  ref: 'xen-dt-bindings.md §5 rule 5',
  dom0Holds: true,
  hint: 'only one domain can own the hardware',
});

export const singleXenstoreDomain = singleHolder('xenstore', {
  id: 'single-xenstore-domain',
  title: 'At most one domain with capabilities: [xenstore]',
  ref: 'xen-dt-bindings.md §5 rule 5 (set_xs_domain)',
  dom0Holds: false,
  hint: 'keep the xenstore capability on one domain',
});

export const xenstoreProvider = defineCheck({
  id: 'xenstore-provider',
  title: 'A domain that asks for xenstore has a xenstore domain to talk to',
  ref: 'xen-dt-bindings.md §5 rule 30',
  needs: [...capabilityGates, singleXenstoreDomain],
  run(ctx) {
    const byDom = ctx.facts.xenstoreProvider === 'xenstore-domain';
    const provider =
      ctx.config.dom0 !== undefined ||
      (byDom && ctx.config.domains.some((d) => d.boot && hasCap(d, 'xenstore')));
    if (provider) return;
    for (const [d, i] of eachDomain(ctx.config)) {
      if (!d.boot || (d.xenstore !== 'enabled' && d.xenstore !== 'legacy')) continue;
      ctx.report(
        ['domains', i, 'xenstore'],
        byDom
          ? `xenstore: ${d.xenstore} needs dom0 or a domain with the xenstore capability; Xen would panic`
          : `xenstore: ${d.xenstore} needs a dom0 on Xen ${ctx.release}; Xen would panic`,
        { hint: 'use xenstore: no-xenstore (PV interfaces without xenstore) or add a dom0' },
      );
    }
  },
});

export const xenstoreLegacyStaticMem = defineCheck({
  id: 'xenstore-legacy-static-mem',
  title:
    'A xenstore page set up by init-dom0less (legacy; "enabled" before 4.21) is not combined with static memory',
  ref: 'xen-dt-bindings.md §1.1 xen,enhanced',
  run(ctx) {
    const legacyEnabled = ctx.facts.enhancedEnabledIsLegacy;
    for (const [d, i] of eachDomain(ctx.config)) {
      const legacy = d.xenstore === 'legacy' || (legacyEnabled && d.xenstore === 'enabled');
      if (d.boot && legacy && d.staticMemory)
        ctx.report(
          ['domains', i, 'xenstore'],
          `xenstore: ${d.xenstore} on Xen ${ctx.release} cannot be used with staticMemory`,
          {
            hint: legacyEnabled
              ? 'use xenstore: no-xenstore, or Xen 4.21+ where Xen allocates the xenstore page'
              : 'use xenstore: enabled, which lets Xen allocate the xenstore page',
          },
        );
    }
  },
});

export const runtimeNeedsToolstack = domainRule({
  id: 'runtime-needs-toolstack',
  title: 'Domains created at run time (boot: false) have a dom0 or control domain to create them',
  needs: capabilityGates,
  applies: (ctx) =>
    ctx.config.dom0 === undefined && !ctx.config.domains.some((d) => d.boot && hasCap(d, 'control')),
  field: 'boot',
  when: (d) => !d.boot,
  message: (d) => `${d.name} is created at run time but no domain runs the toolstack`,
  hint: 'add a dom0, give a boot-time domain capabilities: [control], or set boot: true',
});

/**
 * The files of the domains the toolstack creates, as their xl configs name them: by file name in
 * dom0's one guest folder. Two different files with one name would be one file there, and the
 * second domain would boot (or mount) the first one's.
 */
export const runtimeGuestFiles = defineCheck({
  id: 'runtime-guest-files',
  title: "Run-time domains' kernels, ramdisks, partial DTBs and disk images have distinct file names",
  ref: 'xl.cfg(5) kernel, ramdisk, device_tree; xl-disk-configuration(5) target',
  run(ctx) {
    const seen = new Map<string, { path: string; domain: string }>();
    for (const [d, i] of eachDomain(ctx.config)) {
      if (d.boot) continue;
      const files: { path: string; at: (string | number)[] }[] = [];
      if (d.kernel.kind === 'file') files.push({ path: d.kernel.path, at: ['kernel'] });
      else files.push({ path: `${d.name}-kernel.img`, at: ['kernel'] });
      if (d.ramdisk) files.push({ path: d.ramdisk.path, at: ['ramdisk'] });
      if (d.passthrough?.dtb) files.push({ path: d.passthrough.dtb.path, at: ['passthrough', 'dtb'] });
      for (const [k, x] of (d.disks ?? []).entries())
        files.push({ path: x.image, at: ['disks', k, 'image'] });
      for (const f of files) {
        const name = f.path.replace(/^.*[\\/]/, '');
        const first = seen.get(name);
        if (!first) {
          seen.set(name, { path: f.path, domain: d.name });
          continue;
        }
        if (first.path === f.path) continue;
        ctx.report(
          ['domains', i, ...f.at],
          `${f.path} and ${first.path} (of ${first.domain}) are both ${name} in dom0's guest folder`,
          { hint: 'rename one of the files' },
        );
      }
    }
  },
});

export const hardwareDomainRestrictions = defineCheck({
  id: 'hwdom-restrictions',
  title: 'A hardware domain has no passthrough, partial device tree or nr_spis',
  ref: 'xen-dt-bindings.md §5 rule 8',
  needs: capabilityGates,
  run(ctx) {
    for (const [d, i] of eachDomain(ctx.config)) {
      if (!d.boot || !hasCap(d, 'hardware')) continue;
      for (const key of ['passthrough', 'iommu', 'nrSpis'] as const)
        if (d[key] !== undefined)
          ctx.report(['domains', i, key], `a hardware domain cannot set ${key}; Xen would panic`, {
            hint: `remove ${key}: the hardware domain gets the host devices and interrupts`,
          });
    }
  },
});

export const hardwareDomainIommu = domainRule({
  id: 'hwdom-iommu',
  title: 'A boot-time hardware domain is direct-mapped or the board has an IOMMU',
  ref: 'xen-dt-bindings.md §5 rule 8',
  needs: capabilityGates,
  applies: (ctx) => ctx.board !== undefined && !ctx.board.iommu,
  field: 'capabilities',
  when: (d) => d.boot && hasCap(d, 'hardware') && !d.directMap,
  message: (_d, ctx) => `board ${ctx.board?.name} has no IOMMU, so the hardware domain must be direct-mapped`,
  hint: 'add staticMemory and directMap: true to this domain',
});

export const x86BootDomains: Check = defineCheck({
  id: 'x86-boot-domains',
  title: 'On x86 only dom0 is built at boot; other domains are created at run time',
  ref: 'xen-dt-bindings.md §4.1',
  run(ctx) {
    if (ctx.arch !== 'x86_64') return;
    if (!ctx.config.dom0)
      ctx.report(['dom0'], 'x86 needs a dom0: Xen builds exactly one initial domain there', {
        hint: 'add a dom0 section',
      });
    for (const [d, i] of eachDomain(ctx.config))
      if (d.boot)
        ctx.report(
          ['domains', i, 'boot'],
          `Xen on x86 has no boot-time domain builder; ${d.name} must be boot: false`,
          {
            hint: 'set boot: false so dom0 creates it with xl',
          },
        );
  },
});

export const unknownParamsCarried = domainRule({
  id: 'params-unknown-dropped',
  severity: 'warning',
  title:
    'Params no registry entry knows (allowUnknownParams) reach only createdomain.bin, not the device tree',
  field: 'params',
  when: (d) => d.boot && (d.unknownParams?.length ?? 0) > 0,
  message: (d) =>
    `${d.unknownParams?.join(' ')}: kept verbatim in createdomain.bin only; the dom0less device tree Xen reads has no property for ${d.unknownParams?.length === 1 ? 'it' : 'them'}, so Xen never sees ${d.unknownParams?.length === 1 ? 'it' : 'them'} at boot`,
  hint: 'use the registry control if one exists (dombuild schema lists them), or drop the param',
});
