// The createdomain problems as named checks, for `dombuild validate` and the docs: one line on what
// each guards and what to do about it. The rules themselves are in problems.ts and raw.ts.
import { CREATEDOMAIN_PROBLEM_IDS, type CreateDomainProblemId } from './errors.js';

/**
 * Reported by createDomainDiagnostics when a config value has no createdomain bytes yet (e.g.
 * `sve: max` without the board's SVE length). A warning: Xen resolves it at boot; only the blob,
 * which records the bytes, cannot.
 */
export const CREATEDOMAIN_UNRESOLVABLE = 'createdomain-unresolvable';

export type CreateDomainCheckId = CreateDomainProblemId | typeof CREATEDOMAIN_UNRESOLVABLE;

export interface CreateDomainCheck {
  id: CreateDomainCheckId;
  severity: 'error' | 'warning';
  title: string;
  hint: string;
  ref: string;
}

const REF = 'createdomain-abi.md §3';

const TEXT: Readonly<Record<CreateDomainCheckId, { title: string; hint: string }>> = {
  'createdomain-arch-mismatch': {
    title: 'The createdomain arguments are for the target architecture',
    hint: 'set arch (or pick a board) matching the domains',
  },
  'createdomain-unknown-name': {
    title: 'Every flag and enum value has a C name Xen defines',
    hint: 'this is a dombuild bug if it comes from a config; please report it',
  },
  'createdomain-not-in-release': {
    title: 'Every createdomain field and bit exists in the target Xen release',
    hint: 'raise xen.release or remove the control',
  },
  'createdomain-out-of-range': {
    title: 'Every createdomain value fits its C type',
    hint: 'use a smaller value',
  },
  'createdomain-hap-without-hvm': {
    title: 'Hardware-assisted paging only with an HVM container (XEN_DOMCTL_CDF_hap needs hvm)',
    hint: 'use type: pvh or hvm',
  },
  'createdomain-arm-needs-hvm-hap': {
    title: 'Every Arm domain is HVM with hardware-assisted paging',
    hint: 'this is a dombuild bug if it comes from a config; please report it',
  },
  'createdomain-flag-not-on-arch': {
    title: 'createdomain flags the architecture code refuses (-EINVAL)',
    hint: 'remove the control on this architecture',
  },
  'createdomain-nested-virt-without-hap': {
    title: 'Nested virtualisation needs hardware-assisted paging (an HVM or PVH domain)',
    hint: 'use type: hvm, or remove nestedVirt',
  },
  'createdomain-max-vcpus': {
    title: 'vCPU count within the limit of the virtual interrupt controller (GIC, x86 HVM)',
    hint: 'lower vcpus',
  },
  'createdomain-iommu-opts-without-iommu': {
    title: 'IOMMU options only for a domain with the IOMMU enabled',
    hint: 'set iommu: true, or remove iommuNoSharePt',
  },
  'createdomain-iommu-no-sharept-on-arm': {
    title: 'Arm always shares CPU and IOMMU page tables',
    hint: 'remove iommuNoSharePt',
  },
  'createdomain-grant-version': {
    title: 'Grant-table version between 1 and the arch maximum (1 on Arm, 2 on x86)',
    hint: 'lower grantVersion',
  },
  'createdomain-vmtrace': {
    title: 'vmtrace buffer only for x86 HVM/PVH, a power of two from 4K to 64M',
    hint: 'use type: pvh or hvm and a power-of-two vmtrace such as 64K',
  },
  'createdomain-altp2m-on-arm': {
    title: 'Arm has no altp2m',
    hint: 'remove altp2m',
  },
  'createdomain-altp2m-needs-hap': {
    title: 'altp2m needs hardware-assisted paging (an HVM or PVH domain)',
    hint: 'use type: hvm, or set altp2m: disabled',
  },
  'createdomain-altp2m-with-nested-virt': {
    title: 'altp2m and nested virtualisation exclude each other',
    hint: 'remove nestedVirt or set altp2m: disabled',
  },
  'createdomain-altp2m-nr': {
    title: 'altp2m views (Xen 4.21+): 1 to 512 when altp2m is on, 0 when off',
    hint: 'set altp2mCount between 1 and 512 with altp2m on, or remove it',
  },
  'createdomain-x86-emulation-flags': {
    title: 'The x86 emulation-flag set is one Xen accepts for the domain type',
    hint: 'use a type (pv, pvh, hvm) whose emulation set the release accepts',
  },
  'createdomain-arm-nr-spis': {
    title: 'nrSpis rounded up to 32 stays within the 988 lines of the virtual GIC',
    hint: 'lower nrSpis to 960 or less',
  },
  'createdomain-arm-sve-vl': {
    title: 'SVE vector length at most 2048 bits',
    hint: 'lower sve',
  },
  'createdomain-arm-v8r-needs-mpu': {
    title: 'v8rEl1Msa only on an MPU (Armv8-R) build of Xen',
    hint: 'remove v8rEl1Msa',
  },
  'createdomain-domid-reserved': {
    title: 'The requested domid is not a reserved one',
    hint: 'let Xen pick the domid',
  },
  'createdomain-unresolvable': {
    title: "Every control resolves to createdomain bytes (e.g. sve: max needs the board's SVE length)",
    hint: 'give the value explicitly, or a board whose facts provide it',
  },
};

/** Every createdomain check, problems first in CREATEDOMAIN_PROBLEM_IDS order. */
export const CREATEDOMAIN_CHECKS: readonly CreateDomainCheck[] = (
  [...CREATEDOMAIN_PROBLEM_IDS, CREATEDOMAIN_UNRESOLVABLE] as CreateDomainCheckId[]
).map((id) => ({ id, severity: severityOf(id), ref: REF, ...TEXT[id] }));

export function severityOf(id: CreateDomainCheckId): 'error' | 'warning' {
  return id === CREATEDOMAIN_UNRESOLVABLE ? 'warning' : 'error';
}

export function createDomainHint(id: string): string | undefined {
  return Object.hasOwn(TEXT, id) ? TEXT[id as CreateDomainCheckId].hint : undefined;
}
