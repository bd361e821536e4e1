// createdomain.bin → items. Per domain: every member of the decoded `xen_domctl_createdomain` by
// its C name (flag fields one flag at a time, so each flag is attributed on its own), and the
// blob's other records. For the system: how the release lays the argument out, from the ABI
// tables (xen-formats/createdomain: releases.ts, layout.ts), not from the bytes.
import { registry } from '../schema/registry.js';
import { releaseAtLeast, type XenRelease } from '../schema/releases.js';
import { readBlob } from '../xen-formats/blob/read.js';
import type { BlobDomain } from '../xen-formats/blob/types.js';
import { type FieldKey, layoutFor } from '../xen-formats/createdomain/layout.js';
import { CREATEDOMAIN_RELEASES, type CreateDomainTarget } from '../xen-formats/createdomain/releases.js';
import type { CreateDomainSpec } from '../xen-formats/createdomain/spec.js';
import { type Grouped, type Item, SYSTEM } from './model.js';

/** Members that hold a set of named bits: one item per bit. */
const SET_FIELDS = ['flags', 'iommu_opts', 'arch.emulation_flags', 'arch.misc_flags'] as const;

/**
 * Members no registry entry writes, and the field that decides them: the handle is derived from
 * the name; the GIC version and TEE type are the board's; `domain` is always DOMID_ANY and
 * `ssidref` 0, so they change only with the domain itself.
 */
const FIXED_CONTROL: Readonly<Record<string, string>> = {
  domain: 'name',
  ssidref: 'name',
  handle: 'name',
  'arch.gic_version': 'board',
  'arch.tee_type': 'board',
};

/** item (`flags XEN_DOMCTL_CDF_iommu`, `max_vcpus`) → the registry entries whose encodings write it. */
const BY_ITEM = new Map<string, string[]>();
for (const f of registry) {
  for (const enc of f.createdomain ?? []) {
    const keys = new Set<string>([enc.field]);
    if (enc.flag) keys.add(`${enc.field} ${enc.flag}`);
    for (const names of Object.values(enc.values ?? {})) for (const n of names) keys.add(`${enc.field} ${n}`);
    for (const k of keys) BY_ITEM.set(k, [...(BY_ITEM.get(k) ?? []), f.key]);
  }
}

function controlsOf(item: string): string[] {
  const field = item.split(' ')[0] as string;
  return BY_ITEM.get(item) ?? BY_ITEM.get(field) ?? [FIXED_CONTROL[field] ?? 'name'];
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** The decoded spec as (item, value) pairs; OUT-only members (clock_frequency) are left out. */
export function specItems(spec: CreateDomainSpec, release: XenRelease): Item[] {
  const pairs: [string, string][] = [
    ['domain', hex(spec.domain)],
    ['ssidref', String(spec.ssidref)],
    ['handle', Array.from(spec.handle, (b) => b.toString(16).padStart(2, '0')).join('')],
    ['max_vcpus', String(spec.max_vcpus)],
    ['max_evtchn_port', String(spec.max_evtchn_port)],
    [
      'max_grant_frames',
      spec.max_grant_frames < 0
        ? `${spec.max_grant_frames} (hypervisor default)`
        : String(spec.max_grant_frames),
    ],
    [
      'max_maptrack_frames',
      spec.max_maptrack_frames < 0
        ? `${spec.max_maptrack_frames} (hypervisor default)`
        : String(spec.max_maptrack_frames),
    ],
    ['grant_opts', `XEN_DOMCTL_GRANT_version(${spec.grant_version})`],
    ['altp2m.opts', spec.altp2m.mode ?? '0 (off)'],
    ['altp2m.nr', String(spec.altp2m.nr)],
    ['vmtrace_size', String(spec.vmtrace_size)],
    ['cpupool_id', String(spec.cpupool_id)],
  ];
  const sets: [(typeof SET_FIELDS)[number], readonly string[]][] = [
    ['flags', spec.flags],
    ['iommu_opts', spec.iommu_opts],
  ];
  if (spec.arch.kind === 'arm64') {
    const a = spec.arch;
    pairs.push(
      ['arch.gic_version', a.gic_version],
      ['arch.sve_vl', String(a.sve_vl)],
      ['arch.tee_type', a.tee_type],
      ['arch.nr_spis', String(a.nr_spis)],
      ['arch.arm_sci_type', a.arm_sci_type],
      ['arch.v8r_el1_msa', a.v8r_el1_msa],
    );
  } else {
    sets.push(['arch.emulation_flags', spec.arch.emulation_flags], ['arch.misc_flags', spec.arch.misc_flags]);
  }
  const items: Item[] = pairs.map(([item, value]) => ({
    kind: 'createdomain',
    item,
    value,
    controls: controlsOf(item),
  }));
  for (const [field, names] of sets) {
    for (const n of names) {
      const item = `${field} ${n}`;
      items.push({ kind: 'createdomain', item, value: 'set', controls: controlsOf(item) });
    }
  }
  for (const item of impliedBits(release)) {
    if (!items.some((i) => i.item === item))
      items.push({ kind: 'createdomain', item, value: 'set', controls: controlsOf(item) });
  }
  return items;
}

/**
 * Bits a release has no name for because it always behaves as they say: before 4.21 Xen always
 * trapped unmapped MMIO accesses, which 4.21's XEN_DOMCTL_CDF_trap_unmapped_accesses (set by
 * default) keeps. Read from the registry: a flag encoding newer than the release, of a control
 * whose Xen default turns it on, counts as set; else every 4.20 → 4.21 diff would be a change.
 */
function impliedBits(release: XenRelease): string[] {
  const out: string[] = [];
  for (const f of registry) {
    const dflt = f.xenDefault.value;
    if (dflt === undefined) continue;
    for (const enc of f.createdomain ?? []) {
      // Enumerations and numbers already decode to their neutral value where a release lacks them.
      if (!(SET_FIELDS as readonly string[]).includes(enc.field)) continue;
      if (releaseAtLeast(release, enc.since ?? f.since)) continue;
      if (enc.flag && dflt === true) out.push(`${enc.field} ${enc.flag}`);
      for (const n of enc.values?.[String(dflt)] ?? []) out.push(`${enc.field} ${n}`);
    }
  }
  return out;
}

const MODULE_CONTROL: Readonly<Record<string, string>> = {
  kernel: 'kernel',
  ramdisk: 'ramdisk',
  // The partial device tree is the passthrough control's module (registry dt.kind 'module').
  'device-tree': registry.find((f) => f.dt?.kind === 'module')?.key ?? 'passthrough',
  'xsm-policy': 'xen.xsmPolicy',
  microcode: 'kernel',
};

/** The blob's records beside the domctl. Known params are left out: their fields are compared. */
function recordItems(d: BlobDomain): Item[] {
  const items: Item[] = [
    {
      kind: 'blob',
      item: 'created by',
      value: d.kind === 'boot' ? 'Xen at boot' : 'the toolstack',
      controls: ['boot'],
    },
    { kind: 'blob', item: 'memory', value: `${d.memoryKiB} KiB`, controls: ['memory'] },
  ];
  if (d.cmdline !== null)
    items.push({ kind: 'blob', item: 'cmdline', value: JSON.stringify(d.cmdline), controls: ['cmdline'] });
  for (const m of d.modules) {
    const controls = [MODULE_CONTROL[m.kind] ?? 'kernel'];
    items.push(
      { kind: 'blob', item: `module ${m.kind}: sha256`, value: m.sha256, controls },
      { kind: 'blob', item: `module ${m.kind}: size`, value: `${m.size} bytes`, controls },
    );
  }
  for (const p of d.params) {
    if (!p.known)
      items.push({ kind: 'blob', item: `param ${p.text}`, value: 'kept verbatim', controls: ['params'] });
  }
  return items;
}

/** How the target release lays out the argument: interface version, each member's offset, the flags it defines. */
export function abiItems(target: CreateDomainTarget): Item[] {
  const facts = CREATEDOMAIN_RELEASES[target.release];
  const controls = ['xen.release'];
  const items: Item[] = [
    { kind: 'abi', item: 'interface_version', value: hex(facts.interfaceVersion), controls },
  ];
  for (const f of layoutFor(target)) {
    // The OUT field and the padding are part of the layout a toolstack must respect, so they count.
    items.push({
      kind: 'abi',
      item: `layout ${f.key as FieldKey}`,
      value: `@${f.offset} ${f.type} (${f.cName})`,
      controls,
    });
  }
  for (const flag of facts.cdfFlags)
    items.push({ kind: 'abi', item: `defines ${flag}`, value: 'yes', controls });
  return items;
}

/** Every item createdomain.bin holds, grouped by domain, plus the ABI items of its release and arch. */
export function createdomainItems(blobBytes: Uint8Array, into: Grouped): void {
  const blob = readBlob(blobBytes);
  const add = (group: string, items: Item[]) => into.set(group, [...(into.get(group) ?? []), ...items]);
  add(SYSTEM, abiItems({ release: blob.header.release, arch: blob.header.arch }));
  for (const d of blob.domains) {
    add(d.name, [...specItems(d.createdomain, blob.header.release), ...recordItems(d)]);
  }
}
