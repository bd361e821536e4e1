// The only place that reads hostile device-tree bytes. Every read names its offset and is checked
// against the end of the window it was given, so a corrupt blob can only ever produce a DtbError,
// never a RangeError, a silent zero or a read of bytes outside the blob.
import { DtbError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
// For bytes already known to be below 0x80, where latin1 and UTF-8 agree.
const asciiDecoder = new TextDecoder('latin1');

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
    this.check(off, 0, 'a string');
    const stop = this.limit(off, limit);
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
    if (ascii) return { text: latin1(b, from, i), length };
    try {
      return { text: utf8.decode(b.subarray(from, i)), length };
    } catch {
      throw new DtbError('BADSTRUCTURE', off, 'name is not valid UTF-8');
    }
  }

  /**
   * The NUL-terminated strings at many offsets (a DTB's property-name offsets), ending before
   * `limit`. Offsets that end at the same NUL (a name and its tails) share one scan and one
   * decode, so the work is linear in the bytes read however the offsets overlap.
   */
  cstrs(offsets: Iterable<number>, limit: number = this.end): Map<number, string> {
    const sorted = [...new Set(offsets)].sort((a, b) => a - b);
    const out = new Map<number, string>();
    const b = this.blob;
    const base = this.base;
    const stopAt = this.limit(sorted[0] ?? this.base, limit) - base;
    let k = 0;
    while (k < sorted.length) {
      const first = sorted[k]!;
      this.check(first, 0, 'a string');
      let e = first - base;
      let ascii = true;
      while (e < stopAt && b[e] !== 0) {
        if (b[e]! >= 0x80) ascii = false;
        e++;
      }
      if (e >= stopAt) throw new DtbError('TRUNCATED', first, 'string runs past the end of its block');
      let j = k;
      while (j < sorted.length && sorted[j]! - base <= e) j++;
      const from = first - base;
      let full: string;
      try {
        full = ascii ? latin1(b, from, e) : utf8.decode(b.subarray(from, e));
      } catch {
        throw new DtbError('BADSTRUCTURE', first, 'name is not valid UTF-8');
      }
      if (ascii) {
        for (let x = k; x < j; x++) out.set(sorted[x]!, full.slice(sorted[x]! - base - from));
      } else {
        // Walk the (valid) UTF-8 once, mapping byte offsets to UTF-16 positions.
        let units = 0;
        let x = k;
        for (let i = from; i <= e && x < j; i++) {
          const c = b[i]!;
          const at = sorted[x]! - base;
          if (at === i) {
            if (c >= 0x80 && c < 0xc0)
              throw new DtbError('BADSTRUCTURE', sorted[x]!, 'name starts inside a UTF-8 character');
            out.set(sorted[x]!, full.slice(units));
            x++;
          }
          if (c < 0x80 || c >= 0xc0) units += c >= 0xf0 ? 2 : 1;
        }
      }
      k = j;
    }
    return out;
  }

  /** Where a string search starting at `off` must stop: `limit`, or the window's end if sooner. */
  private limit(off: number, limit: number): number {
    if (!Number.isSafeInteger(limit)) throw new DtbError('TRUNCATED', off, 'bad string limit');
    return Math.min(limit, this.end);
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

/** Bytes known to be ASCII as a string, without a decoder for the short names DTBs are full of. */
function latin1(b: Uint8Array, from: number, to: number): string {
  if (to - from > 64) return asciiDecoder.decode(b.subarray(from, to));
  let s = '';
  for (let j = from; j < to; j++) s += String.fromCharCode(b[j]!);
  return s;
}
