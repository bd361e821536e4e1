import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRangeList, formatSize, parseRangeList, parseSize, U64_MAX } from '../../schema/index.js';

describe('parseSize', () => {
  it.each([
    ['64M', 64n << 20n],
    ['2G', 2n << 30n],
    ['512k', 512n << 10n],
    ['1T', 1n << 40n],
    ['2MiB', 2n << 20n],
    ['0x4000000', 0x4000000n],
    ['0x800000000', 0x8_0000_0000n],
    ['0xffffffffffffffff', U64_MAX],
    ['1_000', 1000n],
    [4096, 4096n],
  ] as const)('%s', (input, want) => {
    expect(parseSize(input)).toEqual({ ok: true, value: want });
  });

  it.each(['', 'M', '-1', '1.5G', '64X', '0x', '0x10000000000000000', '16777216T', '1 2'])(
    'rejects %j',
    (s) => {
      expect(parseSize(s).ok).toBe(false);
    },
  );

  it('rejects unsafe and negative numbers', () => {
    expect(parseSize(2 ** 60).ok).toBe(false);
    expect(parseSize(-4).ok).toBe(false);
    expect(parseSize(1.5).ok).toBe(false);
  });

  it('round-trips through formatSize and hex', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: U64_MAX }), (v) => {
        expect(parseSize(`0x${v.toString(16)}`)).toEqual({ ok: true, value: v });
        expect(parseSize(formatSize(v))).toEqual({ ok: true, value: v });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const r = parseSize(s);
        if (r.ok) expect(r.value <= U64_MAX).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('range lists', () => {
  it('parses Xen range syntax', () => {
    expect(parseRangeList('0-3,6')).toEqual({ ok: true, value: [0, 1, 2, 3, 6] });
    expect(parseRangeList('3-1').ok).toBe(false);
    expect(parseRangeList('a').ok).toBe(false);
    expect(parseRangeList('0-9999').ok).toBe(false);
  });

  it('round-trips sorted unique lists', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 4095 }), { minLength: 1, maxLength: 50 }),
        (xs) => {
          const sorted = [...xs].sort((a, b) => a - b);
          expect(parseRangeList(formatRangeList(sorted))).toEqual({ ok: true, value: sorted });
        },
      ),
      { numRuns: 200 },
    );
  });
});
