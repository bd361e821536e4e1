import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DtbError } from '../../devicetree/index.js';
import { ImageError } from '../../images/errors.js';
import {
  buildFit,
  type FitConfigSpec,
  type FitHashAlgo,
  type FitImageSpec,
  type FitImageType,
  type FitSpec,
  readFit,
} from '../../images/fit.js';
import type { LegacyArch, LegacyCompression, LegacyOs } from '../../images/uimage.js';
import { requireTools } from '../support/tools.js';
import { hex, run, withDir } from './run.js';

const gate = requireTools(
  ['mkimage', 'dumpimage', 'dtc'],
  'apt-get install u-boot-tools device-tree-compiler',
);

const text = fc.stringMatching(/^[A-Za-z0-9 ,.:_-]{0,24}$/);
const nodeName = fc.stringMatching(/^[a-z][a-z0-9-]{0,14}$/);
const addr = (wide: boolean) => fc.bigInt({ min: 0n, max: wide ? 2n ** 64n - 1n : 2n ** 32n - 1n });

function specArb(opts: { minData?: number } = {}): fc.Arbitrary<FitSpec> {
  return fc.boolean().chain((wide) => {
    const image = fc.record(
      {
        name: nodeName,
        description: text,
        data: fc.uint8Array({ minLength: opts.minData ?? 0, maxLength: 200 }),
        type: fc.constantFrom<FitImageType>(
          'kernel',
          'kernel_noload',
          'ramdisk',
          'flat_dt',
          'script',
          'firmware',
          'standalone',
          'filesystem',
        ),
        arch: fc.constantFrom<LegacyArch>('arm64', 'arm', 'x86_64', 'riscv'),
        os: fc.constantFrom<LegacyOs>('linux', 'u-boot', 'arm-trusted-firmware', 'efi'),
        compression: fc.constantFrom<LegacyCompression>('none', 'gzip', 'lz4', 'zstd'),
        load: addr(wide),
        entry: addr(wide),
        hashes: fc.array(fc.constantFrom<FitHashAlgo>('sha256', 'crc32', 'sha1', 'md5', 'sha512'), {
          maxLength: 3,
        }),
      },
      { requiredKeys: ['name', 'data', 'type', 'hashes'] },
    );
    return fc
      .uniqueArray(image, { minLength: 1, maxLength: 5, selector: (i) => i.name })
      .chain((images) => {
        const ref = fc.option(fc.constantFrom(...images.map((i) => i.name)), { nil: undefined });
        const conf = fc.record(
          {
            name: nodeName.map((n) => `conf-${n}`),
            description: text,
            kernel: ref,
            fdt: ref,
            ramdisk: ref,
            loadables: fc.array(fc.constantFrom(...images.map((i) => i.name)), {
              minLength: 1,
              maxLength: 3,
            }),
          },
          { requiredKeys: ['name'] },
        );
        return fc.record({
          images: fc.constant(images as FitImageSpec[]),
          list: fc.uniqueArray(conf, { minLength: 1, maxLength: 3, selector: (c) => c.name }),
          description: text,
          timestamp: fc.integer({ min: 0, max: 0x7fffffff }),
          pick: fc.nat(),
        });
      })
      .map(({ images, list, description, timestamp, pick }) => {
        // drop undefined keys so the spec looks like one a caller writes
        const clean = <T extends object>(o: T): T =>
          Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
        const confs = list.map((c) => clean(c) as FitConfigSpec);
        return {
          description,
          timestamp,
          images: images.map((i) => clean(i)),
          configurations: { default: confs[pick % confs.length]!.name, list: confs },
        };
      });
  });
}

function code(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof ImageError || e instanceof DtbError ? e.code : `other: ${e}`;
  }
}

const sample: FitSpec = {
  description: 'dombuild boot',
  timestamp: 1700000000,
  images: [
    {
      name: 'xen',
      description: 'Xen',
      data: new Uint8Array([1, 2, 3, 4, 5]),
      type: 'kernel',
      arch: 'arm64',
      os: 'linux',
      compression: 'none',
      load: 0x40400000n,
      entry: 0x40400000n,
      hashes: ['sha256'],
    },
    {
      name: 'fdt',
      data: new Uint8Array([0xd0, 0x0d, 0xfe, 0xed]),
      type: 'flat_dt',
      arch: 'arm64',
      hashes: ['sha256', 'crc32'],
    },
    { name: 'guest', data: new Uint8Array(99).fill(7), type: 'kernel', load: 0x50000000n, hashes: [] },
  ],
  configurations: {
    default: 'conf-1',
    list: [{ name: 'conf-1', description: 'Xen + guest', kernel: 'xen', fdt: 'fdt', loadables: ['guest'] }],
  },
};

describe('buildFit', () => {
  it('round-trips through readFit', () => {
    fc.assert(
      fc.property(specArb(), (spec) => {
        const fit = readFit(buildFit(spec));
        expect(fit.description).toBe(spec.description);
        expect(fit.timestamp).toBe(spec.timestamp);
        expect(fit.images.map((i) => i.name)).toEqual(spec.images.map((i) => i.name));
        fit.images.forEach((got, i) => {
          const want = spec.images[i]!;
          expect(hex(got.data)).toBe(hex(want.data));
          expect(got.type).toBe(want.type);
          expect(got.arch).toBe(want.arch);
          expect(got.os).toBe(want.os);
          expect(got.compression).toBe(want.compression ?? 'none');
          expect(got.load).toBe(want.load);
          expect(got.entry).toBe(want.entry);
          expect(got.description).toBe(want.description);
          expect(got.hashes.map((h) => h.algo)).toEqual(want.hashes);
        });
        expect(fit.configurations.default).toBe(spec.configurations.default);
        expect(fit.configurations.list).toEqual(
          spec.configurations.list.map((c) =>
            c.loadables?.length === 0 ? { ...c, loadables: undefined } : c,
          ),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic', () => {
    expect(hex(buildFit(sample))).toBe(hex(buildFit(structuredClone(sample))));
  });

  it('refuses specs it cannot write', () => {
    const with_ = (f: (s: FitSpec) => void) => {
      const s = structuredClone(sample);
      f(s);
      return code(() => buildFit(s));
    };
    expect(with_(() => {})).toBe('ok');
    expect(with_((s) => (s.timestamp = -1))).toBe('BADINPUT');
    expect(with_((s) => (s.images[0]!.name = 'bad/name'))).toBe('BADINPUT');
    expect(with_((s) => (s.images[1]!.name = 'xen'))).toBe('BADINPUT');
    expect(with_((s) => (s.images[0]!.type = 'multi' as FitImageType))).toBe('BADINPUT');
    expect(with_((s) => (s.images[0]!.arch = 'vax' as LegacyArch))).toBe('BADINPUT');
    expect(with_((s) => (s.images[0]!.hashes = ['sha3' as FitHashAlgo]))).toBe('BADINPUT');
    expect(with_((s) => (s.images[0]!.load = 2n ** 64n))).toBe('BADINPUT');
    expect(with_((s) => (s.configurations.default = 'nope'))).toBe('BADINPUT');
    expect(with_((s) => (s.configurations.list[0]!.kernel = 'nope'))).toBe('BADINPUT');
    expect(with_((s) => (s.configurations.list[0]!.loadables = ['nope']))).toBe('BADINPUT');
    expect(with_((s) => (s.description = 'a\0b'))).toBe('BADINPUT');
  });

  it('uses two address cells only when an address needs them', () => {
    const wide = structuredClone(sample);
    wide.images[2]!.load = 0x8_0000_0000n;
    const fit = readFit(buildFit(wide));
    expect(fit.images[2]!.load).toBe(0x8_0000_0000n);
    expect(fit.images[0]!.load).toBe(0x40400000n);
  });
});

describe('readFit on damaged input', () => {
  it('only ever throws DtbError or ImageError', () => {
    const valid = buildFit(sample);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (edits, cut) => {
          const b = valid.slice(0, valid.length - (cut % 4 === 0 ? cut % valid.length : 0));
          for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
          expect(code(() => readFit(b)).startsWith('other')).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds a payload whose hash no longer matches', () => {
    const b = buildFit(sample);
    const at = Buffer.from(b).indexOf(Buffer.from([1, 2, 3, 4, 5]));
    b[at]! ^= 0xff;
    expect(code(() => readFit(b))).toBe('BADCRC');
  });
});

/** The .its mkimage would need to build the same FIT, with payloads as files beside it. */
function toIts(spec: FitSpec, write: (name: string, data: Uint8Array) => void): string {
  const wide = spec.images.some((i) => (i.load ?? 0n) > 0xffffffffn || (i.entry ?? 0n) > 0xffffffffn);
  const cells = (v: bigint) =>
    wide ? `<0x${(v >> 32n).toString(16)} 0x${(v & 0xffffffffn).toString(16)}>` : `<0x${v.toString(16)}>`;
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    '/dts-v1/;',
    '/ {',
    `description = ${q(spec.description)};`,
    `#address-cells = <${wide ? 2 : 1}>;`,
    'images {',
  ];
  spec.images.forEach((img, i) => {
    write(`img${i}.bin`, img.data);
    lines.push(`${img.name} {`);
    if (img.description !== undefined) lines.push(`description = ${q(img.description)};`);
    lines.push(`data = /incbin/("img${i}.bin");`, `type = ${q(img.type)};`);
    if (img.arch) lines.push(`arch = ${q(img.arch)};`);
    if (img.os) lines.push(`os = ${q(img.os)};`);
    lines.push(`compression = ${q(img.compression ?? 'none')};`);
    if (img.load !== undefined) lines.push(`load = ${cells(img.load)};`);
    if (img.entry !== undefined) lines.push(`entry = ${cells(img.entry)};`);
    for (const [j, h] of img.hashes.entries()) lines.push(`hash-${j + 1} { algo = ${q(h)}; };`);
    lines.push('};');
  });
  lines.push('};', 'configurations {', `default = ${q(spec.configurations.default)};`);
  for (const c of spec.configurations.list) {
    lines.push(`${c.name} {`);
    if (c.description !== undefined) lines.push(`description = ${q(c.description)};`);
    for (const k of ['kernel', 'fdt', 'ramdisk'] as const)
      if (c[k] !== undefined) lines.push(`${k} = ${q(c[k]!)};`);
    if (c.loadables?.length) lines.push(`loadables = ${c.loadables.map(q).join(', ')};`);
    lines.push('};');
  }
  lines.push('};', '};', '');
  return lines.join('\n');
}

describe.skipIf(!gate.available)(`mkimage and dumpimage agree (${gate.reason || 'u-boot-tools'})`, () => {
  function judge(spec: FitSpec): void {
    withDir((dir, io) => {
      const ours = buildFit(spec);
      io.write('ours.itb', ours);
      io.write(
        'x.its',
        toIts(spec, (n, d) => io.write(n, d)),
      );
      const mk = run('mkimage', ['-f', 'x.its', 'theirs.itb'], { cwd: dir, epoch: spec.timestamp });
      expect(mk.status, mk.stderr + mk.stdout).toBe(0);
      // mkimage leaves free space in the blob; dtc re-lays it out packed, exactly as writeDtb does
      const packed = run('dtc', ['-q', '-I', 'dtb', '-O', 'dtb', 'theirs.itb'], { cwd: dir });
      expect(packed.status, packed.stderr).toBe(0);
      expect(hex(ours)).toBe(hex(packed.raw));

      const l = run('mkimage', ['-l', 'ours.itb'], { cwd: dir });
      expect(l.status, l.stderr).toBe(0);
      const theirsList = run('mkimage', ['-l', 'theirs.itb'], { cwd: dir });
      expect(l.stdout).toBe(theirsList.stdout);
      const d = run('dumpimage', ['-l', 'ours.itb'], { cwd: dir });
      expect(d.status, d.stderr).toBe(0);
      spec.images.forEach((img, i) => {
        const x = run('dumpimage', ['-T', 'flat_dt', '-p', String(i), '-o', `out${i}`, 'ours.itb'], {
          cwd: dir,
        });
        expect(x.status, x.stderr).toBe(0);
        expect(hex(io.read(`out${i}`))).toBe(hex(img.data));
      });
    });
  }

  it('a Xen boot FIT matches mkimage -f byte for byte after packing', () => {
    judge(sample);
  });

  it('random FITs match mkimage -f and dumpimage extracts every image', () => {
    fc.assert(fc.property(specArb({ minData: 1 }), judge), { numRuns: 12 });
  });
});
