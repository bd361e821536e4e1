// BlobSpec → createdomain.bin bytes (docs/blob-format.md). Deterministic: the same spec gives the
// same bytes on every machine.
import { encodeCreateDomain } from '../createdomain/encode.js';
import { CREATEDOMAIN_RELEASES } from '../createdomain/releases.js';
import { blobCrc } from './checksum.js';
import { BlobError } from './errors.js';
import {
  ARCH_CODES,
  BLOB_MAGIC,
  DOMAIN_KINDS,
  FLAG_CRITICAL,
  FORMAT_MAJOR,
  FORMAT_MINOR,
  H,
  HEADER_SIZE,
  LIMITS,
  MODULE_HAS_ADDRESS,
  MODULE_KINDS,
  MODULE_SIZE,
  PARAM_PREFIX,
  PARAM_STATUS,
  RECORD,
} from './format.js';
import { align } from './reader.js';
import type { BlobDomainSpec, BlobSpec } from './types.js';

const utf8 = new TextEncoder();

class Sink {
  parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

function record(type: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(align(8 + value.length));
  const dv = new DataView(out.buffer);
  dv.setUint16(0, type, true);
  dv.setUint16(2, FLAG_CRITICAL, true);
  dv.setUint32(4, value.length, true);
  out.set(value, 8);
  return out;
}

function setU64(dv: DataView, off: number, v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0)
    throw new BlobError('BAD_VALUE', off, `${what} ${v} is not an integer in 0..2^53`);
  dv.setUint32(off, v % 2 ** 32, true);
  dv.setUint32(off + 4, Math.floor(v / 2 ** 32), true);
}

function text(s: string, max: number, off: number, what: string): Uint8Array {
  const b = utf8.encode(s);
  if (b.length > max) throw new BlobError('LIMIT', off, `${what} is ${b.length} bytes; the limit is ${max}`);
  if (b.includes(0)) throw new BlobError('BAD_UTF8', off, `${what} contains NUL`);
  return b;
}

function domainRecord(spec: BlobSpec, d: BlobDomainSpec, at: number): Uint8Array {
  const inner = new Sink();
  const name = text(d.name, LIMITS.nameBytes, at, 'domain name');
  if (name.length === 0) throw new BlobError('BAD_VALUE', at, 'domain name is empty');
  inner.push(record(RECORD.NAME, name));
  inner.push(record(RECORD.KIND, Uint8Array.of(DOMAIN_KINDS[d.kind])));
  inner.push(record(RECORD.DOMCTL, encodeCreateDomain(d.createdomain, spec)));
  const mem = new Uint8Array(8);
  setU64(new DataView(mem.buffer), 0, d.memoryKiB, 'memoryKiB');
  inner.push(record(RECORD.MEMORY, mem));
  if (d.modules.length > LIMITS.modulesPerDomain)
    throw new BlobError('LIMIT', at, `more than ${LIMITS.modulesPerDomain} modules`);
  for (const m of d.modules) {
    const v = new Uint8Array(MODULE_SIZE);
    const dv = new DataView(v.buffer);
    const kind = MODULE_KINDS[m.kind];
    if (kind === undefined) throw new BlobError('BAD_VALUE', at, `unknown module kind ${m.kind}`);
    v[0] = kind;
    v[1] = m.loadAddress === null ? 0 : MODULE_HAS_ADDRESS;
    setU64(dv, 8, m.loadAddress ?? 0, 'module load address');
    setU64(dv, 16, m.size, 'module size');
    if (!/^[0-9a-f]{64}$/.test(m.sha256))
      throw new BlobError('BAD_VALUE', at, 'sha256 must be 64 lowercase hex digits');
    v.set(Buffer.from(m.sha256, 'hex'), 24);
    inner.push(record(RECORD.MODULE, v));
  }
  if (d.cmdline !== null)
    inner.push(record(RECORD.CMDLINE, text(d.cmdline, LIMITS.cmdlineBytes, at, 'cmdline')));
  if (d.params.length > LIMITS.paramsPerDomain)
    throw new BlobError('LIMIT', at, `more than ${LIMITS.paramsPerDomain} params`);
  for (const p of d.params) {
    const t = text(p.text, LIMITS.paramBytes, at, 'param');
    const v = new Uint8Array(PARAM_PREFIX + t.length);
    v[0] = p.known ? PARAM_STATUS.known : PARAM_STATUS.verbatim;
    v.set(t, PARAM_PREFIX);
    inner.push(record(RECORD.PARAM, v));
  }
  return record(RECORD.DOMAIN, inner.concat());
}

/** Throws BlobError on caps/values, CreateDomainError when a domctl cannot be encoded. */
export function writeBlob(spec: BlobSpec): Uint8Array {
  if (spec.domains.length > LIMITS.domains)
    throw new BlobError('LIMIT', HEADER_SIZE, `more than ${LIMITS.domains} domains`);
  const body = new Sink();
  for (const d of spec.domains) body.push(domainRecord(spec, d, HEADER_SIZE + body.length));
  const total = HEADER_SIZE + body.length;
  if (total > LIMITS.totalLength) throw new BlobError('LIMIT', 0, `blob would be ${total} bytes`);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const [major, minor] = spec.release.split('.').map(Number) as [number, number];
  out.set(BLOB_MAGIC, H.magic);
  dv.setUint16(H.formatMajor, FORMAT_MAJOR, true);
  dv.setUint16(H.formatMinor, FORMAT_MINOR, true);
  dv.setUint16(H.headerSize, HEADER_SIZE, true);
  dv.setUint8(H.arch, ARCH_CODES[spec.arch]);
  dv.setUint8(H.xenMajor, major);
  dv.setUint8(H.xenMinor, minor);
  dv.setUint16(H.domainCount, spec.domains.length, true);
  dv.setUint32(H.interfaceVersion, CREATEDOMAIN_RELEASES[spec.release].interfaceVersion, true);
  dv.setUint32(H.totalLength, total, true);
  let off = HEADER_SIZE;
  for (const p of body.parts) {
    out.set(p, off);
    off += p.length;
  }
  dv.setUint32(H.crc32, blobCrc(out, H.crc32), true);
  return out;
}
