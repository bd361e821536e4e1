// BlobReader, the one gate for hostile bytes: every read is bounds-checked against its window and
// anything out of range (negative, fractional, huge, overflowing) is a DtbError with an offset.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlobReader, DtbError } from '../../devicetree/index.js';

const bytes = Uint8Array.from([0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 1, 0x61, 0x62, 0, 0xc3, 0xa9, 0, 0xff, 0]);

describe('BlobReader', () => {
  const r = new BlobReader(bytes);

  it('reads big-endian fields and strings', () => {
    expect(r.u32(0)).toBe(0xd00dfeed);
    expect(r.u64(0)).toBe(0xd00dfeed00000001n);
    expect(r.cstr(8)).toEqual({ text: 'ab', length: 2 });
    expect(r.cstr(11)).toEqual({ text: 'é', length: 2 });
    expect([...r.bytes(8, 3)]).toEqual([0x61, 0x62, 0]);
  });

  it('copies with bytes() and shares with view()', () => {
    const copy = r.bytes(8, 2);
    const view = r.view(8, 2);
    expect(copy.buffer).not.toBe(bytes.buffer);
    expect(view.buffer).toBe(bytes.buffer);
  });

  it('keeps offsets absolute in windows and copies', () => {
    const w = r.window(8, 14);
    expect(w.cstr(8).text).toBe('ab');
    expect(() => w.u32(4)).toThrow(DtbError);
    expect(() => w.u32(12)).toThrow(DtbError);
    const c = r.copy(4, 8);
    expect(c.u32(4)).toBe(1);
    expect(c.blob.buffer).not.toBe(bytes.buffer);
  });

  it.each([
    ['u32 past the end', () => r.u32(13)],
    ['u64 past the end', () => r.u64(9)],
    ['negative offset', () => r.u32(-1)],
    ['fractional offset', () => r.u32(1.5)],
    ['NaN offset', () => r.bytes(Number.NaN, 1)],
    ['huge length', () => r.bytes(0, 0xffffffff)],
    ['offset + length overflowing 32 bits', () => r.bytes(0xfffffff0, 0x20)],
    ['unterminated string', () => new BlobReader(bytes.subarray(0, 10)).cstr(8)],
    ['string limit before its NUL', () => r.cstr(8, 10)],
    ['invalid UTF-8 name', () => r.cstr(14)],
    ['window past the end', () => r.window(0, 17)],
  ])('%s throws DtbError', (_what, fn) => {
    expect(fn).toThrow(DtbError);
  });

  it('never throws anything but DtbError for any offset and length', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0xffffffff, 2 ** 53, -0)),
        fc.oneof(fc.nat(80), fc.integer(), fc.double(), fc.constantFrom(0xffffffff, 2 ** 32)),
        (buf, off, len) => {
          const rd = new BlobReader(buf);
          for (const read of [
            () => rd.u32(off),
            () => rd.u64(off),
            () => rd.bytes(off, len),
            () => rd.view(off, len),
            () => rd.cstr(off),
            () => rd.cstr(off, len),
            () => rd.cstrs([off, 3], len),
          ]) {
            try {
              read();
            } catch (e) {
              expect(e).toBeInstanceOf(DtbError);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('cstrs decodes many offsets, sharing tails, and refuses names starting mid-character', () => {
    const enc = new TextEncoder();
    const buf = new Uint8Array([...enc.encode('compatible'), 0, ...enc.encode('aé𝄞b'), 0, 0x61]);
    const rd = new BlobReader(buf);
    const m = rd.cstrs([0, 6, 10, 3, 6, 11, 12, 14, 18]);
    expect(m.get(0)).toBe('compatible');
    expect(m.get(3)).toBe('patible');
    expect(m.get(6)).toBe('ible');
    expect(m.get(10)).toBe('');
    expect(m.get(11)).toBe('aé𝄞b');
    expect(m.get(12)).toBe('é𝄞b');
    expect(m.get(14)).toBe('𝄞b');
    expect(m.get(18)).toBe('b');
    expect(() => rd.cstrs([13])).toThrow(DtbError);
    expect(() => rd.cstrs([20])).toThrow(DtbError);
    expect(() => rd.cstrs([0], 5)).toThrow(DtbError);
  });
});
