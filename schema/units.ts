// Sizes and addresses as users write them ("512M", "2G", "0x40000000", 65536), resolved to exact
// 64-bit bigints. One grammar for the config and the text params.

export const U64_MAX = (1n << 64n) - 1n;

const SUFFIX: Record<string, bigint> = {
  '': 1n,
  k: 1n << 10n,
  m: 1n << 20n,
  g: 1n << 30n,
  t: 1n << 40n,
};

// digits (decimal, or 0x hex), optional binary-unit suffix K/M/G/T with optional "iB"/"B".
const SIZE_RE = /^(0x[0-9a-f]+(?:_[0-9a-f]+)*|[0-9]+(?:_[0-9]+)*)\s*([kmgt]?)(?:i?b)?$/i;

export type UnitResult = { ok: true; value: bigint } | { ok: false; reason: string };

/** Parses a size or address; the result is bounded to an unsigned 64-bit value. */
export function parseSize(input: string | number | bigint): UnitResult {
  if (typeof input === 'bigint') return bound(input);
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0)
      return {
        ok: false,
        reason: 'must be a non-negative whole number below 2^53 (write larger values as a string)',
      };
    return { ok: true, value: BigInt(input) };
  }
  const s = input.trim();
  if (s.length === 0 || s.length > 40)
    return { ok: false, reason: 'expected a size like 64M, 2G or 0x4000000' };
  const m = SIZE_RE.exec(s);
  if (!m) return { ok: false, reason: 'expected a size like 64M, 2G or 0x4000000' };
  const digits = m[1]!.replace(/_/g, '');
  const base = BigInt(digits);
  const mult = SUFFIX[(m[2] ?? '').toLowerCase()] ?? 1n;
  return bound(base * mult);
}

function bound(v: bigint): UnitResult {
  if (v < 0n) return { ok: false, reason: 'must not be negative' };
  if (v > U64_MAX) return { ok: false, reason: 'does not fit in 64 bits' };
  return { ok: true, value: v };
}

/** Formats bytes in the largest exact binary unit: 67108864n → "64M". */
export function formatSize(bytes: bigint): string {
  for (const [suffix, mult] of [
    ['T', 1n << 40n],
    ['G', 1n << 30n],
    ['M', 1n << 20n],
    ['K', 1n << 10n],
  ] as const) {
    if (bytes >= mult && bytes % mult === 0n) return `${bytes / mult}${suffix}`;
  }
  return String(bytes);
}

/** Formats an address as 0x-prefixed lower-case hex. */
export function formatAddress(addr: bigint): string {
  return `0x${addr.toString(16)}`;
}
