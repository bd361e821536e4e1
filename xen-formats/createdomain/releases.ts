// Per-release facts of XEN_DOMCTL_createdomain, as data (reference/createdomain-abi.md §2, §3).
// Code looks facts up here by release; nothing tests a version number inline. The release list
// and interface versions are ABI facts and live here; builder/ asserts at compile time that the
// schema's release list is this one (the two folders sit side by side and import neither).
import type { ArmSciType, CdfFlag, TeeType, V8rEl1Msa } from './constants.js';

/** The Xen releases whose createdomain ABI is tabled here (reference/createdomain-abi.md §1). */
export const ABI_RELEASES = ['4.17', '4.18', '4.19', '4.20', '4.21', '4.22'] as const;
export type XenRelease = (typeof ABI_RELEASES)[number];

export function isAbiRelease(s: string): s is XenRelease {
  return (ABI_RELEASES as readonly string[]).includes(s);
}

export const CREATEDOMAIN_ARCHES = ['arm64', 'x86_64'] as const;
/** The architectures with a createdomain ABI (arm32 is not probed). */
export type CreateDomainArch = (typeof CREATEDOMAIN_ARCHES)[number];

export interface CreateDomainTarget {
  release: XenRelease;
  arch: CreateDomainArch;
}

/** Which struct body the release uses; see layout.ts. */
export type CommonLayoutId = 'L1' | 'L2-altp2m-u32' | 'L2-altp2m-pair';
/** Which `struct xen_arch_domainconfig` an arm64 build of the release has; see layout.ts. */
export type ArmArchLayoutId = 'arm-4.17' | 'arm-4.18' | 'arm-4.21' | 'arm-4.22';

export interface CreateDomainReleaseFacts {
  release: XenRelease;
  /** XEN_DOMCTL_INTERFACE_VERSION; Xen demands strict equality (-EACCES otherwise). */
  interfaceVersion: number;
  common: CommonLayoutId;
  armArch: ArmArchLayoutId;
  /** XEN_DOMCTL_CDF_* names the release defines; any other bit is -EINVAL. */
  cdfFlags: readonly CdfFlag[];
  /** arm: `(flags & ~optional) == (hvm|hap)` in arch_sanitise_domain_config. */
  armOptionalFlags: readonly CdfFlag[];
  /** x86: flags the common code accepts but the x86 arch code refuses. */
  x86RejectedFlags: readonly CdfFlag[];
  teeTypes: readonly TeeType[];
  /** Empty when the release has no `arch.arm_sci_type`. */
  armSciTypes: readonly ArmSciType[];
  /** Empty when the release has no `arch.v8r_el1_msa`. */
  v8rEl1Msa: readonly V8rEl1Msa[];
  /** x86 `emulation_flags` accepted for an HVM/PVH domU (emulation_flags_ok, else -EOPNOTSUPP). */
  x86HvmEmulation: readonly number[];
  /** x86 `emulation_flags` accepted for a PV domU. */
  x86PvEmulation: readonly number[];
  /**
   * How `domain` requests auto-allocation: up to 4.21 both 0 and any id >= DOMID_FIRST_RESERVED
   * do; from 4.22 only DOMID_ANY does, and 0 asks for domid 0 itself.
   */
  domidAuto: 'zero-or-reserved' | 'any-only';
}

const CDF_417: readonly CdfFlag[] = [
  'XEN_DOMCTL_CDF_hvm',
  'XEN_DOMCTL_CDF_hap',
  'XEN_DOMCTL_CDF_s3_integrity',
  'XEN_DOMCTL_CDF_oos_off',
  'XEN_DOMCTL_CDF_xs_domain',
  'XEN_DOMCTL_CDF_iommu',
  'XEN_DOMCTL_CDF_nested_virt',
  'XEN_DOMCTL_CDF_vpmu',
];
const CDF_421: readonly CdfFlag[] = [...CDF_417, 'XEN_DOMCTL_CDF_trap_unmapped_accesses'];
const ARM_OPT_417: readonly CdfFlag[] = ['XEN_DOMCTL_CDF_iommu', 'XEN_DOMCTL_CDF_vpmu'];
const ARM_OPT_421: readonly CdfFlag[] = [
  ...ARM_OPT_417,
  'XEN_DOMCTL_CDF_xs_domain',
  'XEN_DOMCTL_CDF_trap_unmapped_accesses',
];
const TEE_417: readonly TeeType[] = ['XEN_DOMCTL_CONFIG_TEE_NONE', 'XEN_DOMCTL_CONFIG_TEE_OPTEE'];
const TEE_418: readonly TeeType[] = [...TEE_417, 'XEN_DOMCTL_CONFIG_TEE_FFA'];
const SCI_421: readonly ArmSciType[] = [
  'XEN_DOMCTL_CONFIG_ARM_SCI_NONE',
  'XEN_DOMCTL_CONFIG_ARM_SCI_SCMI_SMC',
];
const V8R_422: readonly V8rEl1Msa[] = [
  'XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_NONE',
  'XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_PMSA',
  'XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_VMSA',
];
// emulation_flags_ok for a domU: LAPIC only (PVH) or everything but VPCI (HVM); from 4.19 the
// HVM PIRQ bit is optional, so everything but VPCI and USE_PIRQ is accepted too.
const HVM_EMU_417 = [0x001, 0x3ff] as const;
const HVM_EMU_419 = [0x001, 0x1ff, 0x3ff] as const;
const PV_EMU = [0x000, 0x100] as const;

const base = {
  armOptionalFlags: ARM_OPT_417,
  x86RejectedFlags: [] as readonly CdfFlag[],
  cdfFlags: CDF_417,
  teeTypes: TEE_418,
  armSciTypes: [] as readonly ArmSciType[],
  v8rEl1Msa: [] as readonly V8rEl1Msa[],
  x86HvmEmulation: HVM_EMU_419,
  x86PvEmulation: PV_EMU,
  domidAuto: 'zero-or-reserved',
} as const;

const post421 = {
  cdfFlags: CDF_421,
  armOptionalFlags: ARM_OPT_421,
  x86RejectedFlags: ['XEN_DOMCTL_CDF_trap_unmapped_accesses'] as readonly CdfFlag[],
  armSciTypes: SCI_421,
} as const;

export const CREATEDOMAIN_RELEASES: Readonly<Record<XenRelease, CreateDomainReleaseFacts>> = {
  '4.17': {
    ...base,
    release: '4.17',
    interfaceVersion: 0x15,
    common: 'L1',
    armArch: 'arm-4.17',
    teeTypes: TEE_417,
    x86HvmEmulation: HVM_EMU_417,
  },
  '4.18': {
    ...base,
    release: '4.18',
    interfaceVersion: 0x16,
    common: 'L1',
    armArch: 'arm-4.18',
    x86HvmEmulation: HVM_EMU_417,
  },
  '4.19': {
    ...base,
    release: '4.19',
    interfaceVersion: 0x17,
    common: 'L2-altp2m-u32',
    armArch: 'arm-4.18',
  },
  '4.20': {
    ...base,
    release: '4.20',
    interfaceVersion: 0x17,
    common: 'L2-altp2m-u32',
    armArch: 'arm-4.18',
  },
  '4.21': {
    ...base,
    ...post421,
    release: '4.21',
    interfaceVersion: 0x17,
    common: 'L2-altp2m-pair',
    armArch: 'arm-4.21',
  },
  '4.22': {
    ...base,
    ...post421,
    release: '4.22',
    interfaceVersion: 0x18,
    common: 'L2-altp2m-pair',
    armArch: 'arm-4.22',
    v8rEl1Msa: V8R_422,
    domidAuto: 'any-only',
  },
};

export function isCreateDomainArch(s: string): s is CreateDomainArch {
  return (CREATEDOMAIN_ARCHES as readonly string[]).includes(s);
}
