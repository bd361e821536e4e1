// What a createdomain.bin says, as values: BlobSpec is what writeBlob takes, Blob what readBlob
// gives back (the same content plus where each piece was found).

import type { CreateDomainArch, XenRelease } from '../createdomain/releases.js';
import type { CreateDomainSpec } from '../createdomain/spec.js';
import type { DomainKind, ModuleKind } from './format.js';

export interface BlobModule {
  kind: ModuleKind;
  /** Physical load address, or null when the module is not placed (runtime domains). */
  loadAddress: number | null;
  size: number;
  /** Lowercase hex SHA-256 of the module file. */
  sha256: string;
}

export interface BlobParam {
  /** `key=value` exactly as the config gave it. */
  text: string;
  /** false: the registry does not know the key; it is carried verbatim for whoever consumes it. */
  known: boolean;
}

export interface BlobDomainSpec {
  name: string;
  kind: DomainKind;
  createdomain: CreateDomainSpec;
  memoryKiB: number;
  modules: BlobModule[];
  cmdline: string | null;
  params: BlobParam[];
}

export interface BlobSpec {
  arch: CreateDomainArch;
  release: XenRelease;
  domains: BlobDomainSpec[];
}

export interface BlobHeader {
  formatMajor: number;
  formatMinor: number;
  headerSize: number;
  arch: CreateDomainArch;
  release: XenRelease;
  interfaceVersion: number;
  domainCount: number;
  totalLength: number;
  crc32: number;
}

/** A record the reader did not know and skipped (not critical). */
export interface SkippedRecord {
  type: number;
  offset: number;
  length: number;
}

export interface BlobDomain extends BlobDomainSpec {
  /** Offset of the DOMAIN record. */
  offset: number;
  /** Offset of the 144-byte domctl buffer and the buffer itself. */
  domctlOffset: number;
  domctl: Uint8Array;
  skipped: SkippedRecord[];
}

export interface Blob {
  header: BlobHeader;
  domains: BlobDomain[];
  skipped: SkippedRecord[];
}

/** The BlobSpec a Blob holds (drops offsets and raw bytes). */
export function blobSpecOf(blob: Blob): BlobSpec {
  return {
    arch: blob.header.arch,
    release: blob.header.release,
    domains: blob.domains.map((d) => ({
      name: d.name,
      kind: d.kind,
      createdomain: d.createdomain,
      memoryKiB: d.memoryKiB,
      modules: d.modules,
      cmdline: d.cmdline,
      params: d.params,
    })),
  };
}
