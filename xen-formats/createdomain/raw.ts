// Spec ↔ raw field values. Names become bits here, and every reason a spec cannot be written for
// a target (unknown name, name or field the release lacks, value too wide) is found here.
import {
  ALTP2M_MODES,
  ARM_SCI_TYPES,
  CDF_FLAGS,
  GIC_VERSIONS,
  IOMMU_OPTS,
  TEE_TYPES,
  V8R_EL1_MSA,
  X86_EMU_FLAGS,
  X86_MISC_FLAGS,
  XEN_DOMCTL_createdomain,
  XEN_DOMCTL_GRANT_version_mask,
} from './constants.js';
import type { CreateDomainProblem } from './errors.js';
import { type FieldKey, type FieldType, fieldFor } from './layout.js';
import { CREATEDOMAIN_RELEASES, type CreateDomainTarget } from './releases.js';
import type { CreateDomainSpec } from './spec.js';

export type RawValues = Partial<Record<Exclude<FieldKey, 'handle'>, number>>;

export interface RawCreateDomain {
  values: RawValues;
  handle: Uint8Array;
}

const RANGE: Readonly<Record<Exclude<FieldType, 'bytes16'>, readonly [number, number]>> = {
  u8: [0, 0xff],
  u16: [0, 0xffff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
};

/** ORs the bits of `names`; names outside `table` or outside `allowed` become problems. */
function bits<T extends string>(
  table: Readonly<Record<T, number>>,
  allowed: readonly string[] | undefined,
  names: readonly string[],
  field: string,
  release: string,
  out: CreateDomainProblem[],
): number {
  let v = 0;
  for (const n of names) {
    const bit = (table as Readonly<Record<string, number>>)[n];
    if (bit === undefined) {
      out.push({ id: 'createdomain-unknown-name', field, message: `${n} is not a ${field} name` });
    } else if (allowed && !allowed.includes(n)) {
      out.push({
        id: 'createdomain-not-in-release',
        field,
        message: `${n} does not exist in Xen ${release}`,
      });
    } else v |= bit;
  }
  return v >>> 0;
}

function one<T extends string>(
  table: Readonly<Record<T, number>>,
  allowed: readonly string[] | undefined,
  name: string,
  field: string,
  release: string,
  out: CreateDomainProblem[],
): number {
  return bits(table, allowed, [name], field, release, out);
}

export function specToRaw(
  spec: CreateDomainSpec,
  target: CreateDomainTarget,
): { raw: RawCreateDomain; problems: CreateDomainProblem[] } {
  const facts = CREATEDOMAIN_RELEASES[target.release];
  const rel = target.release;
  const problems: CreateDomainProblem[] = [];
  const v: RawValues = {
    cmd: XEN_DOMCTL_createdomain,
    interface_version: facts.interfaceVersion,
    domain: spec.domain,
    ssidref: spec.ssidref,
    flags: bits(CDF_FLAGS, facts.cdfFlags, spec.flags, 'flags', rel, problems),
    iommu_opts: bits(IOMMU_OPTS, undefined, spec.iommu_opts, 'iommu_opts', rel, problems),
    max_vcpus: spec.max_vcpus,
    max_evtchn_port: spec.max_evtchn_port,
    max_grant_frames: spec.max_grant_frames,
    max_maptrack_frames: spec.max_maptrack_frames,
    grant_opts: grantOpts(spec.grant_version, problems),
    'altp2m.opts':
      spec.altp2m.mode === null
        ? 0
        : one(ALTP2M_MODES, undefined, spec.altp2m.mode, 'altp2m.mode', rel, problems),
    'altp2m.nr': spec.altp2m.nr,
    vmtrace_size: spec.vmtrace_size,
    cpupool_id: spec.cpupool_id,
  };
  const a = spec.arch;
  if (a.kind !== target.arch) {
    problems.push({
      id: 'createdomain-arch-mismatch',
      field: 'arch',
      message: `the spec describes an ${a.kind} domain but the target is ${target.arch}`,
    });
  } else if (a.kind === 'x86_64') {
    v['arch.emulation_flags'] = bits(
      X86_EMU_FLAGS,
      undefined,
      a.emulation_flags,
      'arch.emulation_flags',
      rel,
      problems,
    );
    v['arch.misc_flags'] = bits(X86_MISC_FLAGS, undefined, a.misc_flags, 'arch.misc_flags', rel, problems);
  } else {
    v['arch.gic_version'] = one(GIC_VERSIONS, undefined, a.gic_version, 'arch.gic_version', rel, problems);
    v['arch.sve_vl'] = a.sve_vl;
    v['arch.tee_type'] = one(TEE_TYPES, facts.teeTypes, a.tee_type, 'arch.tee_type', rel, problems);
    v['arch.nr_spis'] = a.nr_spis;
    v['arch.clock_frequency'] = a.clock_frequency;
    // The NONE value of a field the release lacks is its implicit zero, so it is always allowed.
    v['arch.arm_sci_type'] = one(
      ARM_SCI_TYPES,
      [...facts.armSciTypes, 'XEN_DOMCTL_CONFIG_ARM_SCI_NONE'],
      a.arm_sci_type,
      'arch.arm_sci_type',
      rel,
      problems,
    );
    v['arch.v8r_el1_msa'] = one(
      V8R_EL1_MSA,
      [...facts.v8rEl1Msa, 'XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_NONE'],
      a.v8r_el1_msa,
      'arch.v8r_el1_msa',
      rel,
      problems,
    );
  }
  const values: RawValues = {};
  for (const [key, value] of Object.entries(v) as [Exclude<FieldKey, 'handle'>, number][]) {
    const f = fieldFor(target, key);
    if (!f) {
      if (value !== 0) {
        problems.push({
          id: 'createdomain-not-in-release',
          field: key,
          message: `Xen ${rel} has no ${key} field`,
        });
      }
      continue;
    }
    const [lo, hi] = RANGE[f.type as Exclude<FieldType, 'bytes16'>];
    if (!Number.isInteger(value) || value < lo || value > hi) {
      problems.push({
        id: 'createdomain-out-of-range',
        field: key,
        message: `${key} = ${value} does not fit ${f.type} (${lo}..${hi})`,
      });
      continue;
    }
    values[key] = value;
  }
  if (!(spec.handle instanceof Uint8Array) || spec.handle.length !== 16) {
    problems.push({
      id: 'createdomain-out-of-range',
      field: 'handle',
      message: 'handle must be exactly 16 bytes',
    });
  }
  return { raw: { values, handle: spec.handle }, problems };
}

function grantOpts(version: number, out: CreateDomainProblem[]): number {
  if (Number.isInteger(version) && version >= 0 && version <= XEN_DOMCTL_GRANT_version_mask) return version;
  out.push({
    id: 'createdomain-out-of-range',
    field: 'grant_version',
    message: `grant_version ${version} does not fit XEN_DOMCTL_GRANT_version_mask (0..15)`,
  });
  return 0;
}
