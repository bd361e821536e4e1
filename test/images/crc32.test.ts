// Judge: GNU gzip, whose trailer carries the CRC-32 of its input (RFC 1952), not node:zlib, which
// our crc32 wraps.
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../images/crc32.js';
import { requireTools } from '../support/tools.js';

const gate = requireTools(['gzip'], 'apt-get install gzip');

function gzipCrc(data: Uint8Array): number {
  const z = execFileSync('gzip', ['-c', '-n'], { input: data });
  return z.readUInt32LE(z.length - 8);
}

describe('crc32', () => {
  it('gives the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('continues a running CRC: pieces give the whole', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(), (data, cut) => {
        const at = data.length === 0 ? 0 : cut % data.length;
        expect(crc32(data.subarray(at), crc32(data.subarray(0, at)))).toBe(crc32(data));
      }),
      { numRuns: 300 },
    );
  });

  it.skipIf(!gate.available)(`agrees with gzip's trailer (${gate.reason || 'gzip'})`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), (data) => {
        expect(crc32(data)).toBe(gzipCrc(data));
      }),
      { numRuns: 40 },
    );
  });
});
