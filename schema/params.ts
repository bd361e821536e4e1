// Text params ("vpl011=on", "nr_spis=64", "no-direct-map") with Xen's command-line grammar,
// resolved through the feature registry so a param and the matching field mean the same thing.
// Hostile input: every item is bounded in length and alphabet, the list in count, and every
// rejection is a typed problem, never an exception.
import { type Feature, registry } from './registry.js';
import { parseSize } from './units.js';

export const MAX_PARAMS = 64;
export const MAX_PARAM_LENGTH = 256;

export type ParamProblemId =
  | 'param-syntax'
  | 'param-unknown'
  | 'param-value'
  | 'param-duplicate'
  | 'param-limit';

export interface ParamProblem {
  id: ParamProblemId;
  /** Index of the offending item in the params list. */
  index: number;
  message: string;
  hint: string;
}

export interface ParsedParam {
  /** Registry key the param sets. */
  key: string;
  /** A value the field's zod type accepts (boolean, number, string or string[]). */
  value: unknown;
  index: number;
}

export interface ParsedParams {
  values: ParsedParam[];
  /** Items with a name no registry entry knows, kept verbatim when allowed. */
  unknown: { index: number; text: string }[];
  problems: ParamProblem[];
}

const TRUE_WORDS = new Set(['on', 'yes', 'true', 'enable', 'enabled', '1']);
const FALSE_WORDS = new Set(['off', 'no', 'false', 'disable', 'disabled', '0']);
const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const WORD_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const INT_RE = /^(0x[0-9a-f]{1,16}|[0-9]{1,20})([kmgt]?)$/i;
// Printable ASCII without whitespace, quotes, backslash or shell/U-Boot metacharacters.
const SAFE_RE = /^[\x21\x23-\x26\x28-\x5b\x5d-\x7e]*$/;

let byName: Map<string, Feature> | undefined;

/** Param names compare with '-' and '_' as the same character, as Xen's command line does. */
export function normaliseParamName(name: string): string {
  return name.replace(/-/g, '_');
}

function lookup(name: string): Feature | undefined {
  if (!byName) {
    byName = new Map();
    for (const f of registry) if (f.param) byName.set(normaliseParamName(f.param.name), f);
  }
  return byName.get(normaliseParamName(name));
}

export function parseParams(items: readonly unknown[], opts: { allowUnknown?: boolean } = {}): ParsedParams {
  const out: ParsedParams = { values: [], unknown: [], problems: [] };
  const seen = new Map<string, number>();
  const problem = (id: ParamProblemId, index: number, message: string, hint: string) =>
    out.problems.push({ id, index, message, hint });
  if (items.length > MAX_PARAMS) {
    problem('param-limit', MAX_PARAMS, `more than ${MAX_PARAMS} params`, 'use the config fields instead');
  }
  const count = Math.min(items.length, MAX_PARAMS);
  for (let index = 0; index < count; index++) {
    const item = items[index];
    if (typeof item !== 'string') {
      problem('param-syntax', index, 'a param must be a string "key=value"', 'quote it: "nr_spis=64"');
      continue;
    }
    if (item.length === 0 || item.length > MAX_PARAM_LENGTH) {
      problem('param-limit', index, `a param must be 1 to ${MAX_PARAM_LENGTH} characters`, 'shorten it');
      continue;
    }
    if (!SAFE_RE.test(item)) {
      problem(
        'param-syntax',
        index,
        'a param may only hold printable ASCII without spaces, quotes or backslashes',
        'write one "key=value" per list item',
      );
      continue;
    }
    const eq = item.indexOf('=');
    let name = eq < 0 ? item : item.slice(0, eq);
    const raw = eq < 0 ? undefined : item.slice(eq + 1);
    let negated = false;
    let feature = lookup(name);
    if (!feature && /^no[-_]/.test(name) && lookup(name.slice(3))?.param?.kind === 'bool') {
      negated = true;
      name = name.slice(3);
      feature = lookup(name);
    }
    if (!NAME_RE.test(name)) {
      problem(
        'param-syntax',
        index,
        `"${name}" is not a param name`,
        'names use letters, digits, "_" and "-"',
      );
      continue;
    }
    if (!feature?.param) {
      if (opts.allowUnknown) out.unknown.push({ index, text: item });
      else
        problem(
          'param-unknown',
          index,
          `unknown param "${name}"`,
          nearestParamHint(name) ?? 'set allowUnknownParams: true to pass it through verbatim',
        );
      continue;
    }
    const previous = seen.get(feature.key);
    if (previous !== undefined) {
      problem(
        'param-duplicate',
        index,
        `"${name}" is already set by params[${previous}]`,
        'give each param once',
      );
      continue;
    }
    seen.set(feature.key, index);
    if (negated && raw !== undefined) {
      problem('param-syntax', index, `"no-${name}" takes no value`, `write "no-${name}" or "${name}=off"`);
      continue;
    }
    const r = negated ? { ok: true as const, value: false } : parseValue(feature, raw);
    if (!r.ok) {
      problem('param-value', index, `${feature.param.name}: ${r.reason}`, r.hint);
      continue;
    }
    out.values.push({ key: feature.key, value: r.value, index });
  }
  return out;
}

type ValueResult = { ok: true; value: unknown } | { ok: false; reason: string; hint: string };

function parseValue(f: Feature, raw: string | undefined): ValueResult {
  const p = f.param!;
  if (raw === undefined) {
    if (p.kind === 'bool') return { ok: true, value: true };
    return { ok: false, reason: 'needs a value', hint: `write "${p.name}=<value>"` };
  }
  switch (p.kind) {
    case 'bool': {
      const w = raw.toLowerCase();
      if (TRUE_WORDS.has(w)) return { ok: true, value: true };
      if (FALSE_WORDS.has(w)) return { ok: true, value: false };
      return {
        ok: false,
        reason: `"${raw}" is not a boolean`,
        hint: 'use on/off, yes/no, true/false, enable/disable or 1/0',
      };
    }
    case 'int':
      return parseInteger(raw);
    case 'int-or-word': {
      const word = p.words?.[raw.toLowerCase()];
      if (word !== undefined) return { ok: true, value: word };
      return parseInteger(raw);
    }
    case 'size': {
      const r = parseSize(raw);
      if (!r.ok) return { ok: false, reason: r.reason, hint: 'write a size such as 64M or 0x4000000' };
      return {
        ok: true,
        value: r.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r.value) : r.value.toString(),
      };
    }
    case 'enum':
      if (!WORD_RE.test(raw)) return { ok: false, reason: `"${raw}" is not a word`, hint: enumHint(f) };
      return { ok: true, value: raw };
    case 'list': {
      const parts = raw.split(',');
      if (parts.some((x) => !WORD_RE.test(x)))
        return { ok: false, reason: `"${raw}" is not a comma list of words`, hint: 'write a,b,c' };
      return { ok: true, value: parts };
    }
    case 'string':
      if (raw.length === 0) return { ok: false, reason: 'empty value', hint: `write "${p.name}=<value>"` };
      return { ok: true, value: raw };
  }
}

function parseInteger(raw: string): ValueResult {
  const m = INT_RE.exec(raw);
  const hint = 'write a whole number: decimal, 0x hex, optionally with a K/M/G suffix';
  if (!m) return { ok: false, reason: `"${raw}" is not an integer`, hint };
  const r = parseSize(`${m[1]}${m[2]}`);
  if (!r.ok || r.value > BigInt(Number.MAX_SAFE_INTEGER))
    return { ok: false, reason: `"${raw}" is too large`, hint };
  return { ok: true, value: Number(r.value) };
}

function enumHint(f: Feature): string {
  const values = f.dt?.values ?? f.xl?.values;
  return values ? `one of ${Object.keys(values).join(', ')}` : 'see docs/schema.md';
}

function nearestParamHint(name: string): string | undefined {
  const n = normaliseParamName(name);
  let best: { name: string; d: number } | undefined;
  for (const f of registry) {
    if (!f.param) continue;
    const d = editDistance(n, normaliseParamName(f.param.name));
    if (d <= 2 && (!best || d < best.d)) best = { name: f.param.name, d };
  }
  return best ? `did you mean "${best.name}"?` : undefined;
}

/** Levenshtein distance of short strings (names are capped at 64 characters). */
export function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.abs(a.length - b.length) + 64;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** Writes field values back as params (the inverse of parseParams for params-capable fields). */
export function formatParams(values: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const f of registry) {
    const v = values[f.key];
    if (v === undefined || !f.param) continue;
    const name = f.param.name;
    if (typeof v === 'boolean') out.push(v ? `${name}=on` : `${name}=off`);
    else if (Array.isArray(v)) out.push(`${name}=${v.join(',')}`);
    else out.push(`${name}=${String(v)}`);
  }
  return out;
}
