// The semantic description of one XEN_DOMCTL_createdomain call, in Xen's own C names: flags are
// sets of XEN_DOMCTL_CDF_* names, enums are XEN_DOMCTL_CONFIG_* names, numbers are the fields.
import {
  ALTP2M_MODES,
  type Altp2mMode,
  type ArmSciType,
  CDF_FLAGS,
  type CdfFlag,
  DOMID_ANY,
  type GicVersion,
  IOMMU_OPTS,
  type IommuOpt,
  type TeeType,
  type V8rEl1Msa,
  X86_EMU_FLAGS,
  X86_MISC_FLAGS,
  type X86EmuFlag,
  type X86MiscFlag,
} from './constants.js';
import { domainHandle } from './handle.js';

export interface ArmArchSpec {
  kind: 'arm64';
  gic_version: GicVersion;
  /** SVE vector length in bits / 128; 0 = SVE off (4.18+). */
  sve_vl: number;
  tee_type: TeeType;
  nr_spis: number;
  /** OUT field: Xen fills it in; 0 when building. Kept so a returned buffer decodes losslessly. */
  clock_frequency: number;
  /** 4.21+. */
  arm_sci_type: ArmSciType;
  /** 4.22+. */
  v8r_el1_msa: V8rEl1Msa;
}

export interface X86ArchSpec {
  kind: 'x86_64';
  emulation_flags: X86EmuFlag[];
  misc_flags: X86MiscFlag[];
}

export interface Altp2mSpec {
  /** XEN_DOMCTL_ALTP2M_* mode, or null for altp2m off (4.19+). */
  mode: Altp2mMode | null;
  /** Number of alternate p2m views (4.21+; 0 before). */
  nr: number;
}

export interface CreateDomainSpec {
  /** Requested domid (`xen_domctl.domain`); DOMID_ANY asks Xen to allocate one. */
  domain: number;
  ssidref: number;
  /** 16 raw bytes, the domain UUID in textual order. */
  handle: Uint8Array;
  flags: CdfFlag[];
  iommu_opts: IommuOpt[];
  max_vcpus: number;
  max_evtchn_port: number;
  /** Negative = the hypervisor default. */
  max_grant_frames: number;
  max_maptrack_frames: number;
  /**
   * Highest grant-table version (`XEN_DOMCTL_GRANT_version(v)` in `grant_opts`). Transitive
   * grants have no createdomain bit: they are the hypervisor's `gnttab=` command-line option.
   */
  grant_version: number;
  altp2m: Altp2mSpec;
  vmtrace_size: number;
  cpupool_id: number;
  arch: ArmArchSpec | X86ArchSpec;
}

type Partial1<T> = { [K in keyof T]?: T[K] };

/** What callers give: any field may be left out; `name` derives the handle. */
export interface CreateDomainSpecInput extends Partial1<Omit<CreateDomainSpec, 'arch' | 'altp2m'>> {
  /** Domain name; the default handle is derived from it (see handle.ts). */
  name?: string;
  altp2m?: Partial1<Altp2mSpec>;
  arch:
    | ({ kind: 'arm64' } & Partial1<Omit<ArmArchSpec, 'kind'>>)
    | ({ kind: 'x86_64' } & Partial1<Omit<X86ArchSpec, 'kind'>>);
}

function byBit<T extends string>(table: Readonly<Record<T, number>>, names: readonly T[]): T[] {
  return [...new Set(names)].sort((a, b) => (table[a] ?? 0) - (table[b] ?? 0));
}

/**
 * Fills defaults (a plain guest every release accepts: hvm|hap, one vCPU, 1023 event channels,
 * hypervisor-default grant frames, the arch's default highest grant version; PVH on x86) and puts flag sets in bit order, so
 * `decodeCreateDomain(encodeCreateDomain(createDomainSpec(x)))` equals `createDomainSpec(x)`.
 */
export function createDomainSpec(input: CreateDomainSpecInput): CreateDomainSpec {
  const a = input.arch;
  const arch: ArmArchSpec | X86ArchSpec =
    a.kind === 'arm64'
      ? {
          kind: 'arm64',
          gic_version: a.gic_version ?? 'XEN_DOMCTL_CONFIG_GIC_NATIVE',
          sve_vl: a.sve_vl ?? 0,
          tee_type: a.tee_type ?? 'XEN_DOMCTL_CONFIG_TEE_NONE',
          nr_spis: a.nr_spis ?? 0,
          clock_frequency: a.clock_frequency ?? 0,
          arm_sci_type: a.arm_sci_type ?? 'XEN_DOMCTL_CONFIG_ARM_SCI_NONE',
          v8r_el1_msa: a.v8r_el1_msa ?? 'XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_NONE',
        }
      : {
          kind: 'x86_64',
          emulation_flags: byBit(X86_EMU_FLAGS, a.emulation_flags ?? ['XEN_X86_EMU_LAPIC']),
          misc_flags: byBit(X86_MISC_FLAGS, a.misc_flags ?? []),
        };
  return {
    domain: input.domain ?? DOMID_ANY,
    ssidref: input.ssidref ?? 0,
    handle: input.handle ?? domainHandle(input.name ?? ''),
    flags: byBit(CDF_FLAGS, input.flags ?? ['XEN_DOMCTL_CDF_hvm', 'XEN_DOMCTL_CDF_hap']),
    iommu_opts: byBit(IOMMU_OPTS, input.iommu_opts ?? []),
    max_vcpus: input.max_vcpus ?? 1,
    max_evtchn_port: input.max_evtchn_port ?? 1023,
    max_grant_frames: input.max_grant_frames ?? -1,
    max_maptrack_frames: input.max_maptrack_frames ?? -1,
    // Xen's default gnttab=max-ver: GNTTAB_MAX_VERSION, 1 on Arm and 2 on x86.
    grant_version: input.grant_version ?? (a.kind === 'arm64' ? 1 : 2),
    altp2m: { mode: input.altp2m?.mode ?? null, nr: input.altp2m?.nr ?? 0 },
    vmtrace_size: input.vmtrace_size ?? 0,
    cpupool_id: input.cpupool_id ?? 0,
    arch,
  };
}

export const ALTP2M_MODE_NAMES = Object.keys(ALTP2M_MODES) as Altp2mMode[];
