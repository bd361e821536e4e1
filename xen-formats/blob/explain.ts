// A Blob explained field by field for `dombuild blob inspect`: offsets, raw values and what they
// mean, with flag and enum names (via decodeCreateDomain), never bare numbers.
import { DOMID_ANY } from '../createdomain/constants.js';
import { readDomctlFields } from '../createdomain/decode.js';
import { formatHandle } from '../createdomain/handle.js';
import type { FieldKey } from '../createdomain/layout.js';
import type { CreateDomainSpec } from '../createdomain/spec.js';
import type { Blob, BlobDomain } from './types.js';

export interface ExplainedField {
  /** Absolute byte offset in the blob. */
  offset: number;
  size: number;
  field: string;
  /** The raw value: a number, or hex for byte strings. */
  raw: number | string;
  meaning: string;
}

export interface ExplainedDomain {
  index: number;
  offset: number;
  name: string;
  kind: string;
  memoryKiB: number;
  cmdline: string | null;
  modules: Blob['domains'][number]['modules'];
  params: Blob['domains'][number]['params'];
  domctl: ExplainedField[];
  skippedRecords: number;
}

export interface BlobExplanation {
  header: Blob['header'];
  domains: ExplainedDomain[];
  skippedRecords: number;
}

const hex = (n: number) => `0x${n.toString(16)}`;
const list = (names: readonly string[]) => (names.length ? names.join(' | ') : '0 (none)');
const frames = (n: number) => (n < 0 ? 'hypervisor default' : `${n}`);

function meaning(key: FieldKey, value: number, s: CreateDomainSpec, blob: Blob): string {
  const a = s.arch;
  switch (key) {
    case 'cmd':
      return 'XEN_DOMCTL_createdomain';
    case 'interface_version':
      return `XEN_DOMCTL_INTERFACE_VERSION of Xen ${blob.header.release}`;
    case 'domain':
      return value === DOMID_ANY ? 'DOMID_ANY (Xen allocates)' : `domid ${value}`;
    case 'handle':
      return formatHandle(s.handle);
    case 'flags':
      return list(s.flags);
    case 'iommu_opts':
      return list(s.iommu_opts);
    case 'grant_opts':
      return `XEN_DOMCTL_GRANT_version(${s.grant_version})`;
    case 'max_grant_frames':
    case 'max_maptrack_frames':
      return frames(value);
    case 'altp2m.opts':
      return s.altp2m.mode ?? 'altp2m off';
    case 'vmtrace_size':
      return value === 0 ? 'off' : `${value} bytes per vCPU`;
    case 'cpupool_id':
      return value === 0 ? 'Pool-0' : `cpupool ${value}`;
    case 'arch.emulation_flags':
      return a.kind === 'x86_64' ? list(a.emulation_flags) : '';
    case 'arch.misc_flags':
      return a.kind === 'x86_64' ? list(a.misc_flags) : '';
    case 'arch.gic_version':
      return a.kind === 'arm64' ? a.gic_version : '';
    case 'arch.tee_type':
      return a.kind === 'arm64' ? a.tee_type : '';
    case 'arch.arm_sci_type':
      return a.kind === 'arm64' ? a.arm_sci_type : '';
    case 'arch.v8r_el1_msa':
      return a.kind === 'arm64' ? a.v8r_el1_msa : '';
    case 'arch.sve_vl':
      return value === 0 ? 'SVE off' : `${value * 128}-bit vectors`;
    case 'arch.clock_frequency':
      return value === 0 ? '(filled in by Xen)' : `${value} Hz`;
    default:
      return `${value}`;
  }
}

function explainDomain(blob: Blob, d: BlobDomain, index: number): ExplainedDomain {
  const fields = readDomctlFields(d.domctl, blob.header);
  return {
    index,
    offset: d.offset,
    name: d.name,
    kind: d.kind,
    memoryKiB: d.memoryKiB,
    cmdline: d.cmdline,
    modules: d.modules,
    params: d.params,
    domctl: fields.map((f) => ({
      offset: d.domctlOffset + f.layout.offset,
      size: f.bytes.length,
      field: f.layout.cName,
      raw: f.layout.type === 'bytes16' ? Buffer.from(f.bytes).toString('hex') : f.value,
      meaning: meaning(f.layout.key, f.value, d.createdomain, blob),
    })),
    skippedRecords: d.skipped.length,
  };
}

export function explainBlob(blob: Blob): BlobExplanation {
  return {
    header: blob.header,
    domains: blob.domains.map((d, i) => explainDomain(blob, d, i)),
    skippedRecords: blob.skipped.length,
  };
}

function size(kib: number): string {
  return kib % 1024 === 0 ? `${kib} KiB (${kib / 1024} MiB)` : `${kib} KiB`;
}

/** The human rendering `blob inspect` prints. */
export function formatBlobExplanation(e: BlobExplanation): string {
  const h = e.header;
  const out: string[] = [
    `createdomain blob, format ${h.formatMajor}.${h.formatMinor}: Xen ${h.release} ${h.arch}, ` +
      `XEN_DOMCTL_INTERFACE_VERSION ${hex(h.interfaceVersion)}, ${h.domainCount} domain(s), ${h.totalLength} bytes, crc32 ${hex(h.crc32)}`,
  ];
  if (e.skippedRecords) out.push(`  (${e.skippedRecords} unknown non-critical record(s) skipped)`);
  for (const d of e.domains) {
    out.push('', `domain[${d.index}] ${JSON.stringify(d.name)} (${d.kind}) @${hex(d.offset)}`);
    out.push(`  memory    ${size(d.memoryKiB)}`);
    out.push(`  cmdline   ${d.cmdline === null ? '(none)' : JSON.stringify(d.cmdline)}`);
    for (const m of d.modules) {
      const at = m.loadAddress === null ? 'not placed' : `at ${hex(m.loadAddress)}`;
      out.push(`  module    ${m.kind} ${at}, ${m.size} bytes, sha256 ${m.sha256}`);
    }
    for (const p of d.params)
      out.push(`  param     ${p.text}${p.known ? '' : '   (unknown key, kept verbatim)'}`);
    if (d.skippedRecords) out.push(`  (${d.skippedRecords} unknown non-critical record(s) skipped)`);
    out.push('  struct xen_domctl:');
    const w = Math.max(...d.domctl.map((f) => f.field.length));
    for (const f of d.domctl) {
      const raw = typeof f.raw === 'number' ? (f.raw < 0 ? `${f.raw}` : hex(f.raw)) : f.raw;
      out.push(`    @${hex(f.offset).padEnd(6)} ${f.field.padEnd(w)}  ${raw.padEnd(10)}  ${f.meaning}`);
    }
  }
  return `${out.join('\n')}\n`;
}
