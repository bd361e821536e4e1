// The only place in images/ that reads or writes raw bytes. Reads are bounds-checked and answer
// with ImageError('TRUNCATED', offset); writes go through a growable big/little-endian builder.
import { ImageError } from './errors.js';

/** Bounds-checked reads over one byte array; every offset is checked before use. */
export class ByteReader {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Throws TRUNCATED unless [offset, offset + len) lies inside the bytes. */
  need(offset: number, len: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(len) || offset < 0 || len < 0) {
      throw new ImageError('TRUNCATED', offset, `${what}: bad range`);
    }
    if (offset + len > this.bytes.length) {
      throw new ImageError(
        'TRUNCATED',
        offset,
        `${what} needs ${len} bytes at offset ${offset}, only ${Math.max(0, this.bytes.length - offset)} remain`,
      );
    }
  }

  u8(offset: number, what = 'u8'): number {
    this.need(offset, 1, what);
    return this.dv.getUint8(offset);
  }
  u16le(offset: number, what = 'u16'): number {
    this.need(offset, 2, what);
    return this.dv.getUint16(offset, true);
  }
  u32be(offset: number, what = 'u32'): number {
    this.need(offset, 4, what);
    return this.dv.getUint32(offset, false);
  }
  u32le(offset: number, what = 'u32'): number {
    this.need(offset, 4, what);
    return this.dv.getUint32(offset, true);
  }
  u64le(offset: number, what = 'u64'): bigint {
    this.need(offset, 8, what);
    return this.dv.getBigUint64(offset, true);
  }
  /** A view (not a copy) of `len` bytes at `offset`. */
  slice(offset: number, len: number, what = 'bytes'): Uint8Array {
    this.need(offset, len, what);
    return this.bytes.subarray(offset, offset + len);
  }
  /** ASCII digits of a fixed-width hexadecimal field (cpio); BADVALUE on anything else. */
  hexField(offset: number, width: number, what: string): number {
    const raw = this.slice(offset, width, what);
    let v = 0;
    for (let i = 0; i < raw.length; i++) {
      const d = hexDigit(raw[i]!);
      if (d < 0) throw new ImageError('BADVALUE', offset + i, `${what} is not hexadecimal`);
      v = v * 16 + d;
    }
    return v;
  }
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** An append-only byte builder; callers say the endianness of every field they write. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private dv = new DataView(this.buf.buffer);
  private len = 0;

  get length(): number {
    return this.len;
  }

  private reserve(n: number): number {
    const at = this.len;
    if (at + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < at + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
      this.dv = new DataView(next.buffer);
    }
    this.len += n;
    return at;
  }

  // Each write reserves first: reserve may replace buf and dv, so they are read after it.
  u8(v: number): this {
    const at = this.reserve(1);
    this.dv.setUint8(at, v);
    return this;
  }
  u32be(v: number): this {
    const at = this.reserve(4);
    this.dv.setUint32(at, v, false);
    return this;
  }
  u32le(v: number): this {
    const at = this.reserve(4);
    this.dv.setUint32(at, v, true);
    return this;
  }
  u64le(v: bigint): this {
    const at = this.reserve(8);
    this.dv.setBigUint64(at, v, true);
    return this;
  }
  bytes(b: Uint8Array): this {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
    return this;
  }
  zeros(n: number): this {
    this.reserve(n); // fresh space is already zero: the buffer is only ever grown, never reused
    return this;
  }
  /** Zero bytes up to the next multiple of `align`. */
  align(align: number): this {
    return this.zeros((align - (this.len % align)) % align);
  }
  /** Overwrites a big-endian u32 already written (header checksums filled in last). */
  patchU32be(offset: number, v: number): this {
    if (offset < 0 || offset + 4 > this.len) throw new RangeError(`patch at ${offset} outside ${this.len}`);
    this.dv.setUint32(offset, v, false);
    return this;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
