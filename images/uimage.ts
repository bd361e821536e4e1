// The legacy U-Boot image ("uImage"): a 64-byte big-endian header, then the payload. Scripts and
// multi-file images carry a table of part lengths (u32 each, ended by 0) before the parts, each
// part but the last padded to 4 bytes. Numbers are U-Boot's (include/image.h), checked against
// what mkimage writes for each name in test/images/uimage.test.ts.
import { ByteReader, ByteWriter } from './bytes.js';
import { crc32 } from './crc32.js';
import { ImageError } from './errors.js';

export const LEGACY_MAGIC = 0x27051956;
export const LEGACY_HEADER_SIZE = 64;
export const LEGACY_NAME_SIZE = 32;

export const legacyOs = {
  linux: 5,
  qnx: 16,
  'u-boot': 17,
  'arm-trusted-firmware': 25,
  tee: 26,
  efi: 28,
} as const;
export const legacyArch = { arm: 2, x86: 3, arm64: 22, x86_64: 24, riscv: 26 } as const;
export const legacyType = {
  standalone: 1,
  kernel: 2,
  ramdisk: 3,
  multi: 4,
  firmware: 5,
  script: 6,
  filesystem: 7,
  flat_dt: 8,
  kernel_noload: 14,
} as const;
export const legacyCompression = { none: 0, gzip: 1, bzip2: 2, lzma: 3, lzo: 4, lz4: 5, zstd: 6 } as const;

export type LegacyOs = keyof typeof legacyOs;
export type LegacyArch = keyof typeof legacyArch;
export type LegacyType = keyof typeof legacyType;
export type LegacyCompression = keyof typeof legacyCompression;

export interface LegacyHeaderSpec {
  type: LegacyType;
  arch: LegacyArch;
  os: LegacyOs;
  compression: LegacyCompression;
  /** Load and entry addresses: the legacy header holds 32 bits only. */
  load: number;
  entry: number;
  /** At most 32 bytes of UTF-8, no NUL (mkimage would cut it silently; we refuse). */
  name: string;
  /** Seconds since the epoch, u32 (mkimage takes SOURCE_DATE_EPOCH). */
  timestamp: number;
}

export interface LegacyImage {
  headerCrc: number;
  dataCrc: number;
  timestamp: number;
  load: number;
  entry: number;
  /** The raw codes, kept even when this module has no name for them. */
  os: number;
  arch: number;
  type: number;
  compression: number;
  osName: LegacyOs | undefined;
  archName: LegacyArch | undefined;
  typeName: LegacyType | undefined;
  compressionName: LegacyCompression | undefined;
  name: string;
  /** The payload as stored (for scripts and multi images: length table included). */
  data: Uint8Array;
  /** For `multi` and `script` images: the parts the length table describes. */
  parts: Uint8Array[] | undefined;
}

const utf8 = new TextEncoder();
const utf8Decode = new TextDecoder('utf-8', { fatal: false });
const U32_MAX = 0xffffffff;

/** A legacy image around `data` as given (no length table). */
export function writeLegacyImage(spec: LegacyHeaderSpec, data: Uint8Array): Uint8Array {
  const name = encodeName(spec.name);
  checkU32(spec.load, 'load');
  checkU32(spec.entry, 'entry');
  checkU32(spec.timestamp, 'timestamp');
  if (data.length > U32_MAX) throw new ImageError('LIMIT', undefined, `payload of ${data.length} bytes`);
  const w = new ByteWriter()
    .u32be(LEGACY_MAGIC)
    .u32be(0) // header CRC, computed over the header with this field zero
    .u32be(spec.timestamp)
    .u32be(data.length)
    .u32be(spec.load)
    .u32be(spec.entry)
    .u32be(crc32(data))
    .u8(code(legacyOs, spec.os, 'os'))
    .u8(code(legacyArch, spec.arch, 'arch'))
    .u8(code(legacyType, spec.type, 'type'))
    .u8(code(legacyCompression, spec.compression, 'compression'))
    .bytes(name)
    .zeros(LEGACY_NAME_SIZE - name.length);
  const header = w.finish();
  w.patchU32be(4, crc32(header));
  return w.bytes(data).finish();
}

/** The multi-file payload: part lengths, a 0 terminator, then the parts, all but the last 4-aligned. */
export function multiPayload(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 0) throw new ImageError('BADINPUT', undefined, 'a multi-file image needs a part');
  const w = new ByteWriter();
  for (const p of parts) {
    if (p.length === 0 || p.length > U32_MAX) {
      // a zero length would end the table early and hide the parts after it
      throw new ImageError(
        'BADINPUT',
        undefined,
        `part of ${p.length} bytes`,
        'parts must be 1 byte to 4 GiB',
      );
    }
    w.u32be(p.length);
  }
  w.u32be(0);
  parts.forEach((p, i) => {
    w.bytes(p);
    if (i < parts.length - 1) w.align(4);
  });
  return w.finish();
}

/**
 * What `mkimage -A arm64 -O linux -T script -C none -n NAME -d boot.source boot.scr` writes, with
 * mkimage's timestamp fixed by SOURCE_DATE_EPOCH. mkimage refuses an empty script; so do we.
 */
export function writeScriptImage(
  script: string | Uint8Array,
  opts: { name?: string; timestamp: number; arch?: LegacyArch },
): Uint8Array {
  const body = typeof script === 'string' ? utf8.encode(script) : script;
  if (body.length === 0)
    throw new ImageError('BADINPUT', undefined, 'empty script', 'mkimage refuses it too');
  return writeLegacyImage(
    {
      type: 'script',
      arch: opts.arch ?? 'arm64',
      os: 'linux',
      compression: 'none',
      load: 0,
      entry: 0,
      name: opts.name ?? '',
      timestamp: opts.timestamp,
    },
    multiPayload([body]),
  );
}

/** Reads and checks a legacy image: magic, both CRCs (unless told not to), sizes, the parts table. */
export function readLegacyImage(bytes: Uint8Array, opts: { verifyCrc?: boolean } = {}): LegacyImage {
  const r = new ByteReader(bytes);
  r.need(0, LEGACY_HEADER_SIZE, 'legacy image header');
  const magic = r.u32be(0);
  if (magic !== LEGACY_MAGIC) {
    throw new ImageError('BADMAGIC', 0, `magic 0x${magic.toString(16)} is not a legacy U-Boot image`);
  }
  const headerCrc = r.u32be(4);
  const size = r.u32be(12);
  const dataCrc = r.u32be(24);
  const data = r.slice(LEGACY_HEADER_SIZE, size, 'image payload');
  if (opts.verifyCrc !== false) {
    const header = bytes.slice(0, LEGACY_HEADER_SIZE);
    header.fill(0, 4, 8);
    if (crc32(header) !== headerCrc) throw new ImageError('BADCRC', 4, 'header CRC does not match');
    if (crc32(data) !== dataCrc) throw new ImageError('BADCRC', 24, 'data CRC does not match');
  }
  const raw = r.slice(32, LEGACY_NAME_SIZE, 'name');
  const nul = raw.indexOf(0);
  const os = r.u8(28);
  const arch = r.u8(29);
  const type = r.u8(30);
  const compression = r.u8(31);
  const typeName = nameOf(legacyType, type);
  return {
    headerCrc,
    dataCrc,
    timestamp: r.u32be(8),
    load: r.u32be(16),
    entry: r.u32be(20),
    os,
    arch,
    type,
    compression,
    osName: nameOf(legacyOs, os),
    archName: nameOf(legacyArch, arch),
    typeName,
    compressionName: nameOf(legacyCompression, compression),
    name: utf8Decode.decode(nul < 0 ? raw : raw.subarray(0, nul)),
    data,
    parts:
      typeName === 'multi' || typeName === 'script'
        ? readParts(r, LEGACY_HEADER_SIZE, LEGACY_HEADER_SIZE + size)
        : undefined,
  };
}

/** Splits a multi-file payload at [start, end) of the image; error offsets are into the image. */
function readParts(r: ByteReader, start: number, end: number): Uint8Array[] {
  const lengths: number[] = [];
  for (let o = start; ; o += 4) {
    if (o + 4 > end) throw new ImageError('TRUNCATED', o, 'part length table runs past the payload');
    const n = r.u32be(o, 'part length');
    if (n === 0) break;
    lengths.push(n);
  }
  const parts: Uint8Array[] = [];
  let at = start + (lengths.length + 1) * 4;
  lengths.forEach((n, i) => {
    if (at + n > end) {
      throw new ImageError('TRUNCATED', start + i * 4, `part ${i} of ${n} bytes runs past the payload`);
    }
    parts.push(r.slice(at, n));
    at += n;
    if (i < lengths.length - 1) at += (4 - (n % 4)) % 4;
  });
  return parts;
}

function encodeName(name: string): Uint8Array {
  const b = utf8.encode(name);
  if (b.includes(0)) throw new ImageError('BADINPUT', undefined, 'image name contains NUL');
  if (b.length > LEGACY_NAME_SIZE) {
    throw new ImageError(
      'BADINPUT',
      undefined,
      `image name is ${b.length} bytes`,
      'at most 32 bytes of UTF-8',
    );
  }
  return b;
}

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > U32_MAX) {
    throw new ImageError('BADINPUT', undefined, `${what} ${v} is not a u32`);
  }
}

function code<T extends Record<string, number>>(table: T, key: keyof T, what: string): number {
  const v = table[key];
  if (v === undefined) throw new ImageError('BADINPUT', undefined, `unknown ${what} "${String(key)}"`);
  return v;
}

function nameOf<T extends Record<string, number>>(table: T, v: number): keyof T | undefined {
  for (const [k, n] of Object.entries(table)) if (n === v) return k as keyof T;
  return undefined;
}
