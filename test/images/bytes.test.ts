import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from '../../images/bytes.js';
import { ImageError } from '../../images/errors.js';

describe('ByteWriter', () => {
  it('keeps every byte across growth', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 12 }), (chunks) => {
        const w = new ByteWriter();
        for (const c of chunks)
          w.u8(0xaa).bytes(c).u32be(c.length).u32le(c.length).u64le(BigInt(c.length)).align(4);
        const out = w.finish();
        const r = new ByteReader(out);
        let o = 0;
        for (const c of chunks) {
          expect(r.u8(o)).toBe(0xaa);
          expect(Array.from(r.slice(o + 1, c.length))).toEqual(Array.from(c));
          o += 1 + c.length;
          expect(r.u32be(o)).toBe(c.length);
          expect(r.u32le(o + 4)).toBe(c.length);
          expect(r.u64le(o + 8)).toBe(BigInt(c.length));
          o += 16;
          o += (4 - (o % 4)) % 4;
        }
        expect(o).toBe(out.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('ByteReader', () => {
  it('answers TRUNCATED for any range outside the bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: -10, max: 100 }),
        fc.integer({ min: -1, max: 100 }),
        (b, off, len) => {
          const r = new ByteReader(b);
          const inside = off >= 0 && len >= 0 && off + len <= b.length;
          try {
            r.slice(off, len);
            expect(inside).toBe(true);
          } catch (e) {
            expect(inside).toBe(false);
            expect((e as ImageError).code).toBe('TRUNCATED');
          }
        },
      ),
    );
  });

  it('reads fixed-width hexadecimal fields and refuses other characters', () => {
    const r = new ByteReader(new TextEncoder().encode('0000001fABCDEF0gz'));
    expect(r.hexField(0, 8, 'f')).toBe(31);
    expect(r.hexField(8, 6, 'f')).toBe(0xabcdef);
    expect(() => r.hexField(9, 8, 'f')).toThrow(ImageError);
    expect(() => r.hexField(12, 8, 'f')).toThrow(ImageError);
  });
});
