import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../images/bytes.js';
import { ImageError } from '../../images/errors.js';
import { arm64ImageInfo, kernelImageInfo, zImageInfo } from '../../images/kernel-header.js';
import { debPath, requireCached } from './cache.js';

function arm64Header(textOffset: bigint, imageSize: bigint, flags: bigint, extra = 0): Uint8Array {
  return new ByteWriter()
    .u32le(0x14000010)
    .u32le(0)
    .u64le(textOffset)
    .u64le(imageSize)
    .u64le(flags)
    .zeros(24)
    .u32le(0x644d5241)
    .u32le(0)
    .zeros(extra)
    .finish();
}

function zImage(start: number, end: number, length: number): Uint8Array {
  return new ByteWriter()
    .zeros(0x24)
    .u32le(0x016f2818)
    .u32le(start)
    .u32le(end)
    .u32le(0x04030201)
    .zeros(Math.max(0, length - 0x34))
    .finish();
}

function code(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof ImageError ? e.code : `other: ${e}`;
  }
}

const linux = debPath('linux-image-arm64-bookworm', 'boot');
const xen417 = debPath('xen-hypervisor-4.17-arm64-bookworm', 'boot', 'xen-4.17-arm64');
const cached = requireCached([linux, xen417]);

describe('arm64ImageInfo', () => {
  it('reads text_offset, image_size and the flag bits', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 40n }).map((v) => v * 4096n),
        fc.bigInt({ min: 1n, max: 2n ** 48n }),
        fc.bigInt({ min: 0n, max: 15n }),
        fc.nat(200),
        (textOffset, imageSize, flags, extra) => {
          const b = arm64Header(textOffset, imageSize, flags, extra);
          const info = arm64ImageInfo(b);
          expect(info.textOffset).toBe(textOffset);
          expect(info.imageSize).toBe(imageSize);
          expect(info.sizeKnown).toBe(true);
          expect(info.effectiveSize).toBe(imageSize > BigInt(b.length) ? imageSize : BigInt(b.length));
          expect(info.bigEndian).toBe((flags & 1n) === 1n);
          expect(info.placeAnywhere).toBe((flags & 8n) === 8n);
          expect(info.pageSize).toBe([undefined, 4096, 16384, 65536][Number((flags >> 1n) & 3n)]);
        },
      ),
    );
  });

  it('treats image_size 0 as a pre-3.17 kernel at 0x80000 with unknown BSS', () => {
    const info = arm64ImageInfo(arm64Header(0x1234000n, 0n, 0xfn, 100));
    expect(info.textOffset).toBe(0x80000n);
    expect(info.sizeKnown).toBe(false);
    expect(info.effectiveSize).toBe(164n);
    expect(info.flags).toBe(0n);
  });

  it('names what is wrong', () => {
    expect(code(() => arm64ImageInfo(new Uint8Array(63)))).toBe('TRUNCATED');
    expect(code(() => arm64ImageInfo(new Uint8Array(64)))).toBe('BADMAGIC');
    expect(code(() => arm64ImageInfo(arm64Header(0x80000n, 10n, 0x10n)))).toBe('ok'); // reserved bits kept
    expect(code(() => arm64ImageInfo(arm64Header(0x80001n, 10n, 0n)))).toBe('BADVALUE');
  });
});

describe('zImage and gzip', () => {
  it('reads start and end of a zImage', () => {
    expect(zImageInfo(zImage(0, 0, 0x100))).toEqual({ kind: 'arm32-zimage', start: 0, end: 0, size: 0x100 });
    expect(kernelImageInfo(zImage(0x1000, 0x1080, 0x100))).toEqual({
      kind: 'arm32-zimage',
      start: 0x1000,
      end: 0x1080,
      size: 0x80,
    });
    expect(code(() => zImageInfo(zImage(0x2000, 0x1000, 0x100)))).toBe('BADVALUE');
    expect(code(() => zImageInfo(zImage(0, 0x1000, 0x100)))).toBe('TRUNCATED');
    expect(code(() => zImageInfo(new Uint8Array(0x30)))).toBe('BADMAGIC');
  });

  it('detects gzip and reads its stored length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (data) => {
        const info = kernelImageInfo(gzipSync(data));
        expect(info).toEqual({ kind: 'gzip', uncompressedSizeMod32: data.length });
      }),
      { numRuns: 50 },
    );
    expect(code(() => kernelImageInfo(new Uint8Array([0x1f, 0x8b, 8])))).toBe('TRUNCATED');
    expect(code(() => kernelImageInfo(new Uint8Array(100)))).toBe('BADMAGIC');
  });

  it('only ever throws ImageError on damaged headers', () => {
    const valid = [
      arm64Header(0x80000n, 4096n, 0xan, 16),
      zImage(0, 0x40, 0x80),
      gzipSync(new Uint8Array(10)),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (base, edits, cut) => {
          const b = base.slice(0, cut % (base.length + 1));
          for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
          const c = code(() => kernelImageInfo(b));
          expect(c.startsWith('other')).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe.skipIf(!cached.available)(`real kernels from Debian (${cached.reason || 'cache'})`, () => {
  it("reads Debian's arm64 Linux and Xen Image headers", () => {
    const vmlinuz = readFileSync(`${linux}/${readdirSync(linux).find((f) => f.startsWith('vmlinuz-'))}`);
    const k = kernelImageInfo(vmlinuz);
    // Debian's arm64 vmlinuz is an uncompressed Image (recipes/qemu.md)
    expect(k.kind).toBe('arm64-image');
    if (k.kind !== 'arm64-image') return;
    expect(k.textOffset).toBe(0n);
    expect(k.sizeKnown).toBe(true);
    expect(k.imageSize).toBeGreaterThan(BigInt(vmlinuz.length)); // BSS lies past the file
    expect(k.bigEndian).toBe(false);
    expect(k.pageSize).toBe(4096);
    const x = arm64ImageInfo(readFileSync(xen417));
    expect(x.sizeKnown).toBe(true);
    expect(x.bigEndian).toBe(false);
  });
});
