// Text → typed Config. YAML (a superset of JSON, so JSON files take the same path) is parsed into
// a Document that keeps every node's range; params are resolved through the registry; zod applies
// types and defaults; every problem becomes a located Diagnostic. Never throws on bad input.
import { type Document, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { type Config, configSchema } from './config.js';
import { type Diagnostic, formatPath } from './diagnostic.js';
import { editDistance, parseParams } from './params.js';
import { featureByKey } from './registry.js';
import { ConfigSource, locate, type PathSegment } from './source.js';

export const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_ALIASES = 100;
/** Deepest nesting accepted; the config itself needs about 6. Guards the YAML parser's recursion. */
export const MAX_DEPTH = 32;

/**
 * Offset where flow brackets or block indicators nest deeper than MAX_DEPTH, or undefined.
 * A quick scan before the YAML parser, which recurses per level (and can exhaust the stack or
 * memory on hostile input such as 5000 nested "- ").
 */
function nestingProblem(text: string): number | undefined {
  let flow = 0;
  let quote: string | undefined;
  let lineStart = true;
  let blockLevel = 0;
  const indents: number[] = [];
  let col = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      lineStart = true;
      blockLevel = 0;
      col = 0;
      continue;
    }
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const nl = text.indexOf('\n', i);
      i = (nl < 0 ? text.length : nl) - 1;
      continue;
    }
    if (lineStart) {
      if (c === ' ' || c === '\t') {
        col++;
        continue;
      }
      // Block nesting by indentation: the stack of indents still open on this line.
      if (blockLevel === 0 && c !== '#') {
        while (indents.length > 0 && indents[indents.length - 1]! >= col) indents.pop();
        indents.push(col);
        if (indents.length > MAX_DEPTH) return i;
      }
      // "- - - x" or "? ? x": each indicator opens a block level on the same line.
      if ((c === '-' || c === '?') && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
        if (++blockLevel > MAX_DEPTH) return i;
        i++;
        continue;
      }
      lineStart = false;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      if (++flow > MAX_DEPTH) return i;
    } else if (c === ']' || c === '}') flow = Math.max(0, flow - 1);
  }
  return undefined;
}

export interface LoadResult {
  config?: Config;
  diagnostics: Diagnostic[];
  source: ConfigSource;
}

/** Parses and type-checks a config. `config` is set when there are no errors. */
export function loadConfig(text: string, file: string, opts: { truncated?: boolean } = {}): LoadResult {
  const diagnostics: Diagnostic[] = [];
  // `truncated`: the reader stopped after MAX_CONFIG_BYTES + 1 bytes, so the text is not all of it.
  if (opts.truncated || text.length > MAX_CONFIG_BYTES) {
    const source = new ConfigSource(file, '');
    diagnostics.push({
      id: 'config-too-large',
      severity: 'error',
      message: `config is larger than ${MAX_CONFIG_BYTES} bytes`,
      path: '',
      file,
      hint: 'a system description fits in a few kilobytes; is this the right file?',
    });
    return { diagnostics, source };
  }
  const tooDeep = nestingProblem(text);
  if (tooDeep !== undefined) {
    const source = new ConfigSource(file, text);
    diagnostics.push({
      id: 'config-too-deep',
      severity: 'error',
      message: `nesting deeper than ${MAX_DEPTH} levels`,
      path: '',
      range: [tooDeep, tooDeep + 1],
      hint: 'a system description needs only a few levels; is this the right file?',
    });
    return { diagnostics: locate(diagnostics, source), source };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, version: '1.2' });
  const source = new ConfigSource(file, text, doc);
  for (const e of doc.errors) {
    diagnostics.push({
      id: e.code === 'DUPLICATE_KEY' ? 'yaml-duplicate-key' : 'yaml-syntax',
      severity: 'error',
      message: e.message.split('\n')[0]!,
      path: '',
      range: [e.pos[0], e.pos[1]],
      hint: e.code === 'DUPLICATE_KEY' ? 'remove one of the two keys' : 'fix the YAML syntax here',
    });
  }
  if (doc.errors.length > 0) return { diagnostics: locate(diagnostics, source), source };
  for (const w of doc.warnings) {
    diagnostics.push({
      id: 'yaml-warning',
      severity: 'warning',
      message: w.message.split('\n')[0]!,
      path: '',
      range: [w.pos[0], w.pos[1]],
    });
  }
  keepLargeIntegersExact(doc);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    diagnostics.push({
      id: 'yaml-syntax',
      severity: 'error',
      message: err instanceof Error ? err.message : String(err),
      path: '',
      hint: 'aliases are limited; write the values out',
    });
    return { diagnostics: locate(diagnostics, source), source };
  }
  const unknownParams = resolveParams(raw, source, diagnostics);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) diagnostics.push(...issueToDiagnostics(issue, source, raw));
  }
  const located = byPosition(locate(diagnostics, source));
  if (!parsed.success || located.some((d) => d.severity === 'error')) return { diagnostics: located, source };
  const config = parsed.data as Config;
  config.domains.forEach((d, i) => {
    const u = unknownParams.get(i);
    if (u) d.unknownParams = u;
  });
  return { config, diagnostics: located, source };
}

/** Like loadConfig, for scripts: throws a ConfigError listing the errors. */
export function loadConfigOrThrow(text: string, file: string): Config {
  const r = loadConfig(text, file);
  if (!r.config) throw new ConfigError(r.diagnostics);
  return r.config;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'INVALID_CONFIG';
  constructor(readonly diagnostics: Diagnostic[]) {
    const first = diagnostics.find((d) => d.severity === 'error') ?? diagnostics[0];
    super(
      first
        ? `${first.file ?? ''}${first.line ? `:${first.line}:${first.col}` : ''}: ${first.message} [${first.id}]` +
            (diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : '')
        : 'invalid config',
    );
  }
}

// YAML's core schema reads 0x800000000 as a double; above 2^53 that loses bits. Such integers
// are handed to zod as their source text, which the size/address parsers read exactly.
function keepLargeIntegersExact(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'number' && !Number.isSafeInteger(node.value) && isScalar(node)) {
        const src = (node as { source?: unknown }).source;
        if (typeof src === 'string' && /^(0x[0-9a-f]+|[0-9]+)$/i.test(src)) node.value = src;
      }
    },
  });
}

/** Moves each domain's params into fields, recording where they came from. */
function resolveParams(raw: unknown, source: ConfigSource, diags: Diagnostic[]): Map<number, string[]> {
  const kept = new Map<number, string[]>();
  if (!isRecord(raw) || !Array.isArray(raw.domains)) return kept;
  raw.domains.forEach((dom: unknown, i: number) => {
    if (!isRecord(dom) || !Array.isArray(dom.params)) return;
    const r = parseParams(dom.params, { allowUnknown: dom.allowUnknownParams === true });
    for (const p of r.problems) {
      diags.push({
        id: p.id,
        severity: 'error',
        message: p.message,
        path: formatPath(['domains', i, 'params', p.index]),
        hint: p.hint,
      });
    }
    for (const v of r.values) {
      if (dom[v.key] !== undefined) {
        diags.push({
          id: 'param-conflict',
          severity: 'error',
          message: `params[${v.index}] sets ${v.key}, which the domain also sets as a field`,
          path: formatPath(['domains', i, 'params', v.index]),
          hint: `keep either the field ${v.key} or the param, not both`,
        });
        continue;
      }
      dom[v.key] = v.value;
      source.aliases.set(formatPath(['domains', i, v.key]), ['domains', i, 'params', v.index]);
    }
    if (r.unknown.length > 0)
      kept.set(
        i,
        r.unknown.map((u) => u.text),
      );
  });
  return kept;
}

function valueAt(raw: unknown, path: readonly PathSegment[]): unknown {
  let v = raw;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** Orders diagnostics by position so output does not depend on which stage found them. */
function byPosition(diags: Diagnostic[]): Diagnostic[] {
  return diags
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (a.d.range?.[0] ?? -1) - (b.d.range?.[0] ?? -1) || a.i - b.i)
    .map((x) => x.d);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TOP_KEYS = ['$schema', 'arch', 'xen', 'board', 'boot', 'dom0', 'cpupools', 'domains'];

function issueToDiagnostics(issue: z.core.$ZodIssue, source: ConfigSource, raw: unknown): Diagnostic[] {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  const hintParam = (issue as { params?: { hint?: string } }).params?.hint;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const full = [...path, key];
      const range = source.keyRangeOf(full);
      return {
        id: 'unknown-field',
        severity: 'error' as const,
        message: `unknown field "${key}"`,
        path: formatPath(full),
        hint: suggestKey(key, path) ?? 'see docs/schema.md for the fields of this section',
        ...(range ? { range } : {}),
      };
    });
  }
  const missing = valueAt(raw, path) === undefined;
  const d: Diagnostic = {
    id: missing ? 'missing-field' : 'invalid-value',
    severity: 'error',
    message: missing ? `${String(path.at(-1) ?? 'value')} is required` : issue.message,
    path: formatPath(path),
  };
  const hint = hintParam ?? fieldHint(path);
  if (hint) d.hint = hint;
  return [d];
}

function fieldHint(path: PathSegment[]): string | undefined {
  if (path[0] === 'domains' && typeof path[2] === 'string') {
    const f = featureByKey(path[2]);
    if (f) return `${f.key}: ${f.title}`;
  }
  return undefined;
}

function suggestKey(key: string, parentPath: PathSegment[]): string | undefined {
  let candidates: string[] = [];
  if (parentPath.length === 0) candidates = TOP_KEYS;
  else if (parentPath[0] === 'domains' && parentPath.length === 2) {
    const shape = configSchema.shape.domains.unwrap().element.shape;
    candidates = Object.keys(shape);
  }
  let best: { k: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d <= Math.max(2, Math.floor(c.length / 4)) && (!best || d < best.d)) best = { k: c, d };
  }
  return best ? `did you mean "${best.k}"?` : undefined;
}
