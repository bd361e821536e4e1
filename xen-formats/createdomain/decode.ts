// The 144-byte buffer → spec, for `blob inspect` and for reading back what Xen returned. The
// buffer is hostile input: its length is checked first, then only the layout's fixed offsets are
// read, and every byte no field covers must be zero.
import {
  ALTP2M_MODES,
  type Altp2mMode,
  ARM_SCI_TYPES,
  CDF_FLAGS,
  DOMCTL_SIZE,
  GIC_VERSIONS,
  IOMMU_OPTS,
  TEE_TYPES,
  V8R_EL1_MSA,
  X86_EMU_FLAGS,
  X86_MISC_FLAGS,
  XEN_DOMCTL_ALTP2M_mode_mask,
  XEN_DOMCTL_createdomain,
  XEN_DOMCTL_GRANT_version_mask,
} from './constants.js';
import { CreateDomainError } from './errors.js';
import { FIELD_SIZE, type FieldKey, type FieldLayout, layoutFor } from './layout.js';
import { CREATEDOMAIN_RELEASES, type CreateDomainTarget } from './releases.js';
import type { CreateDomainSpec } from './spec.js';

export interface DecodedField {
  layout: FieldLayout;
  /** Numeric value (for `handle`, 0; see `bytes`). */
  value: number;
  bytes: Uint8Array;
}

/** Reads every field of the target's layout, checking length and the zero bytes between fields. */
export function readDomctlFields(bytes: Uint8Array, target: CreateDomainTarget): DecodedField[] {
  if (bytes.length !== DOMCTL_SIZE) {
    throw new CreateDomainError(
      'BAD_LENGTH',
      Math.min(bytes.length, DOMCTL_SIZE),
      `expected ${DOMCTL_SIZE} bytes, got ${bytes.length}`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, DOMCTL_SIZE);
  const covered = new Uint8Array(DOMCTL_SIZE);
  const fields: DecodedField[] = [];
  for (const f of layoutFor(target)) {
    const size = FIELD_SIZE[f.type];
    covered.fill(1, f.offset, f.offset + size);
    const value =
      f.type === 'u8'
        ? dv.getUint8(f.offset)
        : f.type === 'u16'
          ? dv.getUint16(f.offset, true)
          : f.type === 'u32'
            ? dv.getUint32(f.offset, true)
            : f.type === 'i32'
              ? dv.getInt32(f.offset, true)
              : 0;
    fields.push({ layout: f, value, bytes: bytes.slice(f.offset, f.offset + size) });
  }
  for (let i = 0; i < DOMCTL_SIZE; i++) {
    if (!covered[i] && bytes[i] !== 0) {
      throw new CreateDomainError(
        'NONZERO_PADDING',
        i,
        `byte ${i} lies outside every field of Xen ${target.release} ${target.arch} and must be 0`,
      );
    }
  }
  return fields;
}

function names<T extends string>(
  table: Readonly<Record<T, number>>,
  allowed: readonly string[] | undefined,
  value: number,
  offset: number,
  field: string,
): T[] {
  const out: T[] = [];
  let rest = value >>> 0;
  for (const [name, bit] of Object.entries(table) as [T, number][]) {
    if ((allowed === undefined || allowed.includes(name)) && (rest & bit) === bit) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0)
    throw new CreateDomainError(
      'UNKNOWN_BITS',
      offset,
      `${field} has undefined bits 0x${(rest >>> 0).toString(16)}`,
    );
  return out;
}

function nameOf<T extends string>(
  table: Readonly<Record<T, number>>,
  allowed: readonly string[] | undefined,
  value: number,
  offset: number,
  field: string,
): T {
  for (const [name, v] of Object.entries(table) as [T, number][]) {
    if (v === value && (allowed === undefined || allowed.includes(name))) return name;
  }
  throw new CreateDomainError(
    'UNKNOWN_VALUE',
    offset,
    `${field} = ${value} is not a value this release defines`,
  );
}

/** Bytes → spec with names, for the given release and arch. */
export function decodeCreateDomain(bytes: Uint8Array, target: CreateDomainTarget): CreateDomainSpec {
  const facts = CREATEDOMAIN_RELEASES[target.release];
  const fields = readDomctlFields(bytes, target);
  const byKey = new Map<FieldKey, DecodedField>(fields.map((f) => [f.layout.key, f]));
  const at = (k: FieldKey) => byKey.get(k)?.layout.offset ?? 0;
  const num = (k: FieldKey) => byKey.get(k)?.value ?? 0;
  if (num('cmd') !== XEN_DOMCTL_createdomain) {
    throw new CreateDomainError('BAD_CMD', at('cmd'), `cmd = ${num('cmd')}, not XEN_DOMCTL_createdomain`);
  }
  if (num('interface_version') !== facts.interfaceVersion) {
    throw new CreateDomainError(
      'BAD_INTERFACE_VERSION',
      at('interface_version'),
      `interface_version 0x${num('interface_version').toString(16)} is not Xen ${target.release}'s 0x${facts.interfaceVersion.toString(16)}`,
    );
  }
  if ((num('grant_opts') & ~XEN_DOMCTL_GRANT_version_mask) !== 0) {
    throw new CreateDomainError(
      'UNKNOWN_BITS',
      at('grant_opts'),
      'grant_opts has bits outside XEN_DOMCTL_GRANT_version_mask',
    );
  }
  const altOpts = num('altp2m.opts');
  if ((altOpts & ~XEN_DOMCTL_ALTP2M_mode_mask) !== 0) {
    throw new CreateDomainError(
      'UNKNOWN_BITS',
      at('altp2m.opts'),
      'altp2m opts has bits outside XEN_DOMCTL_ALTP2M_mode_mask',
    );
  }
  const mode: Altp2mMode | null =
    altOpts === 0 ? null : nameOf(ALTP2M_MODES, undefined, altOpts, at('altp2m.opts'), 'altp2m.opts');
  const arch: CreateDomainSpec['arch'] =
    target.arch === 'x86_64'
      ? {
          kind: 'x86_64',
          emulation_flags: names(
            X86_EMU_FLAGS,
            undefined,
            num('arch.emulation_flags'),
            at('arch.emulation_flags'),
            'arch.emulation_flags',
          ),
          misc_flags: names(
            X86_MISC_FLAGS,
            undefined,
            num('arch.misc_flags'),
            at('arch.misc_flags'),
            'arch.misc_flags',
          ),
        }
      : {
          kind: 'arm64',
          gic_version: nameOf(
            GIC_VERSIONS,
            undefined,
            num('arch.gic_version'),
            at('arch.gic_version'),
            'arch.gic_version',
          ),
          sve_vl: num('arch.sve_vl'),
          tee_type: nameOf(
            TEE_TYPES,
            facts.teeTypes,
            num('arch.tee_type'),
            at('arch.tee_type'),
            'arch.tee_type',
          ),
          nr_spis: num('arch.nr_spis'),
          clock_frequency: num('arch.clock_frequency'),
          arm_sci_type: nameOf(
            ARM_SCI_TYPES,
            [...facts.armSciTypes, 'XEN_DOMCTL_CONFIG_ARM_SCI_NONE'],
            num('arch.arm_sci_type'),
            at('arch.arm_sci_type'),
            'arch.arm_sci_type',
          ),
          v8r_el1_msa: nameOf(
            V8R_EL1_MSA,
            [...facts.v8rEl1Msa, 'XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_NONE'],
            num('arch.v8r_el1_msa'),
            at('arch.v8r_el1_msa'),
            'arch.v8r_el1_msa',
          ),
        };
  if (num('arch.pad') !== 0)
    throw new CreateDomainError('NONZERO_PADDING', at('arch.pad'), 'arch.pad must be 0');
  return {
    domain: num('domain'),
    ssidref: num('ssidref'),
    handle: byKey.get('handle')?.bytes ?? new Uint8Array(16),
    flags: names(CDF_FLAGS, facts.cdfFlags, num('flags'), at('flags'), 'flags'),
    iommu_opts: names(IOMMU_OPTS, undefined, num('iommu_opts'), at('iommu_opts'), 'iommu_opts'),
    max_vcpus: num('max_vcpus'),
    max_evtchn_port: num('max_evtchn_port'),
    max_grant_frames: num('max_grant_frames'),
    max_maptrack_frames: num('max_maptrack_frames'),
    grant_version: num('grant_opts'),
    altp2m: { mode, nr: num('altp2m.nr') },
    vmtrace_size: num('vmtrace_size'),
    cpupool_id: num('cpupool_id'),
    arch,
  };
}
