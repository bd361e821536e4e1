// Where each field of `struct xen_domctl` (cmd = createdomain) lives, per layout family, as
// data (reference/createdomain-abi.md §1, §6). Offsets are absolute in the 144-byte buffer.
import {
  type ArmArchLayoutId,
  type CommonLayoutId,
  CREATEDOMAIN_RELEASES,
  type CreateDomainTarget,
} from './releases.js';

export type FieldType = 'u8' | 'u16' | 'u32' | 'i32' | 'bytes16';

/**
 * The `xen_domctl_createdomain` members a domain's settings fill (reference/createdomain-abi.md
 * §1). The schema's registry names the same members for its encodings; builder/ checks at compile
 * time that the two lists agree, since neither folder imports the other.
 */
export type SettableField =
  | 'flags'
  | 'iommu_opts'
  | 'max_vcpus'
  | 'max_evtchn_port'
  | 'max_grant_frames'
  | 'max_maptrack_frames'
  | 'grant_opts'
  | 'altp2m.opts'
  | 'altp2m.nr'
  | 'vmtrace_size'
  | 'cpupool_id'
  | 'arch.gic_version'
  | 'arch.sve_vl'
  | 'arch.tee_type'
  | 'arch.nr_spis'
  | 'arch.arm_sci_type'
  | 'arch.v8r_el1_msa'
  | 'arch.emulation_flags'
  | 'arch.misc_flags';

/**
 * Logical field keys: the C member path from `struct xen_domctl_createdomain` (4.22 naming). The
 * fields a config control can set are the registry's; the rest are the header and ABI padding.
 */
export type FieldKey =
  | SettableField
  | 'cmd'
  | 'interface_version'
  | 'domain'
  | 'ssidref'
  | 'handle'
  | 'arch.clock_frequency'
  | 'arch.pad';

export interface FieldLayout {
  key: FieldKey;
  /** The member as the release's C headers spell it, relative to `struct xen_domctl`. */
  cName: string;
  offset: number;
  type: FieldType;
}

export const FIELD_SIZE: Readonly<Record<FieldType, number>> = { u8: 1, u16: 2, u32: 4, i32: 4, bytes16: 16 };

type Row = readonly [key: FieldKey, offset: number, type: FieldType, cName?: string];

const CD = 'u.createdomain.';

const HEADER: readonly Row[] = [
  ['cmd', 0, 'u32', 'cmd'],
  ['interface_version', 4, 'u32', 'interface_version'],
  ['domain', 8, 'u16', 'domain'],
];

const FIRST: readonly Row[] = [
  ['ssidref', 16, 'u32'],
  ['handle', 20, 'bytes16'],
  ['flags', 36, 'u32'],
  ['iommu_opts', 40, 'u32'],
  ['max_vcpus', 44, 'u32'],
  ['max_evtchn_port', 48, 'u32'],
  ['max_grant_frames', 52, 'i32'],
  ['max_maptrack_frames', 56, 'i32'],
  ['grant_opts', 60, 'u32'],
];

interface CommonLayout {
  rows: readonly Row[];
  /** Absolute offset of `struct xen_arch_domainconfig`. */
  archBase: number;
}

const COMMON: Readonly<Record<CommonLayoutId, CommonLayout>> = {
  L1: {
    rows: [...FIRST, ['vmtrace_size', 64, 'u32'], ['cpupool_id', 68, 'u32']],
    archBase: 72,
  },
  'L2-altp2m-u32': {
    rows: [
      ...FIRST,
      ['altp2m.opts', 64, 'u32', `${CD}altp2m_opts`],
      ['vmtrace_size', 68, 'u32'],
      ['cpupool_id', 72, 'u32'],
    ],
    archBase: 76,
  },
  'L2-altp2m-pair': {
    rows: [
      ...FIRST,
      ['altp2m.opts', 64, 'u16'],
      ['altp2m.nr', 66, 'u16'],
      ['vmtrace_size', 68, 'u32'],
      ['cpupool_id', 72, 'u32'],
    ],
    archBase: 76,
  },
};

// Offsets relative to the start of struct xen_arch_domainconfig.
const X86_ARCH: readonly Row[] = [
  ['arch.emulation_flags', 0, 'u32'],
  ['arch.misc_flags', 4, 'u32'],
];
const ARM_417: readonly Row[] = [
  ['arch.gic_version', 0, 'u8'],
  ['arch.tee_type', 2, 'u16'],
  ['arch.nr_spis', 4, 'u32'],
  ['arch.clock_frequency', 8, 'u32'],
];
const ARM_418: readonly Row[] = [...ARM_417, ['arch.sve_vl', 1, 'u8']];
const ARM_421: readonly Row[] = [...ARM_418, ['arch.arm_sci_type', 12, 'u8']];
const ARM_422: readonly Row[] = [...ARM_421, ['arch.v8r_el1_msa', 13, 'u8'], ['arch.pad', 14, 'u16']];

const ARM_ARCH: Readonly<Record<ArmArchLayoutId, readonly Row[]>> = {
  'arm-4.17': ARM_417,
  'arm-4.18': ARM_418,
  'arm-4.21': ARM_421,
  'arm-4.22': ARM_422,
};

function toField([key, offset, type, cName]: Row, shift: number): FieldLayout {
  return { key, offset: offset + shift, type, cName: cName ?? `${CD}${key}` };
}

const cache = new Map<string, readonly FieldLayout[]>();

/** Every field of the buffer for the target, sorted by offset. */
export function layoutFor(target: CreateDomainTarget): readonly FieldLayout[] {
  const id = `${target.release}/${target.arch}`;
  const hit = cache.get(id);
  if (hit) return hit;
  const facts = CREATEDOMAIN_RELEASES[target.release];
  const common = COMMON[facts.common];
  const archRows = target.arch === 'x86_64' ? X86_ARCH : ARM_ARCH[facts.armArch];
  const fields = [
    ...HEADER.map((r) => toField(r, 0)),
    ...common.rows.map((r) => toField(r, 0)),
    ...archRows.map((r) => toField(r, common.archBase)),
  ].sort((a, b) => a.offset - b.offset);
  cache.set(id, fields);
  return fields;
}

export function fieldFor(target: CreateDomainTarget, key: FieldKey): FieldLayout | undefined {
  return layoutFor(target).find((f) => f.key === key);
}
