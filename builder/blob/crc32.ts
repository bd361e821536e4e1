// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zlib and `crc32(1)` compute it.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function update(state: number, data: Uint8Array): number {
  let c = state;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}

export function crc32(data: Uint8Array): number {
  return (update(0xffffffff, data) ^ 0xffffffff) >>> 0;
}

const ZERO4 = new Uint8Array(4);

/** CRC-32 of `data` as if the 4 bytes at `at` (the CRC field itself) were zero. */
export function blobCrc(data: Uint8Array, at: number): number {
  let s = update(0xffffffff, data.subarray(0, at));
  s = update(s, ZERO4);
  s = update(s, data.subarray(at + 4));
  return (s ^ 0xffffffff) >>> 0;
}
