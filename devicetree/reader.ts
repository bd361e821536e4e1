// The only place that reads hostile device-tree bytes. Every read names its offset and is checked
// against the end of the window it was given, so a corrupt blob can only ever produce a DtbError,
// never a RangeError, a silent zero or a read of bytes outside the blob.
import { DtbError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class BlobReader {
  private readonly dv: DataView;
  /** One past the last readable byte; offsets stay absolute within the original blob. */
  readonly end: number;

  /** `blob[0]` is the byte at absolute offset `base` (a block cut out of a larger blob). */
  constructor(
    readonly blob: Uint8Array,
    readonly base = 0,
  ) {
    this.dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    this.end = base + blob.byteLength;
  }

  /** A reader over [start, end) only (offsets unchanged), for one block. */
  window(start: number, end: number): BlobReader {
    this.check(start, end - start, 'block');
    return new BlobReader(this.blob.subarray(start - this.base, end - this.base), start);
  }

  /** Like `window`, over a private copy of the bytes, so what is read from it can be kept. */
  copy(start: number, end: number): BlobReader {
    this.check(start, end - start, 'block');
    return new BlobReader(this.blob.slice(start - this.base, end - this.base), start);
  }

  u32(off: number): number {
    this.check(off, 4, 'a 32-bit field');
    return this.dv.getUint32(off - this.base);
  }

  u64(off: number): bigint {
    this.check(off, 8, 'a 64-bit field');
    return this.dv.getBigUint64(off - this.base);
  }

  /** A copy of `len` bytes at `off`. */
  bytes(off: number, len: number): Uint8Array {
    this.check(off, len, `${len} bytes`);
    return this.blob.slice(off - this.base, off - this.base + len);
  }

  /** `len` bytes at `off` without copying: a view that shares this reader's memory. */
  view(off: number, len: number): Uint8Array {
    this.check(off, len, `${len} bytes`);
    return this.blob.subarray(off - this.base, off - this.base + len);
  }

  /**
   * The NUL-terminated string at `off`, which must end before `limit` (exclusive; at most the
   * window's end). Returns the text (UTF-8; invalid UTF-8 is refused so names survive a round
   * trip) and its length in bytes without the NUL.
   */
  cstr(off: number, limit: number = this.end): { text: string; length: number } {
    const stop = Math.min(limit, this.end);
    this.check(off, 0, 'a string');
    const b = this.blob;
    const base = this.base;
    let i = off - base;
    const stopAt = stop - base;
    let ascii = true;
    while (i < stopAt && b[i] !== 0) {
      if (b[i]! >= 0x80) ascii = false;
      i++;
    }
    if (i >= stopAt) throw new DtbError('TRUNCATED', off, 'string runs past the end of its block');
    const from = off - base;
    const length = i - from;
    if (ascii && length <= 64) {
      let s = '';
      for (let j = from; j < i; j++) s += String.fromCharCode(b[j]!);
      return { text: s, length };
    }
    try {
      return { text: utf8.decode(b.subarray(from, i)), length };
    } catch {
      throw new DtbError('BADSTRUCTURE', off, 'name is not valid UTF-8');
    }
  }

  private check(off: number, len: number, what: string): void {
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < 0 || len < 0) {
      throw new DtbError('TRUNCATED', Number.isSafeInteger(off) ? off : undefined, `bad offset for ${what}`);
    }
    // Offsets and lengths come from u32 fields, so the sum stays exact in a double.
    if (off < this.base || off + len > this.end) {
      throw new DtbError('TRUNCATED', off, `${what} at ${off} runs past the end (${this.end} bytes)`);
    }
  }
}
