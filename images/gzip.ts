// gzip for initramfs and FIT payloads. The header's mtime is 0 and its OS byte is pinned to 3
// (Unix), which zlib sets per build platform, so equal input gives equal bytes wherever Node's
// bundled zlib is the same version.
import { gzipSync } from 'node:zlib';
import { ImageError } from './errors.js';

const OS_BYTE = 9;
const OS_UNIX = 3;

export function gzip(data: Uint8Array, opts: { level?: number } = {}): Uint8Array {
  const level = opts.level ?? 9;
  if (!Number.isInteger(level) || level < 0 || level > 9)
    throw new ImageError('BADINPUT', undefined, `gzip level ${level}`);
  const out = new Uint8Array(gzipSync(data, { level }));
  out[OS_BYTE] = OS_UNIX;
  return out;
}
