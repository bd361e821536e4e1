// The only code that touches createdomain.bin bytes on the way in: every read is bounds-checked
// and every record walk is capped, so hostile input ends in a BlobError, never in a crash.
import { BlobError } from './errors.js';
import { FLAG_CRITICAL, RECORD_ALIGN, RECORD_HEADER_SIZE } from './format.js';

export interface RawRecord {
  type: number;
  critical: boolean;
  /** Offset of the record header. */
  offset: number;
  /** Offset and length of the value (padding excluded). */
  valueOffset: number;
  length: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export const align = (n: number) => Math.ceil(n / RECORD_ALIGN) * RECORD_ALIGN;

export class BlobReader {
  private readonly dv: DataView;
  constructor(readonly data: Uint8Array) {
    this.dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  need(off: number, len: number, what: string): void {
    if (
      !Number.isSafeInteger(off) ||
      !Number.isSafeInteger(len) ||
      off < 0 ||
      len < 0 ||
      off + len > this.data.length
    ) {
      throw new BlobError(
        'TRUNCATED',
        Math.min(Math.max(off, 0), this.data.length),
        `${what} runs past the end of the data`,
      );
    }
  }
  u8(off: number, what: string): number {
    this.need(off, 1, what);
    return this.dv.getUint8(off);
  }
  u16(off: number, what: string): number {
    this.need(off, 2, what);
    return this.dv.getUint16(off, true);
  }
  u32(off: number, what: string): number {
    this.need(off, 4, what);
    return this.dv.getUint32(off, true);
  }
  /** A u64 that must fit a JavaScript number exactly. */
  u64(off: number, what: string): number {
    this.need(off, 8, what);
    const lo = this.dv.getUint32(off, true);
    const hi = this.dv.getUint32(off + 4, true);
    const v = hi * 2 ** 32 + lo;
    if (!Number.isSafeInteger(v)) throw new BlobError('BAD_VALUE', off, `${what} is larger than 2^53`);
    return v;
  }
  bytes(off: number, len: number, what: string): Uint8Array {
    this.need(off, len, what);
    return this.data.slice(off, off + len);
  }
  zeros(off: number, len: number, code: 'BAD_HEADER' | 'BAD_RECORD', what: string): void {
    this.need(off, len, what);
    for (let i = off; i < off + len; i++) {
      if (this.data[i] !== 0) throw new BlobError(code, i, `${what} must be zero`);
    }
  }
  text(off: number, len: number, what: string): string {
    const b = this.bytes(off, len, what);
    let s: string;
    try {
      s = utf8.decode(b);
    } catch {
      throw new BlobError('BAD_UTF8', off, `${what} is not UTF-8`);
    }
    if (s.includes('\0')) throw new BlobError('BAD_UTF8', off + b.indexOf(0), `${what} contains NUL`);
    return s;
  }

  /** The records laid end to end in [start, end), at most `cap` of them. */
  records(start: number, end: number, cap: number, where: string): RawRecord[] {
    const out: RawRecord[] = [];
    let off = start;
    while (off < end) {
      if (out.length >= cap) throw new BlobError('LIMIT', off, `more than ${cap} records in ${where}`);
      if (off + RECORD_HEADER_SIZE > end)
        throw new BlobError('TRUNCATED', off, `record header in ${where} runs past its end`);
      const type = this.u16(off, 'record type');
      const flags = this.u16(off + 2, 'record flags');
      const length = this.u32(off + 4, 'record length');
      if ((flags & ~FLAG_CRITICAL) !== 0)
        throw new BlobError('BAD_RECORD', off + 2, 'reserved record flags are set');
      const valueOffset = off + RECORD_HEADER_SIZE;
      const next = align(valueOffset + length);
      if (next > end)
        throw new BlobError('TRUNCATED', off + 4, `record of ${length} bytes runs past the end of ${where}`);
      this.zeros(valueOffset + length, next - valueOffset - length, 'BAD_RECORD', 'record padding');
      out.push({ type, critical: (flags & FLAG_CRITICAL) !== 0, offset: off, valueOffset, length });
      off = next;
    }
    return out;
  }
}
