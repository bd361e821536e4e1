// The blob header's CRC-32 is taken over the whole blob with its own 4-byte field read as zero.
// zlib's CRC-32 (reflected 0xEDB88320), as gzip and U-Boot compute it.
import { crc32 as zlibCrc32 } from 'node:zlib';

const ZERO4 = new Uint8Array(4);

/** CRC-32 of `data` as if the 4 bytes at `at` (the CRC field itself) were zero. */
export function blobCrc(data: Uint8Array, at: number): number {
  let c = zlibCrc32(data.subarray(0, at));
  c = zlibCrc32(ZERO4, c);
  return zlibCrc32(data.subarray(at + 4), c) >>> 0;
}
