import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../images/crc32.js';
import { XEN_RELEASES } from '../../schema/index.js';
import { blobCrc } from '../../xen-formats/blob/checksum.js';
import { FLAG_CRITICAL, H, MODULE_KINDS, type ModuleKind } from '../../xen-formats/blob/format.js';
import {
  BlobError,
  type BlobSpec,
  blobSpecOf,
  CREATEDOMAIN_ARCHES,
  type CreateDomainTarget,
  createDomainSpec,
  explainBlob,
  formatBlobExplanation,
  readBlob,
  writeBlob,
} from '../../xen-formats/index.js';
import { caseBudgetMs } from '../support/budget.js';
import { arbSpec } from './probe/arbitraries.js';

const TARGETS: CreateDomainTarget[] = XEN_RELEASES.flatMap((release) =>
  CREATEDOMAIN_ARCHES.map((arch) => ({ release, arch })),
);
const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const text = (max: number) =>
  fc.string({ unit: 'grapheme', maxLength: max }).filter((s) => !s.includes('\0'));

const arbBlobSpec: fc.Arbitrary<BlobSpec> = fc.constantFrom(...TARGETS).chain((t) =>
  fc.record({
    arch: fc.constant(t.arch),
    release: fc.constant(t.release),
    domains: fc.array(
      fc.record({
        name: text(40).filter((s) => s.length > 0),
        kind: fc.constantFrom('boot' as const, 'runtime' as const),
        createdomain: arbSpec(t),
        memoryKiB: safe,
        modules: fc.array(
          fc.record({
            kind: fc.constantFrom(...(Object.keys(MODULE_KINDS) as ModuleKind[])),
            loadAddress: fc.option(safe, { nil: null }),
            size: safe,
            sha256: fc
              .uint8Array({ minLength: 32, maxLength: 32 })
              .map((b) => Buffer.from(b).toString('hex')),
          }),
          { maxLength: 3 },
        ),
        cmdline: fc.option(text(80), { nil: null }),
        params: fc.array(fc.record({ text: text(30).filter((s) => s.length > 0), known: fc.boolean() }), {
          maxLength: 3,
        }),
      }),
      { maxLength: 3 },
    ),
  }),
);

function sample(): BlobSpec {
  return {
    arch: 'arm64',
    release: '4.20',
    domains: [
      {
        name: 'linux-guest',
        kind: 'boot',
        createdomain: createDomainSpec({
          name: 'linux-guest',
          max_vcpus: 2,
          flags: ['XEN_DOMCTL_CDF_hvm', 'XEN_DOMCTL_CDF_hap', 'XEN_DOMCTL_CDF_iommu'],
          arch: { kind: 'arm64', gic_version: 'XEN_DOMCTL_CONFIG_GIC_V3', nr_spis: 64 },
        }),
        memoryKiB: 262144,
        modules: [{ kind: 'kernel', loadAddress: 0x4200_0000, size: 1234, sha256: 'ab'.repeat(32) }],
        cmdline: 'console=hvc0',
        params: [
          { text: 'vpl011=on', known: true },
          { text: 'future-knob=7', known: false },
        ],
      },
    ],
  };
}

/** Sets the CRC so a mutation is judged by the structure checks, not only by the checksum. */
function fixCrc(b: Uint8Array): void {
  if (b.length >= H.crc32 + 4)
    new DataView(b.buffer, b.byteOffset).setUint32(H.crc32, blobCrc(b, H.crc32), true);
}

function errorOf(b: Uint8Array): [string, number] | undefined {
  try {
    readBlob(b);
  } catch (e) {
    if (!(e instanceof BlobError)) throw e;
    return [e.code, e.offset];
  }
  return undefined;
}

describe('blob: write → read', () => {
  it('round-trips any spec (property)', () => {
    fc.assert(
      fc.property(arbBlobSpec, (spec) => {
        const bytes = writeBlob(spec);
        expect(bytes.length % 8).toBe(0);
        expect(blobSpecOf(readBlob(bytes))).toEqual(spec);
        expect(writeBlob(blobSpecOf(readBlob(bytes)))).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic and carries the header facts', () => {
    const a = writeBlob(sample());
    expect(writeBlob(sample())).toEqual(a);
    const blob = readBlob(a);
    expect(blob.header).toMatchObject({
      arch: 'arm64',
      release: '4.20',
      interfaceVersion: 0x17,
      domainCount: 1,
      totalLength: a.length,
    });
    expect(Buffer.from(a.subarray(0, 4)).toString('latin1')).toBe('XCDB');
    // The domctl inside is the same 144 bytes encodeCreateDomain gives, 8-aligned in the file.
    expect(blob.domains[0]!.domctlOffset % 8).toBe(0);
    expect(a.subarray(blob.domains[0]!.domctlOffset, blob.domains[0]!.domctlOffset + 144)).toEqual(
      blob.domains[0]!.domctl,
    );
  });

  it('blobCrc is the CRC-32 of the blob with its own field zeroed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 300 }), fc.nat(), (data, pick) => {
        const at = pick % (data.length - 3);
        const zeroed = data.slice();
        zeroed.fill(0, at, at + 4);
        expect(blobCrc(data, at)).toBe(crc32(zeroed));
      }),
      { numRuns: 200 },
    );
  });
});

describe('blob: reader rejects malformed input with typed errors', () => {
  it('mutations and truncations only ever give BlobError (property, CRC fixed and not)', () => {
    // Bound per case: the read-and-rewrite of a large valid blob, measured in this run.
    const largest = fc
      .sample(arbBlobSpec, { numRuns: 30, seed: 1 })
      .map((s) => writeBlob(s))
      .reduce((a, b) => (b.length > a.length ? b : a));
    const limit = caseBudgetMs(() => writeBlob(blobSpecOf(readBlob(largest))), 2500);
    fc.assert(
      fc.property(
        arbBlobSpec,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.boolean(),
        (spec, edits, cut, fix) => {
          let b = writeBlob(spec);
          for (const [at, v] of edits) b[at % b.length] = v;
          if (cut !== undefined) b = b.slice(0, cut % (b.length + 1));
          if (fix) fixCrc(b);
          const t0 = performance.now();
          let blob: ReturnType<typeof readBlob> | undefined;
          try {
            blob = readBlob(b);
          } catch (e) {
            expect(e).toBeInstanceOf(BlobError);
            const err = e as BlobError;
            expect(err.offset).toBeGreaterThanOrEqual(0);
            expect(err.offset).toBeLessThanOrEqual(b.length);
          }
          if (blob) {
            // Whatever still reads re-encodes to the same bytes, up to the minor version a
            // reader accepts from newer writers (and the CRC that covers it).
            const again = writeBlob(blobSpecOf(blob));
            again.set(b.subarray(H.formatMinor, H.formatMinor + 2), H.formatMinor);
            fixCrc(again);
            expect(again).toEqual(b);
          }
          expect(performance.now() - t0).toBeLessThan(limit);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('random bytes give BlobError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(() => readBlob(b)).toThrow(BlobError);
      }),
      { numRuns: 200 },
    );
  });

  it('specific codes and offsets', () => {
    const good = writeBlob(sample());
    const edit = (f: (b: Uint8Array, dv: DataView) => void, crc = true) => {
      const b = good.slice();
      f(b, new DataView(b.buffer));
      if (crc) fixCrc(b);
      return errorOf(b);
    };
    expect(errorOf(good)).toBeUndefined();
    expect(errorOf(good.subarray(0, 10))).toEqual(['TRUNCATED', 0]);
    expect(edit((b) => (b[0] = 0x59))).toEqual(['BAD_MAGIC', 0]);
    expect(edit((_b, dv) => dv.setUint16(H.formatMajor, 2, true))).toEqual(['BAD_VERSION', H.formatMajor]);
    expect(edit((b) => (b[H.arch] = 9))).toEqual(['BAD_HEADER', H.arch]);
    expect(edit((b) => (b[H.xenMinor] = 16))).toEqual(['BAD_HEADER', H.xenMajor]);
    expect(edit((b) => (b[H.interfaceVersion] = 0x18))).toEqual(['BAD_HEADER', H.interfaceVersion]);
    expect(edit((_b, dv) => dv.setUint32(H.totalLength, good.length + 8, true))).toEqual([
      'BAD_LENGTH',
      H.totalLength,
    ]);
    expect(edit((b) => (b[40] = b[40]! ^ 1), false)).toEqual(['BAD_CRC', H.crc32]);
    expect(edit((_b, dv) => dv.setUint16(H.domainCount, 2, true))).toEqual(['MISSING', H.domainCount]);
    // The first record inside the domain is NAME at 40: its flags, type and length.
    expect(edit((_b, dv) => dv.setUint16(42, 3, true))).toEqual(['BAD_RECORD', 42]);
    expect(edit((_b, dv) => dv.setUint16(40, 0x7777, true))).toEqual(['UNKNOWN_CRITICAL', 40]);
    expect(edit((_b, dv) => dv.setUint16(40, 0x0011, true))).toEqual(['BAD_RECORD', 44]); // NAME retyped as KIND, whose length must be 1
    const blob = readBlob(good);
    const dom = blob.domains[0]!.domctlOffset;
    expect(edit((b) => (b[dom + 100] = 1))).toEqual(['BAD_DOMCTL', dom + 100]);
    expect(edit((b) => (b[dom + 37] = 1))).toEqual(['BAD_DOMCTL', dom + 36]);
  });

  it('skips unknown non-critical records and rejects unknown critical ones', () => {
    const good = writeBlob(sample());
    // Turn the PARAM record for "future-knob" into an unknown type, critical then not.
    const blob = readBlob(good);
    const paramAt = good.length - 24; // last record: 8 header + 4 + 13 text → 32 with padding
    expect(new DataView(good.buffer).getUint16(paramAt - 8, true)).toBe(0x0016);
    const b = good.slice();
    const dv = new DataView(b.buffer);
    dv.setUint16(paramAt - 8, 0x7fff, true);
    fixCrc(b);
    expect(errorOf(b)).toEqual(['UNKNOWN_CRITICAL', paramAt - 8]);
    dv.setUint16(paramAt - 6, 0, true);
    fixCrc(b);
    const read = readBlob(b);
    expect(read.domains[0]!.params).toEqual(blob.domains[0]!.params.slice(0, 1));
    expect(read.domains[0]!.skipped).toEqual([{ type: 0x7fff, offset: paramAt - 8, length: 17 }]);
    expect(FLAG_CRITICAL).toBe(1);
  });
});

describe('blob: explain', () => {
  it('names flags and enums instead of numbers, with absolute offsets', () => {
    const blob = readBlob(writeBlob(sample()));
    const e = explainBlob(blob);
    const f = Object.fromEntries(e.domains[0]!.domctl.map((x) => [x.field, x]));
    expect(f['u.createdomain.flags']).toMatchObject({
      raw: 0x23,
      meaning: 'XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_iommu',
      offset: blob.domains[0]!.domctlOffset + 36,
    });
    expect(f['u.createdomain.arch.gic_version']!.meaning).toBe('XEN_DOMCTL_CONFIG_GIC_V3');
    expect(f.domain!.meaning).toMatch(/^DOMID_ANY/);
    expect(f['u.createdomain.altp2m_opts']).toBeDefined(); // 4.19/4.20 spelling
    const txt = formatBlobExplanation(e);
    expect(txt).toContain('XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_iommu');
    expect(txt).toContain('future-knob=7');
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });
});
