// The only place that reads hostile device-tree bytes. Every read names its offset and is checked
// against the end of the window it was given, so a corrupt blob can only ever produce a DtbError,
// never a RangeError, a silent zero or a read of bytes outside the blob.
import { DtbError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class BlobReader {
  private readonly view: DataView;
  /** One past the last readable byte; offsets stay absolute within the original blob. */
  readonly end: number;

  constructor(readonly blob: Uint8Array) {
    this.view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    this.end = blob.byteLength;
  }

  /** A reader over the first `end` bytes only (offsets unchanged), for a block's window. */
  window(end: number): BlobReader {
    this.check(0, end, 'window');
    return new BlobReader(this.blob.subarray(0, end));
  }

  u32(off: number): number {
    this.check(off, 4, 'a 32-bit field');
    return this.view.getUint32(off);
  }

  u64(off: number): bigint {
    this.check(off, 8, 'a 64-bit field');
    return this.view.getBigUint64(off);
  }

  /** A copy of `len` bytes at `off` (the tree never aliases the input blob). */
  bytes(off: number, len: number): Uint8Array {
    this.check(off, len, `${len} bytes`);
    return this.blob.slice(off, off + len);
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
    let i = off;
    let ascii = true;
    while (i < stop && b[i] !== 0) {
      if (b[i]! >= 0x80) ascii = false;
      i++;
    }
    if (i >= stop) throw new DtbError('TRUNCATED', off, 'string runs past the end of its block');
    const length = i - off;
    if (ascii && length <= 64) {
      let s = '';
      for (let j = off; j < i; j++) s += String.fromCharCode(b[j]!);
      return { text: s, length };
    }
    try {
      return { text: utf8.decode(b.subarray(off, i)), length };
    } catch {
      throw new DtbError('BADSTRUCTURE', off, 'name is not valid UTF-8');
    }
  }

  private check(off: number, len: number, what: string): void {
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < 0 || len < 0) {
      throw new DtbError('TRUNCATED', Number.isSafeInteger(off) ? off : undefined, `bad offset for ${what}`);
    }
    // Offsets and lengths come from u32 fields, so the sum stays exact in a double.
    if (off + len > this.end) {
      throw new DtbError('TRUNCATED', off, `${what} at ${off} runs past the end (${this.end} bytes)`);
    }
  }
}
