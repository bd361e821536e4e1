// Reads what a boot loader (or Xen's domain builder) reads from a kernel file before loading it:
// the arm64 Image header (Linux Documentation/arch/arm64/booting.rst), the arm32 zImage header
// (magic at 0x24), or a gzip member, which Xen decompresses itself. Bounds-checked throughout.
import { ByteReader } from './bytes.js';
import { ImageError } from './errors.js';

export const ARM64_IMAGE_MAGIC = 0x644d5241; // "ARM\x64", little-endian at offset 56
export const ARM64_HEADER_SIZE = 64;
export const ZIMAGE_MAGIC = 0x016f2818;
/** Kernels before Linux 3.17 leave image_size zero; their text_offset is 0x80000 by definition. */
const LEGACY_TEXT_OFFSET = 0x80000n;

export interface Arm64ImageInfo {
  kind: 'arm64-image';
  textOffset: bigint;
  /** image_size from the header: bytes from the load address to the end of BSS; 0 = not given. */
  imageSize: bigint;
  /** What must be free at the load address: image_size, or the file length when the header has none. */
  effectiveSize: bigint;
  /** False when image_size is 0 (pre-3.17 kernel): BSS is unknown and effectiveSize is a lower bound. */
  sizeKnown: boolean;
  /** The raw flags; bits 4..63 are reserved today and kept, not refused, so newer kernels still read. */
  flags: bigint;
  bigEndian: boolean;
  /** Kernel page size from flags bits 1-2; undefined when unspecified. */
  pageSize: 4096 | 16384 | 65536 | undefined;
  /** Flags bit 3: the image may be placed anywhere in RAM (else 2 MiB-aligned near the start of RAM). */
  placeAnywhere: boolean;
}

export interface ZImageInfo {
  kind: 'arm32-zimage';
  start: number;
  end: number;
  /** end - start, or the file length when both are 0 (position-independent zImage). */
  size: number;
}

export interface GzipInfo {
  kind: 'gzip';
  /** ISIZE from the trailer: the uncompressed length modulo 2^32 (last member only). */
  uncompressedSizeMod32: number;
}

export type KernelImageInfo = Arm64ImageInfo | ZImageInfo | GzipInfo;

/** Identifies a kernel file and reads its header; BADMAGIC when it is none of the three. */
export function kernelImageInfo(bytes: Uint8Array): KernelImageInfo {
  const r = new ByteReader(bytes);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return gzipInfo(r);
  if (bytes.length >= ARM64_HEADER_SIZE && r.u32le(56) === ARM64_IMAGE_MAGIC) return arm64ImageInfo(bytes);
  if (bytes.length >= 0x30 && r.u32le(0x24) === ZIMAGE_MAGIC) return zImageInfo(bytes);
  throw new ImageError(
    'BADMAGIC',
    0,
    'not an arm64 Image, an arm32 zImage or gzip data',
    'give the uncompressed Image (arch/arm64/boot/Image), a zImage, or Image.gz',
  );
}

export function arm64ImageInfo(bytes: Uint8Array): Arm64ImageInfo {
  const r = new ByteReader(bytes);
  r.need(0, ARM64_HEADER_SIZE, 'arm64 Image header');
  const magic = r.u32le(56);
  if (magic !== ARM64_IMAGE_MAGIC) {
    throw new ImageError('BADMAGIC', 56, `magic 0x${magic.toString(16)} is not an arm64 Image`);
  }
  const imageSize = r.u64le(16);
  const sizeKnown = imageSize !== 0n;
  const textOffset = sizeKnown ? r.u64le(8) : LEGACY_TEXT_OFFSET;
  const flags = sizeKnown ? r.u64le(24) : 0n;
  if (textOffset % 4096n !== 0n)
    throw new ImageError('BADVALUE', 8, `text_offset 0x${textOffset.toString(16)}`);
  const fileSize = BigInt(bytes.length);
  const page = Number((flags >> 1n) & 3n);
  return {
    kind: 'arm64-image',
    textOffset,
    imageSize,
    effectiveSize: sizeKnown && imageSize > fileSize ? imageSize : fileSize,
    sizeKnown,
    flags,
    bigEndian: (flags & 1n) === 1n,
    pageSize: page === 0 ? undefined : ([4096, 16384, 65536] as const)[page - 1],
    placeAnywhere: (flags & 8n) === 8n,
  };
}

export function zImageInfo(bytes: Uint8Array): ZImageInfo {
  const r = new ByteReader(bytes);
  const magic = r.u32le(0x24, 'zImage magic');
  if (magic !== ZIMAGE_MAGIC)
    throw new ImageError('BADMAGIC', 0x24, `magic 0x${magic.toString(16)} is not a zImage`);
  const start = r.u32le(0x28, 'zImage start');
  const end = r.u32le(0x2c, 'zImage end');
  if (end < start) throw new ImageError('BADVALUE', 0x2c, `end 0x${end.toString(16)} before start`);
  const size = start === 0 && end === 0 ? bytes.length : end - start;
  if (size > bytes.length)
    throw new ImageError('TRUNCATED', 0x2c, `zImage says ${size} bytes, file has ${bytes.length}`);
  return { kind: 'arm32-zimage', start, end, size };
}

function gzipInfo(r: ByteReader): GzipInfo {
  // 10-byte header + at least an empty deflate block + 8-byte trailer
  r.need(0, 18, 'gzip member');
  if (r.u8(2) !== 8) throw new ImageError('BADVALUE', 2, 'gzip compression method is not deflate');
  return { kind: 'gzip', uncompressedSizeMod32: r.u32le(r.length - 4) };
}
