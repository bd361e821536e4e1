// CRC-32 as zlib, gzip and U-Boot compute it (reflected polynomial 0xEDB88320, initial and final
// value 0xFFFFFFFF): node:zlib's own (Node >= 20.15), the one implementation every writer uses.
import { crc32 as zlibCrc32 } from 'node:zlib';

/** Continues a running CRC (`crc` is the value returned for the bytes before `data`; 0 to start). */
export function crc32(data: Uint8Array, crc = 0): number {
  return zlibCrc32(data, crc) >>> 0;
}
