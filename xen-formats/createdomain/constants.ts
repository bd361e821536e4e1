// Numeric values of Xen's public createdomain constants, under their C names. Which of them a
// given release defines is decided in releases.ts; these values never changed between releases.

export const XEN_DOMCTL_createdomain = 1;
export const DOMID_FIRST_RESERVED = 0x7ff0;
/** Auto-allocate the domid. Defined in xen.h from 4.22, but the value auto-allocates on 4.17+. */
export const DOMID_ANY = 0x7ff5;
/** Size of `struct xen_domctl` on x86_64 and arm64, every release. */
export const DOMCTL_SIZE = 144;

export const CDF_FLAGS = {
  XEN_DOMCTL_CDF_hvm: 0x001,
  XEN_DOMCTL_CDF_hap: 0x002,
  XEN_DOMCTL_CDF_s3_integrity: 0x004,
  XEN_DOMCTL_CDF_oos_off: 0x008,
  XEN_DOMCTL_CDF_xs_domain: 0x010,
  XEN_DOMCTL_CDF_iommu: 0x020,
  XEN_DOMCTL_CDF_nested_virt: 0x040,
  XEN_DOMCTL_CDF_vpmu: 0x080,
  XEN_DOMCTL_CDF_trap_unmapped_accesses: 0x100,
} as const;
export type CdfFlag = keyof typeof CDF_FLAGS;

export const IOMMU_OPTS = { XEN_DOMCTL_IOMMU_no_sharept: 0x1 } as const;
export type IommuOpt = keyof typeof IOMMU_OPTS;

/** `grant_opts` low nibble: the highest grant-table version the guest may use. */
export const XEN_DOMCTL_GRANT_version_mask = 0xf;

export const ALTP2M_MODES = {
  XEN_DOMCTL_ALTP2M_mixed: 1,
  XEN_DOMCTL_ALTP2M_external: 2,
  XEN_DOMCTL_ALTP2M_limited: 3,
} as const;
export type Altp2mMode = keyof typeof ALTP2M_MODES;
export const XEN_DOMCTL_ALTP2M_mode_mask = 0x3;

export const X86_EMU_FLAGS = {
  XEN_X86_EMU_LAPIC: 0x001,
  XEN_X86_EMU_HPET: 0x002,
  XEN_X86_EMU_PM: 0x004,
  XEN_X86_EMU_RTC: 0x008,
  XEN_X86_EMU_IOAPIC: 0x010,
  XEN_X86_EMU_PIC: 0x020,
  XEN_X86_EMU_VGA: 0x040,
  XEN_X86_EMU_IOMMU: 0x080,
  XEN_X86_EMU_PIT: 0x100,
  XEN_X86_EMU_USE_PIRQ: 0x200,
  XEN_X86_EMU_VPCI: 0x400,
} as const;
export type X86EmuFlag = keyof typeof X86_EMU_FLAGS;

export const X86_MISC_FLAGS = { XEN_X86_MSR_RELAXED: 0x1 } as const;
export type X86MiscFlag = keyof typeof X86_MISC_FLAGS;

export const GIC_VERSIONS = {
  XEN_DOMCTL_CONFIG_GIC_NATIVE: 0,
  XEN_DOMCTL_CONFIG_GIC_V2: 1,
  XEN_DOMCTL_CONFIG_GIC_V3: 2,
} as const;
export type GicVersion = keyof typeof GIC_VERSIONS;

export const TEE_TYPES = {
  XEN_DOMCTL_CONFIG_TEE_NONE: 0,
  XEN_DOMCTL_CONFIG_TEE_OPTEE: 1,
  XEN_DOMCTL_CONFIG_TEE_FFA: 2,
} as const;
export type TeeType = keyof typeof TEE_TYPES;

export const ARM_SCI_TYPES = {
  XEN_DOMCTL_CONFIG_ARM_SCI_NONE: 0,
  XEN_DOMCTL_CONFIG_ARM_SCI_SCMI_SMC: 1,
} as const;
export type ArmSciType = keyof typeof ARM_SCI_TYPES;

export const V8R_EL1_MSA = {
  XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_NONE: 0,
  XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_PMSA: 1,
  XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_VMSA: 2,
} as const;
export type V8rEl1Msa = keyof typeof V8R_EL1_MSA;

/** Every name → value table, for generic lookups (explain, the C probe generator). */
export const ALL_CONSTANTS: Readonly<Record<string, number>> = {
  ...CDF_FLAGS,
  ...IOMMU_OPTS,
  ...ALTP2M_MODES,
  ...X86_EMU_FLAGS,
  ...X86_MISC_FLAGS,
  ...GIC_VERSIONS,
  ...TEE_TYPES,
  ...ARM_SCI_TYPES,
  ...V8R_EL1_MSA,
};
