// The blob header's CRC-32 is taken over the whole blob with its own 4-byte field read as zero.
import { crc32 } from '../../images/crc32.js';

const ZERO4 = new Uint8Array(4);

/** CRC-32 of `data` as if the 4 bytes at `at` (the CRC field itself) were zero. */
export function blobCrc(data: Uint8Array, at: number): number {
  let c = crc32(data.subarray(0, at));
  c = crc32(ZERO4, c);
  return crc32(data.subarray(at + 4), c);
}
