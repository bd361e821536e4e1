// createdomain.bin bytes → Blob. Order of checks: magic, version, header, length, CRC, then the
// records; the first problem found is thrown as a BlobError with its offset.

import { decodeCreateDomain } from '../createdomain/decode.js';
import { CreateDomainError } from '../createdomain/errors.js';
import { CREATEDOMAIN_RELEASES, type CreateDomainArch, isAbiRelease } from '../createdomain/releases.js';
import { blobCrc } from './checksum.js';
import { BlobError } from './errors.js';
import {
  ARCH_CODES,
  BLOB_MAGIC,
  DOMAIN_KINDS,
  type DomainKind,
  FORMAT_MAJOR,
  H,
  HEADER_SIZE,
  LIMITS,
  MODULE_HAS_ADDRESS,
  MODULE_KINDS,
  MODULE_SIZE,
  type ModuleKind,
  PARAM_PREFIX,
  PARAM_STATUS,
  RECORD,
} from './format.js';
import { BlobReader, type RawRecord } from './reader.js';
import type { Blob, BlobDomain, BlobHeader, BlobModule, BlobParam, SkippedRecord } from './types.js';

function lookup<T extends string>(table: Readonly<Record<T, number>>, v: number): T | undefined {
  return (Object.keys(table) as T[]).find((k) => table[k] === v);
}

function readHeader(r: BlobReader): BlobHeader {
  r.need(0, HEADER_SIZE, 'header');
  for (let i = 0; i < BLOB_MAGIC.length; i++) {
    if (r.u8(H.magic + i, 'magic') !== BLOB_MAGIC[i])
      throw new BlobError('BAD_MAGIC', H.magic + i, 'not a createdomain blob');
  }
  const formatMajor = r.u16(H.formatMajor, 'format major');
  if (formatMajor !== FORMAT_MAJOR)
    throw new BlobError('BAD_VERSION', H.formatMajor, `format version ${formatMajor} is not ${FORMAT_MAJOR}`);
  const formatMinor = r.u16(H.formatMinor, 'format minor');
  const headerSize = r.u16(H.headerSize, 'header size');
  // A newer minor version may grow the header; this reader skips what it does not know.
  if (headerSize < HEADER_SIZE || headerSize % 8 !== 0)
    throw new BlobError('BAD_HEADER', H.headerSize, `header size ${headerSize}`);
  const arch = lookup(ARCH_CODES, r.u8(H.arch, 'arch')) as CreateDomainArch | undefined;
  if (!arch) throw new BlobError('BAD_HEADER', H.arch, 'unknown arch code');
  r.zeros(H.reserved0, 1, 'BAD_HEADER', 'reserved header byte');
  r.zeros(H.reserved1, 4, 'BAD_HEADER', 'reserved header word');
  const release = `${r.u8(H.xenMajor, 'Xen major')}.${r.u8(H.xenMinor, 'Xen minor')}`;
  if (!isAbiRelease(release))
    throw new BlobError('BAD_HEADER', H.xenMajor, `Xen ${release} is not a supported release`);
  const interfaceVersion = r.u32(H.interfaceVersion, 'interface version');
  if (interfaceVersion !== CREATEDOMAIN_RELEASES[release].interfaceVersion) {
    throw new BlobError(
      'BAD_HEADER',
      H.interfaceVersion,
      `interface version 0x${interfaceVersion.toString(16)} is not Xen ${release}'s`,
    );
  }
  const domainCount = r.u16(H.domainCount, 'domain count');
  if (domainCount > LIMITS.domains) throw new BlobError('LIMIT', H.domainCount, `${domainCount} domains`);
  const totalLength = r.u32(H.totalLength, 'total length');
  if (totalLength !== r.data.length) {
    throw new BlobError(
      'BAD_LENGTH',
      H.totalLength,
      `total_length ${totalLength} but ${r.data.length} bytes were given`,
    );
  }
  if (totalLength > LIMITS.totalLength) throw new BlobError('LIMIT', H.totalLength, `${totalLength} bytes`);
  if (headerSize > totalLength || totalLength % 8 !== 0)
    throw new BlobError('BAD_LENGTH', H.totalLength, 'total_length is not a multiple of 8 past the header');
  const crc = r.u32(H.crc32, 'crc32');
  if (blobCrc(r.data, H.crc32) !== crc) throw new BlobError('BAD_CRC', H.crc32, 'CRC32 mismatch');
  return {
    formatMajor,
    formatMinor,
    headerSize,
    arch,
    release,
    interfaceVersion,
    domainCount,
    totalLength,
    crc32: crc,
  };
}

function once(seen: Set<number>, rec: RawRecord): void {
  if (seen.has(rec.type))
    throw new BlobError('DUPLICATE', rec.offset, `record type 0x${rec.type.toString(16)} appears twice`);
  seen.add(rec.type);
}

function exactLength(rec: RawRecord, len: number, what: string): void {
  if (rec.length !== len)
    throw new BlobError(
      'BAD_RECORD',
      rec.offset + 4,
      `${what} record must be ${len} bytes, not ${rec.length}`,
    );
}

function readDomain(r: BlobReader, header: BlobHeader, dom: RawRecord): BlobDomain {
  const seen = new Set<number>();
  const modules: BlobModule[] = [];
  const params: BlobParam[] = [];
  const skipped: SkippedRecord[] = [];
  let name: string | undefined;
  let kind: DomainKind | undefined;
  let memoryKiB: number | undefined;
  let cmdline: string | null = null;
  let domctl: { bytes: Uint8Array; offset: number; rec: RawRecord } | undefined;
  for (const rec of r.records(
    dom.valueOffset,
    dom.valueOffset + dom.length,
    LIMITS.recordsPerLevel,
    'a domain',
  )) {
    const v = rec.valueOffset;
    switch (rec.type) {
      case RECORD.NAME:
        once(seen, rec);
        if (rec.length === 0 || rec.length > LIMITS.nameBytes)
          throw new BlobError('BAD_RECORD', rec.offset + 4, 'name length');
        name = r.text(v, rec.length, 'domain name');
        break;
      case RECORD.KIND: {
        once(seen, rec);
        exactLength(rec, 1, 'KIND');
        kind = lookup(DOMAIN_KINDS, r.u8(v, 'kind'));
        if (!kind) throw new BlobError('BAD_VALUE', v, 'unknown domain kind');
        break;
      }
      case RECORD.DOMCTL:
        once(seen, rec);
        exactLength(rec, 144, 'DOMCTL');
        domctl = { bytes: r.bytes(v, 144, 'domctl'), offset: v, rec };
        break;
      case RECORD.MEMORY:
        once(seen, rec);
        exactLength(rec, 8, 'MEMORY');
        memoryKiB = r.u64(v, 'memory');
        break;
      case RECORD.MODULE: {
        exactLength(rec, MODULE_SIZE, 'MODULE');
        if (modules.length >= LIMITS.modulesPerDomain)
          throw new BlobError('LIMIT', rec.offset, 'too many modules');
        const mk = lookup(MODULE_KINDS, r.u8(v, 'module kind')) as ModuleKind | undefined;
        if (!mk) throw new BlobError('BAD_VALUE', v, 'unknown module kind');
        const flags = r.u8(v + 1, 'module flags');
        if ((flags & ~MODULE_HAS_ADDRESS) !== 0)
          throw new BlobError('BAD_RECORD', v + 1, 'reserved module flags are set');
        r.zeros(v + 2, 6, 'BAD_RECORD', 'module reserved bytes');
        const addr = r.u64(v + 8, 'module load address');
        if (!(flags & MODULE_HAS_ADDRESS) && addr !== 0)
          throw new BlobError('BAD_RECORD', v + 8, 'address given without its flag');
        modules.push({
          kind: mk,
          loadAddress: flags & MODULE_HAS_ADDRESS ? addr : null,
          size: r.u64(v + 16, 'module size'),
          sha256: Buffer.from(r.bytes(v + 24, 32, 'sha256')).toString('hex'),
        });
        break;
      }
      case RECORD.CMDLINE:
        once(seen, rec);
        if (rec.length > LIMITS.cmdlineBytes)
          throw new BlobError('LIMIT', rec.offset + 4, 'cmdline too long');
        cmdline = r.text(v, rec.length, 'cmdline');
        break;
      case RECORD.PARAM: {
        if (params.length >= LIMITS.paramsPerDomain)
          throw new BlobError('LIMIT', rec.offset, 'too many params');
        if (rec.length <= PARAM_PREFIX || rec.length > PARAM_PREFIX + LIMITS.paramBytes) {
          throw new BlobError('BAD_RECORD', rec.offset + 4, 'param length');
        }
        const status = r.u8(v, 'param status');
        if (status !== PARAM_STATUS.known && status !== PARAM_STATUS.verbatim)
          throw new BlobError('BAD_VALUE', v, 'param status');
        r.zeros(v + 1, PARAM_PREFIX - 1, 'BAD_RECORD', 'param reserved bytes');
        params.push({
          text: r.text(v + PARAM_PREFIX, rec.length - PARAM_PREFIX, 'param'),
          known: status === PARAM_STATUS.known,
        });
        break;
      }
      default:
        if (rec.critical)
          throw new BlobError(
            'UNKNOWN_CRITICAL',
            rec.offset,
            `unknown critical record 0x${rec.type.toString(16)}`,
          );
        skipped.push({ type: rec.type, offset: rec.offset, length: rec.length });
    }
  }
  if (name === undefined || kind === undefined || memoryKiB === undefined || domctl === undefined) {
    throw new BlobError('MISSING', dom.offset, 'a domain needs NAME, KIND, DOMCTL and MEMORY records');
  }
  let createdomain: BlobDomain['createdomain'];
  try {
    createdomain = decodeCreateDomain(domctl.bytes, header);
  } catch (e) {
    if (!(e instanceof CreateDomainError)) throw e;
    throw new BlobError('BAD_DOMCTL', domctl.offset + (e.offset ?? 0), `${e.code}: ${e.message}`);
  }
  return {
    name,
    kind,
    createdomain,
    memoryKiB,
    modules,
    cmdline,
    params,
    offset: dom.offset,
    domctlOffset: domctl.offset,
    domctl: domctl.bytes,
    skipped,
  };
}

export function readBlob(bytes: Uint8Array): Blob {
  const r = new BlobReader(bytes);
  const header = readHeader(r);
  const domains: BlobDomain[] = [];
  const skipped: SkippedRecord[] = [];
  for (const rec of r.records(header.headerSize, header.totalLength, LIMITS.recordsPerLevel, 'the blob')) {
    if (rec.type === RECORD.DOMAIN) {
      if (domains.length >= header.domainCount)
        throw new BlobError('MISSING', H.domainCount, 'more DOMAIN records than domain_count');
      domains.push(readDomain(r, header, rec));
    } else if (rec.critical) {
      throw new BlobError(
        'UNKNOWN_CRITICAL',
        rec.offset,
        `unknown critical record 0x${rec.type.toString(16)}`,
      );
    } else skipped.push({ type: rec.type, offset: rec.offset, length: rec.length });
  }
  if (domains.length !== header.domainCount) {
    throw new BlobError(
      'MISSING',
      H.domainCount,
      `domain_count ${header.domainCount} but ${domains.length} DOMAIN records`,
    );
  }
  return { header, domains, skipped };
}
