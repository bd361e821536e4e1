// The createdomain.bin format as data: magic, version, record types and limits. The prose spec
// is docs/blob-format.md; the two must change together.
import type { CreateDomainArch } from '../createdomain/releases.js';

export const BLOB_MAGIC = Uint8Array.from([0x58, 0x43, 0x44, 0x42]); // "XCDB"
export const FORMAT_MAJOR = 1;
export const FORMAT_MINOR = 0;
export const HEADER_SIZE = 32;
export const RECORD_HEADER_SIZE = 8;
/** Record values are padded with zero bytes to this boundary, so a domctl can be used in place. */
export const RECORD_ALIGN = 8;
/** Record flag: a reader that does not know the type must reject the blob instead of skipping it. */
export const FLAG_CRITICAL = 0x0001;

/** Header field offsets. */
export const H = {
  magic: 0,
  formatMajor: 4,
  formatMinor: 6,
  headerSize: 8,
  arch: 10,
  reserved0: 11,
  xenMajor: 12,
  xenMinor: 13,
  domainCount: 14,
  interfaceVersion: 16,
  totalLength: 20,
  crc32: 24,
  reserved1: 28,
} as const;

export const ARCH_CODES: Readonly<Record<CreateDomainArch, number>> = { arm64: 1, x86_64: 2 };

export const RECORD = {
  DOMAIN: 0x0001,
  NAME: 0x0010,
  KIND: 0x0011,
  DOMCTL: 0x0012,
  MEMORY: 0x0013,
  MODULE: 0x0014,
  CMDLINE: 0x0015,
  PARAM: 0x0016,
} as const;
export type RecordName = keyof typeof RECORD;

export const DOMAIN_KINDS = { boot: 1, runtime: 2 } as const;
export type DomainKind = keyof typeof DOMAIN_KINDS;

export const MODULE_KINDS = {
  kernel: 1,
  ramdisk: 2,
  'device-tree': 3,
  'xsm-policy': 4,
  microcode: 5,
} as const;
export type ModuleKind = keyof typeof MODULE_KINDS;
/** MODULE record: kind u8, flags u8, 6 zero bytes, load address u64, size u64, sha256[32]. */
export const MODULE_SIZE = 56;
export const MODULE_HAS_ADDRESS = 0x01;

export const PARAM_STATUS = { known: 0, verbatim: 1 } as const;
/** PARAM record: status u8, 3 zero bytes, then the UTF-8 text. */
export const PARAM_PREFIX = 4;

/** Caps that bound reading time and memory whatever the input claims. */
export const LIMITS = {
  totalLength: 16 << 20,
  domains: 1024,
  recordsPerLevel: 8192,
  modulesPerDomain: 64,
  paramsPerDomain: 1024,
  nameBytes: 255,
  cmdlineBytes: 65536,
  paramBytes: 4096,
} as const;
