// resolveImages: paths relative to the config, sizes and hashes (sha256sum is the judge), kernel
// headers (BSS past the file), gzip, the built-in probe guest, missing files, the Xen placeholder.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveImages, XEN_PLACEHOLDER_SIZE } from '../../builder/image-files.js';
import { requireTools } from '../support/tools.js';
import { config, guest } from './plan-support.js';

const dir = mkdtempSync(join(tmpdir(), 'dombuild-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'img'));

/** An arm64 Image of `fileLen` bytes whose header says it needs `imageSize` (BSS included). */
function arm64Image(fileLen: number, imageSize: bigint, textOffset = 0x80000n): Uint8Array {
  const b = new Uint8Array(fileLen);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x14000010, true);
  dv.setBigUint64(8, textOffset, true);
  dv.setBigUint64(16, imageSize, true);
  dv.setBigUint64(24, 0xan, true);
  dv.setUint32(56, 0x644d5241, true);
  return b;
}

writeFileSync(join(dir, 'img/Image'), arm64Image(0x3000, 0x20_0000n));
writeFileSync(join(dir, 'img/xen'), arm64Image(0x1000, 0x18_0000n, 0n));
writeFileSync(join(dir, 'img/Image.gz'), gzipSync(arm64Image(0x3000, 0x20_0000n)));
writeFileSync(join(dir, 'img/initrd'), new Uint8Array(12345).fill(7));

const gate = requireTools(['sha256sum'], 'coreutils');

describe('resolveImages', () => {
  it('measures, hashes and reads headers of every file, relative to the config', async () => {
    const cfg = config({
      xen: { release: '4.20', image: 'img/xen' },
      domains: [
        guest('a', { kernel: 'img/Image', ramdisk: { path: 'img/initrd', load: 'load mmc 0:2' } }),
        guest('b', { kernel: join(dir, 'img/Image.gz') }),
        guest('later', { kernel: 'img/missing', boot: false }),
      ],
    });
    const { images, diagnostics } = await resolveImages(cfg, { configDir: dir });
    expect(diagnostics).toEqual([]);
    const m = Object.fromEntries(images.map((i) => [i.name, i]));
    expect(Object.keys(m)).toEqual(['xen', 'a/kernel', 'a/ramdisk', 'b/kernel']);
    expect(m.xen).toMatchObject({
      size: 0x1000n,
      effectiveSize: 0x18_0000n,
      textOffset: 0n,
      file: join(dir, 'img/xen'),
    });
    expect(m['a/kernel']).toMatchObject({
      size: 0x3000n,
      effectiveSize: 0x20_0000n,
      textOffset: 0x80000n,
      domain: 'a',
    });
    expect(m['a/ramdisk']).toMatchObject({
      size: 12345n,
      effectiveSize: 12345n,
      loadCommand: 'load mmc 0:2',
    });
    expect(m['b/kernel']!.gzip).toBe(true);
    if (gate.available) {
      const sum = spawnSync('sha256sum', [join(dir, 'img/initrd')], { encoding: 'utf8' }).stdout.split(
        ' ',
      )[0];
      expect(m['a/ramdisk']!.sha256).toBe(sum);
    }
  });

  it('builds the probe guest in memory and plans exactly its bytes', async () => {
    const cfg = config({
      domains: [
        guest('p'),
        guest('q', {
          kernel: { probe: 'hello q' },
          directMap: true,
          staticMemory: [{ base: '0x60000000', size: '128M' }],
        }),
      ],
    });
    const { images } = await resolveImages(cfg, {
      configDir: dir,
      files: {
        stat: () => Promise.reject(new Error('no disk')),
        readAt: () => Promise.reject(new Error('no disk')),
        sha256: () => Promise.reject(new Error('no disk')),
      },
    });
    const p = images.find((i) => i.name === 'p/kernel')!;
    const q = images.find((i) => i.name === 'q/kernel')!;
    expect(p.generated).toBeInstanceOf(Uint8Array);
    expect(p.size).toBe(BigInt(p.generated!.length));
    expect(p.textOffset).toBe(0x80000n);
    expect(Buffer.from(q.generated!).includes(Buffer.from('hello q'))).toBe(true);
    // a direct-mapped probe writes to the physical UART, so its code differs
    expect(Buffer.from(p.generated!).equals(Buffer.from(q.generated!))).toBe(false);
  });

  it('plans a placeholder Xen when none is given, and reports missing or empty files', async () => {
    writeFileSync(join(dir, 'img/empty'), new Uint8Array(0));
    const cfg = config({
      domains: [guest('a', { kernel: 'img/nope' }), guest('b', { kernel: 'img/empty' })],
    });
    const { images, diagnostics } = await resolveImages(cfg, { configDir: dir });
    expect(images.find((i) => i.name === 'xen')).toMatchObject({
      placeholder: true,
      size: XEN_PLACEHOLDER_SIZE,
    });
    expect(diagnostics.map((d) => [d.id, d.path])).toEqual([
      ['image-missing', 'domains[0].kernel'],
      ['image-empty', 'domains[1].kernel'],
      ['image-unknown-format', 'domains[1].kernel'],
    ]);
  });
});
