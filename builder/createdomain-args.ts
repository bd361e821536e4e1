// Config → createdomain specs and the createdomain.bin blob. The loop below reads each registry
// entry's `createdomain` encodings (data naming Xen's C names); no feature is handled by name.
// How a value lands in the spec depends only on the encoding's field, through FIELD_SLOTS.
import type { BoardFacts } from '../schema/board-facts.js';
import type { Config, Domain } from '../schema/config.js';
import type { Diagnostic } from '../schema/diagnostic.js';
import {
  type CreatedomainEncoding,
  type CreatedomainField,
  type Feature,
  registry,
} from '../schema/registry.js';
import { releaseAtLeast, type XenRelease } from '../schema/releases.js';
import type { ModuleKind } from '../xen-formats/blob/format.js';
import type { BlobDomainSpec, BlobModule, BlobSpec } from '../xen-formats/blob/types.js';
import { writeBlob } from '../xen-formats/blob/write.js';
import { ALL_CONSTANTS } from '../xen-formats/createdomain/constants.js';
import type { CreateDomainProblem } from '../xen-formats/createdomain/errors.js';
import { fieldFor, type SettableField } from '../xen-formats/createdomain/layout.js';
import {
  CREATEDOMAIN_UNRESOLVABLE,
  createDomainHint,
  severityOf,
} from '../xen-formats/createdomain/problem-docs.js';
import { createDomainProblems } from '../xen-formats/createdomain/problems.js';
import type {
  XenRelease as AbiRelease,
  CreateDomainArch,
  CreateDomainTarget,
} from '../xen-formats/createdomain/releases.js';
import { type CreateDomainSpec, createDomainSpec } from '../xen-formats/createdomain/spec.js';

export type FromConfigErrorCode =
  | 'UNRESOLVABLE'
  | 'UNKNOWN_VALUE'
  | 'UNKNOWN_CPUPOOL'
  | 'MISSING_SHA256'
  | 'ARCH';

/** A config value that cannot become createdomain bytes at build time. */
export class FromConfigError extends Error {
  override name = 'FromConfigError';
  constructor(
    readonly code: FromConfigErrorCode,
    /** Config path, e.g. `domains[1].sve`. */
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** Where a createdomain field lives in CreateDomainSpec and what shape it has there. Set fields
 * collect the names every encoding adds; enum fields take one name; numbers are converted. */
type SetPath = 'flags' | 'iommu_opts' | 'arch.emulation_flags' | 'arch.misc_flags';
type Slot =
  | { kind: 'set'; path: SetPath }
  | {
      kind: 'enum';
      path: 'altp2m.mode' | 'arch.gic_version' | 'arch.tee_type' | 'arch.arm_sci_type' | 'arch.v8r_el1_msa';
    }
  | {
      kind: 'number';
      path:
        | 'max_vcpus'
        | 'max_evtchn_port'
        | 'max_grant_frames'
        | 'max_maptrack_frames'
        | 'grant_version'
        | 'vmtrace_size'
        | 'cpupool_id'
        | 'altp2m.nr'
        | 'arch.sve_vl'
        | 'arch.nr_spis';
    };

const FIELD_SLOTS: Readonly<Record<CreatedomainField, Slot>> = {
  flags: { kind: 'set', path: 'flags' },
  iommu_opts: { kind: 'set', path: 'iommu_opts' },
  'arch.emulation_flags': { kind: 'set', path: 'arch.emulation_flags' },
  'arch.misc_flags': { kind: 'set', path: 'arch.misc_flags' },
  'altp2m.opts': { kind: 'enum', path: 'altp2m.mode' },
  'altp2m.nr': { kind: 'number', path: 'altp2m.nr' },
  'arch.gic_version': { kind: 'enum', path: 'arch.gic_version' },
  'arch.tee_type': { kind: 'enum', path: 'arch.tee_type' },
  'arch.arm_sci_type': { kind: 'enum', path: 'arch.arm_sci_type' },
  'arch.v8r_el1_msa': { kind: 'enum', path: 'arch.v8r_el1_msa' },
  max_vcpus: { kind: 'number', path: 'max_vcpus' },
  max_evtchn_port: { kind: 'number', path: 'max_evtchn_port' },
  max_grant_frames: { kind: 'number', path: 'max_grant_frames' },
  max_maptrack_frames: { kind: 'number', path: 'max_maptrack_frames' },
  grant_opts: { kind: 'number', path: 'grant_version' },
  vmtrace_size: { kind: 'number', path: 'vmtrace_size' },
  cpupool_id: { kind: 'number', path: 'cpupool_id' },
  'arch.sve_vl': { kind: 'number', path: 'arch.sve_vl' },
  'arch.nr_spis': { kind: 'number', path: 'arch.nr_spis' },
};

export interface FromConfigOptions {
  /** The target architecture (config.arch, or the board's). */
  arch: CreateDomainArch;
  /**
   * What is known of the board. Xen's dom0less builder reads some values from the hardware at
   * boot: `sve: max` (the CPUs' vector length) and, when `nrSpis` is absent, the host GIC's SPI
   * count. Without these facts `sve: max` cannot be written and nr_spis stays 0.
   */
  board?: BoardFacts;
}

/** Values Xen's dom0less builder takes from the hardware for a boot domain whose config omits the control. */
const BOOT_HARDWARE_DEFAULTS: ReadonlyArray<{
  field: CreatedomainField;
  path: 'arch.nr_spis';
  from: (b: BoardFacts) => number | undefined;
}> = [{ field: 'arch.nr_spis', path: 'arch.nr_spis', from: (b) => b.gic?.maxSpis }];

/**
 * Values the toolstack fills in when the config leaves a field out but another setting needs it:
 * libxl asks for 10 altp2m views (its old fixed count) when altp2m is on and altp2m_count is
 * unset. Applied only where the release's layout has the field.
 */
const TOOLSTACK_DEFAULTS: ReadonlyArray<{
  field: CreatedomainField;
  path: 'altp2m.nr';
  value: number;
  when: (spec: CreateDomainSpec) => boolean;
}> = [{ field: 'altp2m.nr', path: 'altp2m.nr', value: 10, when: (s) => s.altp2m.mode !== null }];

/**
 * Boot-time cpupool ids as Xen's boot-cpupool code assigns them: pools in /chosen order from 0,
 * CPUs in no pool form one more pool, and the pool holding CPU 0 swaps ids with pool 0.
 */
export function bootCpupoolIds(config: Config): Map<string, number> {
  const pools = config.cpupools;
  const ids = new Map(pools.map((p, i) => [p.name, i] as const));
  const holder = pools.findIndex((p) => p.cpus.includes(0));
  const cpu0Pool = holder === -1 ? pools.length : holder;
  if (pools.length > 0 && cpu0Pool !== 0) {
    const first = pools[0]!.name;
    ids.set(first, cpu0Pool);
    if (holder !== -1) ids.set(pools[holder]!.name, 0);
  }
  return ids;
}

function toNumber(v: unknown, path: string): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    throw new FromConfigError('UNKNOWN_VALUE', path, `not a number: ${String(v)}`);
  return n;
}

function convert(
  enc: CreatedomainEncoding,
  v: unknown,
  path: string,
  config: Config,
  opts: FromConfigOptions,
): number {
  switch (enc.value ?? 'number') {
    case 'bytes':
    case 'number':
    case 'grant-version':
      return toNumber(v, path);
    case 'sve-vl':
      if (v === 'max') {
        if (!opts.board?.sveMaxBits) {
          throw new FromConfigError(
            'UNRESOLVABLE',
            path,
            '"max" is the CPUs\' vector length; the board facts do not give it',
          );
        }
        return opts.board.sveMaxBits / 128;
      }
      return toNumber(v, path) / 128;
    case 'cpupool-id': {
      const id = bootCpupoolIds(config).get(String(v));
      if (id === undefined)
        throw new FromConfigError('UNKNOWN_CPUPOOL', path, `no cpupool named ${String(v)}`);
      return id;
    }
  }
}

/** C constant names an enum/list encoding gives for a value (a string or a list of strings). */
function names(enc: CreatedomainEncoding, v: unknown, path: string): string[] {
  if (enc.flag !== undefined) return v === true ? [enc.flag] : [];
  const items = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (const item of items) {
    const mapped = enc.values?.[String(item)];
    // A list value without an entry (e.g. capabilities: control) has no createdomain bit.
    if (mapped === undefined) {
      if (!Array.isArray(v))
        throw new FromConfigError('UNKNOWN_VALUE', path, `no createdomain encoding for ${String(item)}`);
      continue;
    }
    out.push(...mapped);
  }
  return out;
}

type Mutable = {
  -readonly [K in keyof CreateDomainSpec]: CreateDomainSpec[K];
};

function setPath(spec: Mutable, path: string, value: unknown): void {
  const [head, tail] = path.split('.') as [string, string | undefined];
  if (tail === undefined) (spec as unknown as Record<string, unknown>)[head] = value;
  else (spec as unknown as Record<string, Record<string, unknown>>)[head]![tail] = value;
}

function applies(f: Feature, enc: CreatedomainEncoding, target: CreateDomainTarget): boolean {
  return (
    f.arches.includes(target.arch) &&
    releaseAtLeast(target.release, f.since) &&
    (enc.since === undefined || releaseAtLeast(target.release, enc.since))
  );
}

/**
 * What every domain of an arch starts from before the registry adds bits: on Arm, Xen's dom0less
 * builder always sets hvm|hap (and Xen refuses anything else); on x86 the `type` control adds the
 * flags and emulation bits, so nothing is assumed.
 */
const BASE_SETS: Readonly<Record<CreateDomainArch, Readonly<Record<SetPath, readonly string[]>>>> = {
  arm64: {
    flags: ['XEN_DOMCTL_CDF_hvm', 'XEN_DOMCTL_CDF_hap'],
    iommu_opts: [],
    'arch.emulation_flags': [],
    'arch.misc_flags': [],
  },
  x86_64: { flags: [], iommu_opts: [], 'arch.emulation_flags': [], 'arch.misc_flags': [] },
};

/** The createdomain spec Xen's builder (or a toolstack) would pass for this domain. */
export function createDomainSpecFromConfig(
  config: Config,
  domain: Domain,
  opts: FromConfigOptions,
): CreateDomainSpec {
  const target: CreateDomainTarget = { release: config.xen.release, arch: opts.arch };
  const index = config.domains.indexOf(domain);
  const spec = createDomainSpec({ name: domain.name, arch: { kind: opts.arch } }) as Mutable;
  const sets = new Map<SetPath, Set<string>>(
    Object.entries(BASE_SETS[opts.arch]).map(([k, v]) => [k as SetPath, new Set(v)]),
  );
  const values = domain as unknown as Record<string, unknown>;
  const touched = new Set<CreatedomainField>();
  for (const f of registry) {
    const value = values[f.key] ?? f.xenDefault.value;
    if (value === undefined || !f.createdomain) continue;
    const path = `domains[${index}].${f.key}`;
    for (const enc of f.createdomain) {
      if (!applies(f, enc, target)) continue;
      const slot = FIELD_SLOTS[enc.field];
      touched.add(enc.field);
      if (slot.kind === 'number') {
        setPath(spec, slot.path, convert(enc, value, path, config, opts));
      } else if (slot.kind === 'enum') {
        const [name, ...extra] = names(enc, value, path);
        if (extra.length > 0)
          throw new FromConfigError('UNKNOWN_VALUE', path, `${enc.field} takes one value`);
        // An empty list is the field's "off" value: null for altp2m, the default elsewhere.
        if (name !== undefined) setPath(spec, slot.path, name);
        else if (slot.path === 'altp2m.mode') setPath(spec, slot.path, null);
      } else {
        for (const n of names(enc, value, path)) sets.get(slot.path)?.add(n);
      }
    }
  }
  for (const d of TOOLSTACK_DEFAULTS) {
    if (!touched.has(d.field) && fieldFor(target, d.field) && d.when(spec)) setPath(spec, d.path, d.value);
  }
  if (domain.boot && opts.board && spec.arch.kind === 'arm64') {
    for (const d of BOOT_HARDWARE_DEFAULTS) {
      const v = d.from(opts.board);
      if (!touched.has(d.field) && v !== undefined) setPath(spec, d.path, v);
    }
  }
  for (const [path, set] of sets) {
    if (path.startsWith('arch.') && spec.arch.kind !== 'x86_64') continue;
    setPath(
      spec,
      path,
      [...set].sort((a, b) => (ALL_CONSTANTS[a] ?? 0) - (ALL_CONSTANTS[b] ?? 0)),
    );
  }
  return spec;
}

/** Config path of the registry control that sets a createdomain field, for diagnostics. */
function controlFor(field: string): string | undefined {
  // A problem about a whole struct (`altp2m`) belongs to its first member's control (the mode).
  const cField = Object.entries(FIELD_SLOTS).find(
    ([k, s]) => k === field || s.path === field || s.path.startsWith(`${field}.`),
  )?.[0];
  return registry.find((f) => f.createdomain?.some((e) => e.field === cField))?.key;
}

/**
 * createDomainProblems for every domain, as Diagnostics located at the control that sets the
 * field. For the validate command: the schema's checks cannot call into builder/.
 */
export function createDomainDiagnostics(config: Config, opts: FromConfigOptions): Diagnostic[] {
  const out: Diagnostic[] = [];
  const target: CreateDomainTarget = { release: config.xen.release, arch: opts.arch };
  config.domains.forEach((d, i) => {
    let problems: CreateDomainProblem[];
    try {
      problems = createDomainProblems(createDomainSpecFromConfig(config, d, opts), target);
    } catch (e) {
      if (!(e instanceof FromConfigError)) throw e;
      const d: Diagnostic = {
        id: CREATEDOMAIN_UNRESOLVABLE,
        severity: severityOf(CREATEDOMAIN_UNRESOLVABLE),
        message: e.message,
        path: e.path,
      };
      const hint = createDomainHint(d.id);
      if (hint) d.hint = hint;
      out.push(d);
      return;
    }
    for (const p of problems) {
      const key = controlFor(p.field);
      const diag: Diagnostic = {
        id: p.id,
        severity: 'error',
        message: `${d.name}: ${p.message}`,
        path: key ? `domains[${i}].${key}` : `domains[${i}]`,
        ref: 'createdomain-abi.md §3',
      };
      const hint = createDomainHint(p.id);
      if (hint) diag.hint = hint;
      out.push(diag);
    }
  });
  return out;
}

/** An image the plan placed (or resolved, for runtime domains): the parts the blob records. */
export interface BlobImageRef {
  role: string;
  domain?: string;
  /** Load address; absent for domains a toolstack creates later. */
  address?: bigint;
  size: bigint;
  sha256?: string;
}

const ROLE_TO_MODULE: Readonly<Record<string, ModuleKind>> = {
  kernel: 'kernel',
  ramdisk: 'ramdisk',
  'device-tree': 'device-tree',
};

export interface BuildBlobOptions extends FromConfigOptions {
  /** The plan's images (PlannedImage / ResolvedImage fit this shape); per-domain ones are recorded. */
  images: readonly BlobImageRef[];
}

/** The BlobSpec and createdomain.bin bytes for a validated config. */
export function buildBlobFromConfig(
  config: Config,
  opts: BuildBlobOptions,
): { spec: BlobSpec; bytes: Uint8Array } {
  const domains: BlobDomainSpec[] = config.domains.map((d, i) => {
    const modules: BlobModule[] = [];
    for (const img of opts.images) {
      const kind = ROLE_TO_MODULE[img.role];
      if (img.domain !== d.name || !kind) continue;
      if (!img.sha256)
        throw new FromConfigError('MISSING_SHA256', `domains[${i}]`, `${img.role} image has no sha256`);
      modules.push({
        kind,
        loadAddress: d.boot && img.address !== undefined ? Number(img.address) : null,
        size: Number(img.size),
        sha256: img.sha256,
      });
    }
    const unknown = new Set(d.unknownParams ?? []);
    return {
      name: d.name,
      kind: d.boot ? 'boot' : 'runtime',
      createdomain: createDomainSpecFromConfig(config, d, opts),
      memoryKiB: toNumber((d as unknown as { memory: bigint }).memory / 1024n, `domains[${i}].memory`),
      modules,
      cmdline: d.cmdline ?? null,
      params: d.params.map((text) => ({ text, known: !unknown.has(text) })),
    };
  });
  const spec: BlobSpec = { arch: opts.arch, release: config.xen.release, domains };
  return { spec, bytes: writeBlob(spec) };
}

// The registry's createdomain members and the ABI's settable ones are one list kept in two leaf
// folders; this fails to compile when they drift apart (and likewise the release lists).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const fieldsAgree: Same<CreatedomainField, SettableField> = true;
const releasesAgree: Same<XenRelease, AbiRelease> = true;
void fieldsAgree;
void releasesAgree;
