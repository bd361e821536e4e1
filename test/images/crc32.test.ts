import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../images/crc32.js';

describe('crc32', () => {
  it('gives the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('agrees with zlib, whole and in pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(), (data, cut) => {
        const at = data.length === 0 ? 0 : cut % data.length;
        const whole = crc32(data);
        expect(whole).toBe(zlibCrc32(data) >>> 0);
        expect(crc32(data.subarray(at), crc32(data.subarray(0, at)))).toBe(whole);
      }),
      { numRuns: 300 },
    );
  });
});
