// What resolveImages reads: sizes from stat, kernels' two ends only, a file named by many domains
// looked at once per run, no hashing when the build writes no hash, and the same answers as
// reading every byte (kernelImageInfo over the whole file is the judge).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diskImageFiles, type ImageFiles, resolveImages } from '../../builder/image-files.js';
import { runCli } from '../../cli/main.js';
import { kernelImageInfo } from '../../images/kernel-header.js';
import { config, guest } from './plan-support.js';

/** An in-memory ImageFiles that counts every call and every byte it hands out. */
function countingFiles(contents: Record<string, Uint8Array>) {
  const calls = { stat: 0, readAt: 0, sha256: 0, bytesRead: 0 };
  const get = (p: string) => {
    const b = contents[p];
    if (!b) throw Object.assign(new Error(`${p}: no such file`), { code: 'ENOENT' });
    return b;
  };
  const files: ImageFiles = {
    stat: async (p) => {
      calls.stat++;
      return { size: get(p).length, mtimeMs: 1 };
    },
    readAt: async (p, offset, length) => {
      calls.readAt++;
      const out = get(p).slice(offset, offset + length);
      calls.bytesRead += out.length;
      return out;
    },
    sha256: async (p) => {
      calls.sha256++;
      const b = get(p);
      calls.bytesRead += b.length;
      return { hex: createHash('sha256').update(b).digest('hex'), bytes: b.length };
    },
  };
  return { files, calls };
}

function arm64Image(fileLen: number, imageSize: bigint, textOffset = 0x80000n): Uint8Array {
  const b = new Uint8Array(fileLen);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(8, textOffset, true);
  dv.setBigUint64(16, imageSize, true);
  dv.setBigUint64(24, 0xan, true);
  dv.setUint32(56, 0x644d5241, true);
  return b;
}

const KERNEL = arm64Image(0x10_0000, 0x30_0000n);
const XEN = arm64Image(0x2000, 0x18_0000n, 0n);
const INITRD = new Uint8Array(50_000).fill(3);

function sharedSystem(n: number) {
  return config({
    xen: { release: '4.20', image: '/img/xen' },
    domains: Array.from({ length: n }, (_, i) =>
      guest(`g${i}`, { kernel: '/img/Image', ramdisk: '/img/initrd' }),
    ),
  });
}
const contents = { '/img/Image': KERNEL, '/img/xen': XEN, '/img/initrd': INITRD };

describe('resolveImages reads', () => {
  it('looks at a file named by N domains once: one header read, one hash', async () => {
    const n = 12;
    const { files, calls } = countingFiles(contents);
    const { images, diagnostics } = await resolveImages(sharedSystem(n), { configDir: '/', files });
    expect(diagnostics).toEqual([]);
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const kernels = images.filter((i) => i.role === 'kernel');
    expect(kernels).toHaveLength(n);
    for (const k of kernels) expect(k).toMatchObject({ sha256: sha(KERNEL), effectiveSize: 0x30_0000n });
    for (const r of images.filter((i) => i.role === 'ramdisk')) expect(r.sha256).toBe(sha(INITRD));
    // three distinct files: each hashed once; two kernels (Image, xen) read at head and tail once
    expect(calls.sha256).toBe(3);
    expect(calls.readAt).toBe(4);
    expect(calls.bytesRead).toBe(KERNEL.length + XEN.length + INITRD.length + 2 * (64 + 4));
  });

  it('hash: false (a build writing no plan hashes nor blob) hashes nothing and reads only kernel ends', async () => {
    const { files, calls } = countingFiles(contents);
    const { images, diagnostics } = await resolveImages(sharedSystem(30), {
      configDir: '/',
      files,
      hash: false,
    });
    expect(diagnostics).toEqual([]);
    expect(calls.sha256).toBe(0);
    expect(calls.bytesRead).toBe(2 * (64 + 4));
    expect(images.every((i) => i.sha256 === undefined)).toBe(true);
    // sizes and headers are still all there
    expect(images.find((i) => i.name === 'g29/kernel')).toMatchObject({
      size: BigInt(KERNEL.length),
      effectiveSize: 0x30_0000n,
      textOffset: 0x80000n,
    });
    expect(images.find((i) => i.name === 'g29/ramdisk')!.size).toBe(BigInt(INITRD.length));
  });

  it('a file rewritten between two looks (new mtime) is looked at again', async () => {
    const { files, calls } = countingFiles(contents);
    let mtime = 0;
    const ticking: ImageFiles = {
      ...files,
      stat: async (p) => ({ ...(await files.stat(p)), mtimeMs: mtime++ }),
    };
    await resolveImages(sharedSystem(3), { configDir: '/', files: ticking });
    expect(calls.sha256).toBe(1 + 3 + 3);
  });

  it('a file that shrinks after stat is image-unreadable, not a wrong plan', async () => {
    const { files } = countingFiles(contents);
    const lying: ImageFiles = {
      ...files,
      stat: async () => ({ size: contents['/img/Image'].length + 10, mtimeMs: 1 }),
    };
    for (const hash of [true, false]) {
      const { diagnostics } = await resolveImages(sharedSystem(1), { configDir: '/', files: lying, hash });
      expect(diagnostics.map((d) => d.id)).toContain('image-unreadable');
    }
  });

  it('kernel ends give what the whole file gives (kernelImageInfo over every byte is the judge)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dombuild-ends-'));
    try {
      const kernel = fc.oneof(
        fc
          .tuple(fc.integer({ min: 64, max: 0x4000 }), fc.bigInt({ min: 0n, max: 0x10000n }), fc.nat(16))
          .map(([len, size, off]) => arm64Image(len, size, BigInt(off) * 4096n)),
        fc.uint8Array({ minLength: 0, maxLength: 200 }).map((b) => gzipSync(b)),
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc
          .tuple(fc.integer({ min: 0x30, max: 0x2000 }), fc.nat(0x3000), fc.nat(0x3000))
          .map(([len, start, end]) => {
            const b = new Uint8Array(len);
            const dv = new DataView(b.buffer);
            dv.setUint32(0x24, 0x016f2818, true);
            dv.setUint32(0x28, Math.min(start, end), true);
            dv.setUint32(0x2c, Math.max(start, end), true);
            return b;
          }),
      );
      await fc.assert(
        fc.asyncProperty(kernel, async (bytes) => {
          const file = join(dir, 'k');
          writeFileSync(file, bytes);
          const cfg = config({ domains: [guest('a', { kernel: file })] });
          const { images, diagnostics } = await resolveImages(cfg, {
            configDir: dir,
            files: diskImageFiles,
            hash: false,
          });
          const img = images.find((i) => i.name === 'a/kernel')!;
          let expected: { effectiveSize: bigint; textOffset?: bigint; gzip?: true } | 'unknown';
          try {
            const info = kernelImageInfo(bytes);
            const len = BigInt(bytes.length);
            expected =
              info.kind === 'arm64-image'
                ? {
                    effectiveSize: info.effectiveSize > len ? info.effectiveSize : len,
                    textOffset: info.textOffset,
                  }
                : info.kind === 'arm32-zimage'
                  ? { effectiveSize: BigInt(info.size) > len ? BigInt(info.size) : len }
                  : { effectiveSize: len, gzip: true };
          } catch {
            expected = 'unknown';
          }
          if (expected === 'unknown') {
            expect(diagnostics.map((d) => d.id)).toContain('image-unknown-format');
            expect(img.effectiveSize).toBe(BigInt(bytes.length));
          } else {
            expect(img.effectiveSize).toBe(expected.effectiveSize);
            expect(img.textOffset).toBe(expected.textOffset);
            expect(img.gzip).toBe(expected.gzip);
          }
          expect(img.size).toBe(BigInt(bytes.length));
        }),
        { numRuns: 150 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dombuild build hashes only for the outputs that carry hashes', () => {
  it('--only uboot: plan.json without sha256; --only uboot,blob and a full build: with', async () => {
    const work = mkdtempSync(join(tmpdir(), 'dombuild-nohash-'));
    try {
      writeFileSync(join(work, 'Image'), KERNEL);
      writeFileSync(
        join(work, 'c.yaml'),
        'xen: { release: "4.20" }\nboard: qemu-virt-arm64\ndomains:\n' +
          '  - { name: a, kernel: Image, memory: 64M }\n  - { name: b, kernel: Image, memory: 64M }\n',
      );
      const hashes = async (only: string[]) => {
        const out = join(work, `out${only.join('')}`);
        const code = await runCli(['build', 'c.yaml', '-o', out, ...only], {
          stdout: () => {},
          stderr: () => {},
          readStdin: async () => new Uint8Array(),
          cwd: work,
          env: { ...process.env, DOMBUILD_CACHE: join(work, 'cache'), SOURCE_DATE_EPOCH: '0' },
          isTTY: false,
        });
        expect(code).toBe(0);
        const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as {
          images: { name: string; sha256?: string }[];
        };
        return plan.images.filter((i) => i.name.endsWith('/kernel')).map((i) => i.sha256);
      };
      const sum = createHash('sha256').update(KERNEL).digest('hex');
      expect(await hashes(['--only', 'uboot'])).toEqual([undefined, undefined]);
      expect(await hashes(['--only', 'uboot,blob'])).toEqual([sum, sum]);
      expect(await hashes([])).toEqual([sum, sum]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
