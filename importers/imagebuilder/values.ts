// Readers for the value grammars ImageBuilder's variables use. ImageBuilder hands most of them to
// bash arithmetic ($(( … )), test -eq) or to awk/cut, so the accepted forms are what those read:
// decimal or 0x hex integers (a leading 0 is octal in bash arithmetic, so it is refused), space
// separated lists, "a-b" colour ranges. Each reader returns a value or a reason, never throws.

export type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const no = (reason: string): Read<never> => ({ ok: false, reason });

/** A bash-arithmetic integer literal: 4096, 0x1000. */
export function readInt(s: string): Read<bigint> {
  const t = s.trim();
  if (/^0x[0-9a-f]{1,16}$/i.test(t)) return ok(BigInt(t));
  if (/^(0|[1-9][0-9]{0,19})$/.test(t)) {
    const v = BigInt(t);
    return v < 1n << 64n ? ok(v) : no(`${t} does not fit in 64 bits`);
  }
  if (/^0[0-9]+$/.test(t)) return no(`${t} has a leading 0, which bash arithmetic reads as octal`);
  return no(`"${s}" is not a whole number (decimal or 0x hex)`);
}

/** A small non-negative integer (counts, MB, ids). */
export function readCount(s: string, max: number): Read<number> {
  const r = readInt(s);
  if (!r.ok) return r;
  if (r.value > BigInt(max)) return no(`${s.trim()} is above ${max}`);
  return ok(Number(r.value));
}

/** "0 | 1" flags as ImageBuilder tests them (`== 1`, `-eq 1`). */
export function readFlag(s: string): Read<boolean> {
  const t = s.trim();
  if (t === '1') return ok(true);
  if (t === '0') return ok(false);
  return no(`"${s}" is not 0 or 1`);
}

/** Whitespace-separated words (bash word splitting of an unquoted expansion). */
export function words(s: string): string[] {
  return s.split(/\s+/).filter((w) => w !== '');
}

/** "base size base size …" pairs. */
export function readPairs(s: string): Read<{ base: bigint; size: bigint }[]> {
  const w = words(s);
  if (w.length === 0 || w.length % 2 !== 0) return no(`"${s}" is not a list of "address size" pairs`);
  const out: { base: bigint; size: bigint }[] = [];
  for (let i = 0; i < w.length; i += 2) {
    const b = readInt(w[i]!);
    if (!b.ok) return b;
    const z = readInt(w[i + 1]!);
    if (!z.ok) return z;
    if (z.value === 0n) return no(`region at ${w[i]} has size 0`);
    out.push({ base: b.value, size: z.value });
  }
  return ok(out);
}

/** ImageBuilder's colour range "start-end" (cut -d - on the two ends), also a single colour. */
export function readColorRange(s: string): Read<{ start: number; end: number }> {
  const m = /^\s*(\d{1,4})(?:-(\d{1,4}))?\s*$/.exec(s);
  if (!m) return no(`"${s}" is not a colour range start-end`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (end < start) return no(`colour range ${s.trim()} is backwards`);
  return ok({ start, end });
}

export const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** Bytes as a size string the schema reads: whole MiB as "NM", else hex. */
export function sizeText(bytes: bigint): string {
  const MiB = 1n << 20n;
  if (bytes > 0n && bytes % MiB === 0n) return `${bytes / MiB}M`;
  return hex(bytes);
}
