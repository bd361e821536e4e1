// Zod building blocks shared by the config schema and the feature registry: sizes, addresses, names,
// CPU/colour lists, image references. Each one accepts the friendly spellings and outputs one
// normalised value (bigints for sizes and addresses, sorted number arrays for lists).
import { z } from 'zod';
import { isXenRelease, XEN_RELEASES, type XenRelease } from './releases.js';
import { parseSize } from './units.js';

const SIZE_HINT = 'write a size such as 64M, 2G, 0x4000000 or a whole number of bytes';

/** A byte count: "512M", "2G", "0x1000", 4096. Output: bigint bytes. */
export function size() {
  return z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      const r = parseSize(v);
      if (r.ok) return r.value;
      ctx.addIssue({ code: 'custom', message: `invalid size: ${r.reason}`, params: { hint: SIZE_HINT } });
      return z.NEVER;
    })
    .meta({ examples: ['64M', '2G', '0x4000000'] });
}

/** A 64-bit physical or guest address: "0x40000000" or an integer. Output: bigint. */
export function address() {
  return z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      const r = parseSize(v);
      if (r.ok) return r.value;
      ctx.addIssue({
        code: 'custom',
        message: `invalid address: ${r.reason}`,
        params: { hint: 'write an address as a hex string such as "0x40000000"' },
      });
      return z.NEVER;
    })
    .meta({ examples: ['0x40000000'] });
}

/** A name that becomes a device-tree node name and an xl `name`: no '@', '/', spaces or quotes. */
export function nodeName(what: string) {
  return z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,30}$/, {
      message: `${what} must start with a letter and use only letters, digits, '_' and '-' (at most 31)`,
    })
    .describe(`${what}: letters, digits, '_' and '-', starting with a letter`);
}

export const MAX_LIST_VALUE = 4095;
const MAX_LIST_ITEMS = 4096;

/**
 * A list of small non-negative integers written either as an array or as Xen's range string
 * ("0-3,6"). Output: sorted, de-duplicated numbers. Used for CPU sets and LLC colours.
 */
export function numberList(what: string) {
  return z
    .union([z.string().max(1024), z.array(z.number().int().min(0).max(MAX_LIST_VALUE)).max(MAX_LIST_ITEMS)])
    .transform((v, ctx) => {
      const r = typeof v === 'string' ? parseRangeList(v) : { ok: true as const, value: v };
      if (!r.ok) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid ${what} list: ${r.reason}`,
          params: { hint: 'write a list such as "0-3,6" or [0, 1, 2, 3, 6]' },
        });
        return z.NEVER;
      }
      return [...new Set(r.value)].sort((a, b) => a - b);
    });
}

/** Parses "0-3,6" into [0,1,2,3,6], bounded in value and count. */
export function parseRangeList(s: string): { ok: true; value: number[] } | { ok: false; reason: string } {
  const out: number[] = [];
  const text = s.trim();
  if (text === '') return { ok: false, reason: 'empty list' };
  for (const part of text.split(',')) {
    const m = /^\s*(\d{1,4})\s*(?:-\s*(\d{1,4})\s*)?$/.exec(part);
    if (!m) return { ok: false, reason: `"${part.trim()}" is not a number or a range a-b` };
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return { ok: false, reason: `range ${lo}-${hi} is backwards` };
    if (hi > MAX_LIST_VALUE) return { ok: false, reason: `${hi} is above ${MAX_LIST_VALUE}` };
    if (out.length + (hi - lo + 1) > MAX_LIST_ITEMS) return { ok: false, reason: 'too many entries' };
    for (let i = lo; i <= hi; i++) out.push(i);
  }
  return { ok: true, value: out };
}

/** Formats [0,1,2,3,6] as Xen's "0-3,6". */
export function formatRangeList(values: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    parts.push(j === i ? String(values[i]) : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** A path to a file, relative to the config file's folder. */
export function filePath(what: string) {
  return z.string().min(1).max(4096).describe(`${what}: a path relative to the config file`);
}

/**
 * The Xen release. YAML reads an unquoted 4.20 as the number 4.2, so numbers map back to the
 * release they can only mean within the supported range.
 */
export function xenRelease() {
  return z
    .union([z.string(), z.number()])
    .transform((v, ctx): XenRelease => {
      const s = typeof v === 'number' ? numberToRelease(v) : v.trim();
      if (s !== undefined && isXenRelease(s)) return s;
      ctx.addIssue({
        code: 'custom',
        message: `unsupported Xen release ${JSON.stringify(v)}`,
        params: { hint: `use one of ${XEN_RELEASES.join(', ')} (quote it: "4.20")` },
      });
      return z.NEVER;
    })
    .meta({ examples: ['4.20'] });
}

function numberToRelease(n: number): string | undefined {
  for (const r of XEN_RELEASES) if (Number(r) === n) return r;
  return undefined;
}

/** Where a domain's kernel comes from. */
export type KernelRef =
  | { kind: 'probe'; marker?: string }
  | { kind: 'file'; path: string; load?: string | undefined };

/** Where an optional module (ramdisk, partial DTB, policy) comes from. */
export type FileRef = { kind: 'file'; path: string; load?: string | undefined };

const loadCommand = z
  .string()
  .min(1)
  .max(256)
  .describe('U-Boot command that loads this image, overriding boot.load (e.g. "tftpb", "load mmc 0:1")');

function fileObject() {
  return z
    .object({
      path: filePath('Image file'),
      load: loadCommand.optional(),
    })
    .strict();
}

/** An image file: a path string, or { path, load } to override the load command. */
export function fileRef(what: string) {
  return z
    .union([filePath(what), fileObject()])
    .transform((v): FileRef => (typeof v === 'string' ? { kind: 'file', path: v } : { kind: 'file', ...v }))
    .describe(`${what}: a path, or { path, load } to override the U-Boot load command`);
}

/** A kernel: "probe" (the built-in probe guest), { probe: "marker" }, a path, or { path, load }. */
export function kernelRef() {
  return z
    .union([
      z.literal('probe'),
      z.object({ probe: z.string().min(1).max(200).describe('Marker the probe guest prints') }).strict(),
      filePath('Kernel image'),
      fileObject(),
    ])
    .transform((v): KernelRef => {
      if (v === 'probe') return { kind: 'probe' };
      if (typeof v === 'string') return { kind: 'file', path: v };
      if ('probe' in v) return { kind: 'probe', marker: v.probe };
      return { kind: 'file', ...v };
    })
    .describe('Kernel: "probe" for the built-in probe guest, { probe: "marker" }, a path, or { path, load }');
}
