// The one place diagnostics become text: a human report (grouped by file, coloured on a TTY, with
// a caret excerpt under the narrowest located thing) and a stable JSON document for tools.
import type { Diagnostic, Severity } from './diagnostic.js';
import type { ConfigSource } from './source.js';

export interface RenderOptions {
  color?: boolean;
  /** Sources by file name, for excerpts. */
  sources?: readonly ConfigSource[];
}

const SGR = { red: '31', yellow: '33', cyan: '36', bold: '1', dim: '2', green: '32' } as const;
const SEVERITY_COLOR: Record<Severity, keyof typeof SGR> = { error: 'red', warning: 'yellow', info: 'cyan' };
const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const MAX_EXCERPT = 100;

export function countBySeverity(diags: readonly Diagnostic[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const d of diags) c[d.severity]++;
  return c;
}

/** Human report. Diagnostics are grouped by file and sorted by position, then severity. */
export function renderHuman(diags: readonly Diagnostic[], opts: RenderOptions = {}): string {
  const paint = (code: keyof typeof SGR, s: string) => (opts.color ? `\x1b[${SGR[code]}m${s}\x1b[0m` : s);
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diags) {
    const k = d.file ?? '';
    const list = byFile.get(k) ?? [];
    list.push(d);
    byFile.set(k, list);
  }
  const out: string[] = [];
  for (const [file, list] of byFile) {
    const source = opts.sources?.find((s) => s.file === file);
    list.sort(
      (a, b) =>
        (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0) || ORDER[a.severity] - ORDER[b.severity],
    );
    for (const d of list) {
      const where = file ? `${file}${d.line ? `:${d.line}:${d.col}` : ''}: ` : '';
      const path = d.path ? `${paint('bold', d.path)}: ` : '';
      out.push(`${where}${paint(SEVERITY_COLOR[d.severity], d.severity)} [${d.id}] ${path}${d.message}`);
      if (source && d.line !== undefined) out.push(...excerpt(source, d, paint));
      if (d.hint) out.push(`  ${paint('dim', 'hint:')} ${d.hint}`);
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

function excerpt(
  source: ConfigSource,
  d: Diagnostic,
  paint: (code: keyof typeof SGR, s: string) => string,
): string[] {
  const line = d.line!;
  const col = d.col ?? 1;
  const text = source.lineText(line).replace(/\t/g, ' ');
  const start = Math.max(0, Math.min(col - 1, text.length) - 60);
  const shown = text.slice(start, start + MAX_EXCERPT);
  let width = 1;
  if (d.range) {
    const end = source.linePos(Math.max(d.range[0], d.range[1] - 1));
    width = end.line === line ? Math.max(1, end.col - col + 1) : Math.max(1, text.length - col + 1);
  }
  const caretAt = col - 1 - start;
  width = Math.max(1, Math.min(width, shown.length - caretAt));
  const gutter = String(line).padStart(5);
  return [
    `${paint('dim', `${gutter} |`)} ${shown}`,
    `${paint('dim', `${' '.repeat(5)} |`)} ${' '.repeat(Math.max(0, caretAt))}${paint(SEVERITY_COLOR[d.severity], '^'.repeat(width))}`,
  ];
}

/** One summary line: "2 errors, 1 warning" or "valid". */
export function renderSummary(
  file: string,
  diags: readonly Diagnostic[],
  failed: boolean,
  color = false,
): string {
  const c = countBySeverity(diags);
  const parts: string[] = [];
  if (c.error) parts.push(`${c.error} error${c.error === 1 ? '' : 's'}`);
  if (c.warning) parts.push(`${c.warning} warning${c.warning === 1 ? '' : 's'}`);
  if (c.info) parts.push(`${c.info} note${c.info === 1 ? '' : 's'}`);
  const verdict = failed ? 'invalid' : 'valid';
  const s = `${file}: ${verdict}${parts.length ? ` (${parts.join(', ')})` : ''}`;
  if (!color) return `${s}\n`;
  return `\x1b[${failed ? SGR.red : SGR.green}m${s}\x1b[0m\n`;
}

/** Version of the JSON report; bump only on incompatible changes. */
export const DIAGNOSTICS_JSON_VERSION = 1;

/** The stable machine format of `dombuild validate --json`. Keys and order are fixed. */
export function renderJson(file: string, diags: readonly Diagnostic[], valid: boolean): string {
  const doc = {
    format: 'dombuild-diagnostics',
    version: DIAGNOSTICS_JSON_VERSION,
    file,
    valid,
    counts: countBySeverity(diags),
    diagnostics: diags.map((d) => ({
      id: d.id,
      severity: d.severity,
      path: d.path,
      message: d.message,
      hint: d.hint ?? null,
      ref: d.ref ?? null,
      file: d.file ?? null,
      line: d.line ?? null,
      col: d.col ?? null,
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
