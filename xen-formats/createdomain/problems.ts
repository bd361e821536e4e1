// Combinations Xen refuses at XEN_DOMCTL_createdomain (-EINVAL / -EOPNOTSUPP), found before
// anything is built. Facts: reference/createdomain-abi.md §3 and the sanitise functions it cites.
// Checks that depend only on the running machine (is an IOMMU present, is vPMU available, which
// TEE runs, the hardware SVE length, CONFIG_TBOOT/SHADOW_PAGING) are left to Xen.
import { type CdfFlag, DOMID_ANY, DOMID_FIRST_RESERVED, X86_EMU_FLAGS } from './constants.js';
import type { CreateDomainProblem, CreateDomainProblemId } from './errors.js';
import { specToRaw } from './raw.js';
import { CREATEDOMAIN_RELEASES, type CreateDomainTarget } from './releases.js';
import type { CreateDomainSpec } from './spec.js';

/** Arch limits that do not change between 4.17 and 4.22. */
const LIMITS = {
  /** min(vgic_max_vcpus(v), MAX_VIRT_CPUS) on arm64: GICv2 8, GICv3 128. */
  armMaxVcpus: {
    XEN_DOMCTL_CONFIG_GIC_NATIVE: 128,
    XEN_DOMCTL_CONFIG_GIC_V2: 8,
    XEN_DOMCTL_CONFIG_GIC_V3: 128,
  },
  /** HVM_MAX_VCPUS (hvm_info_table.h). */
  x86HvmMaxVcpus: 128,
  /** Default `gnttab=max-ver`: GNTTAB_MAX_VERSION. */
  maxGrantVersion: { arm64: 1, x86_64: 2 },
  /** vmtrace buffer: a power of two between PAGE_SIZE and 64 MiB. */
  vmtraceMin: 0x1000,
  vmtraceMax: 64 << 20,
  /** MAX_NR_ALTP2M = MAX_EPTP = PAGE_SIZE / 8. */
  maxNrAltp2m: 512,
  /** nr_spis is rounded up to 32 and the result must stay <= 988 (no eSPI support). */
  armMaxSpisRounded: 988,
  /** SVE vector lengths are at most 2048 bits = 16 × 128. */
  armMaxSveVl: 16,
} as const;

export function createDomainProblems(
  spec: CreateDomainSpec,
  target: CreateDomainTarget,
): CreateDomainProblem[] {
  const out = specToRaw(spec, target).problems;
  if (out.some((p) => p.id === 'createdomain-arch-mismatch')) return out;
  const add = (id: CreateDomainProblemId, field: string, message: string) => out.push({ id, field, message });
  const facts = CREATEDOMAIN_RELEASES[target.release];
  const has = (f: CdfFlag) => spec.flags.includes(f);
  const hvm = has('XEN_DOMCTL_CDF_hvm');
  const hap = has('XEN_DOMCTL_CDF_hap');
  const nested = has('XEN_DOMCTL_CDF_nested_virt');
  const iommu = has('XEN_DOMCTL_CDF_iommu');
  const altp2m = spec.altp2m.mode !== null;

  if (hap && !hvm)
    add('createdomain-hap-without-hvm', 'flags', 'XEN_DOMCTL_CDF_hap needs XEN_DOMCTL_CDF_hvm');
  if (spec.max_vcpus < 1) add('createdomain-max-vcpus', 'max_vcpus', 'a domain needs at least one vCPU');
  if (!iommu && spec.iommu_opts.length > 0) {
    add('createdomain-iommu-opts-without-iommu', 'iommu_opts', 'IOMMU options need XEN_DOMCTL_CDF_iommu');
  }
  const maxGrant = LIMITS.maxGrantVersion[target.arch];
  if (spec.grant_version === 0 || spec.grant_version > maxGrant) {
    add(
      'createdomain-grant-version',
      'grant_version',
      `grant_version must be 1..${maxGrant} on ${target.arch} (0 is refused; above ${maxGrant} needs gnttab=max-ver)`,
    );
  }
  const isPowerOf2 = (n: number) => n > 0 && (n & (n - 1)) === 0;
  if (spec.vmtrace_size !== 0) {
    if (target.arch !== 'x86_64' || !hvm) {
      add('createdomain-vmtrace', 'vmtrace_size', 'vmtrace is only available to x86 HVM domains');
    } else if (
      !isPowerOf2(spec.vmtrace_size) ||
      spec.vmtrace_size < LIMITS.vmtraceMin ||
      spec.vmtrace_size > LIMITS.vmtraceMax
    ) {
      add('createdomain-vmtrace', 'vmtrace_size', 'vmtrace_size must be a power of two from 4 KiB to 64 MiB');
    }
  }
  if (
    !Number.isInteger(spec.domain) ||
    (spec.domain >= DOMID_FIRST_RESERVED && spec.domain !== DOMID_ANY && facts.domidAuto === 'any-only')
  ) {
    add(
      'createdomain-domid-reserved',
      'domain',
      `domid ${spec.domain} is reserved; use DOMID_ANY (0x7ff5) or 1..0x7fef`,
    );
  }

  const a = spec.arch;
  if (a.kind === 'arm64') {
    if (!hvm || !hap) {
      add(
        'createdomain-arm-needs-hvm-hap',
        'flags',
        'on arm every domain has XEN_DOMCTL_CDF_hvm and XEN_DOMCTL_CDF_hap',
      );
    }
    const allowed: readonly CdfFlag[] = [
      'XEN_DOMCTL_CDF_hvm',
      'XEN_DOMCTL_CDF_hap',
      ...facts.armOptionalFlags,
    ];
    for (const f of spec.flags) {
      if (facts.cdfFlags.includes(f) && !allowed.includes(f)) {
        add('createdomain-flag-not-on-arch', 'flags', `${f} is refused on arm by Xen ${target.release}`);
      }
    }
    if (spec.iommu_opts.includes('XEN_DOMCTL_IOMMU_no_sharept')) {
      add(
        'createdomain-iommu-no-sharept-on-arm',
        'iommu_opts',
        'arm always shares CPU and IOMMU page tables',
      );
    }
    const maxVcpus = LIMITS.armMaxVcpus[a.gic_version];
    if (spec.max_vcpus > maxVcpus) {
      add('createdomain-max-vcpus', 'max_vcpus', `${a.gic_version} allows at most ${maxVcpus} vCPUs`);
    }
    if (altp2m || spec.altp2m.nr !== 0) add('createdomain-altp2m-on-arm', 'altp2m', 'arm has no altp2m');
    if (Math.ceil(a.nr_spis / 32) * 32 > LIMITS.armMaxSpisRounded) {
      add(
        'createdomain-arm-nr-spis',
        'arch.nr_spis',
        'nr_spis rounded up to 32 must not exceed 988 (at most 960)',
      );
    }
    if (a.sve_vl > LIMITS.armMaxSveVl) {
      add(
        'createdomain-arm-sve-vl',
        'arch.sve_vl',
        'sve_vl is the vector length / 128 and at most 16 (2048 bits)',
      );
    }
    if (
      a.v8r_el1_msa !== 'XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_NONE' &&
      facts.v8rEl1Msa.includes(a.v8r_el1_msa)
    ) {
      add(
        'createdomain-arm-v8r-needs-mpu',
        'arch.v8r_el1_msa',
        'only an MPU (Armv8-R) build of Xen accepts v8r_el1_msa',
      );
    }
  } else {
    for (const f of spec.flags) {
      if (facts.x86RejectedFlags.includes(f)) {
        add('createdomain-flag-not-on-arch', 'flags', `${f} is refused on x86 by Xen ${target.release}`);
      }
    }
    if (nested && !hap)
      add(
        'createdomain-nested-virt-without-hap',
        'flags',
        'XEN_DOMCTL_CDF_nested_virt needs XEN_DOMCTL_CDF_hap',
      );
    if (hvm && spec.max_vcpus > LIMITS.x86HvmMaxVcpus) {
      add(
        'createdomain-max-vcpus',
        'max_vcpus',
        `x86 HVM domains have at most ${LIMITS.x86HvmMaxVcpus} vCPUs`,
      );
    }
    if (altp2m && !hap) add('createdomain-altp2m-needs-hap', 'altp2m', 'altp2m needs XEN_DOMCTL_CDF_hap');
    if (altp2m && nested)
      add('createdomain-altp2m-with-nested-virt', 'altp2m', 'altp2m and nested virt exclude each other');
    // Only releases whose layout carries altp2m.nr check it (the not-in-release problem covers the rest).
    if (facts.common === 'L2-altp2m-pair') {
      if (altp2m && (spec.altp2m.nr < 1 || spec.altp2m.nr > LIMITS.maxNrAltp2m)) {
        add('createdomain-altp2m-nr', 'altp2m.nr', `altp2m needs nr in 1..${LIMITS.maxNrAltp2m}`);
      } else if (!altp2m && spec.altp2m.nr !== 0) {
        add('createdomain-altp2m-nr', 'altp2m.nr', 'altp2m.nr must be 0 when altp2m is off');
      }
    }
    let emu = 0;
    for (const n of a.emulation_flags) emu |= X86_EMU_FLAGS[n] ?? 0;
    const accepted = hvm ? facts.x86HvmEmulation : facts.x86PvEmulation;
    if (!accepted.includes(emu)) {
      add(
        'createdomain-x86-emulation-flags',
        'arch.emulation_flags',
        `emulation_flags 0x${emu.toString(16)} is refused for a${hvm ? 'n HVM/PVH' : ' PV'} domU by Xen ${target.release}; accepted: ${accepted.map((x) => `0x${x.toString(16)}`).join(', ')}`,
      );
    }
  }
  return out;
}
