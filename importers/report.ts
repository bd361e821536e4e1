// The one report every importer returns (xl configs, ImageBuilder configs): each setting of the
// source file either became config fields (mapped, with the paths it became) or was left out
// (dropped, with a reason from a closed set and a sentence). Nothing is dropped silently. Problems
// with the input itself (syntax, values that cannot be read) are Diagnostics beside it.
import type { Diagnostic } from '../schema/diagnostic.js';

export type ImportKind = 'xl' | 'imagebuilder';

export interface SourceSpan {
  file: string;
  /** 1-based. */
  line: number;
  col: number;
  /** Byte offsets [start, end) of the whole setting in the source text. */
  range?: [number, number];
}

export interface MappedEntry {
  /** The setting as the source names it: `DOMU_MEM[0]`, `memory`. */
  source: string;
  at?: SourceSpan;
  /** Config paths it became (`domains[0].memory`); several when one setting feeds several fields. */
  targets: string[];
  /** Said when the value changed form: a unit, a default made explicit, Xen's upstream spelling. */
  note?: string;
}

/**
 * Why a setting has no place in the imported config:
 * - `output-setting`: names an output file or packaging that dombuild decides itself;
 * - `other-tool`: read by another program (disk_image, Lopper, a git checkout), not the boot;
 * - `no-equivalent`: dombuild has no control for it (a schema change would be needed);
 * - `downstream-only`: a vendor fork's option that upstream Xen does not read;
 * - `ignored-by-source`: the source tool itself ignores it (e.g. an index past NUM_DOMUS);
 * - `unknown`: a name the source tool does not know (a typo?);
 * - `invalid`: the value cannot be read (also reported as an error diagnostic).
 */
export type DropReason =
  | 'output-setting'
  | 'other-tool'
  | 'no-equivalent'
  | 'downstream-only'
  | 'ignored-by-source'
  | 'unknown'
  | 'invalid';

export const DROP_REASONS: readonly DropReason[] = [
  'output-setting',
  'other-tool',
  'no-equivalent',
  'downstream-only',
  'ignored-by-source',
  'unknown',
  'invalid',
];

export interface DroppedEntry {
  source: string;
  at?: SourceSpan;
  reason: DropReason;
  message: string;
  hint?: string;
}

export interface ImportReport {
  kind: ImportKind;
  /** The imported file, as named to the user. */
  file: string;
  mapped: MappedEntry[];
  dropped: DroppedEntry[];
  /** Problems with the input itself; an error means nothing usable was produced. */
  diagnostics: Diagnostic[];
}

export function emptyReport(kind: ImportKind, file: string): ImportReport {
  return { kind, file, mapped: [], dropped: [], diagnostics: [] };
}

/** Dropped settings as warnings (`<kind>-import-dropped`), located at the setting. */
export function droppedDiagnostics(report: ImportReport): Diagnostic[] {
  return report.dropped
    .filter((d) => d.reason !== 'invalid')
    .map((d) => {
      const diag: Diagnostic = {
        id: `${report.kind === 'xl' ? 'xl' : 'ib'}-import-dropped`,
        severity: 'warning',
        message: `${d.source}: not imported (${d.reason}): ${d.message}`,
        path: '',
        file: d.at?.file ?? report.file,
      };
      if (d.hint) diag.hint = d.hint;
      if (d.at) {
        diag.line = d.at.line;
        diag.col = d.at.col;
        if (d.at.range) diag.range = d.at.range;
      }
      return diag;
    });
}

/** A short human summary: counts, then one line per dropped setting, by reason. */
export function renderImportSummary(report: ImportReport): string {
  const where = (at?: SourceSpan) => (at ? `${at.file}:${at.line}:${at.col}: ` : '');
  const out = [
    `${report.file}: ${report.mapped.length} setting(s) imported, ${report.dropped.length} not imported`,
  ];
  for (const reason of DROP_REASONS) {
    for (const d of report.dropped.filter((x) => x.reason === reason))
      out.push(`  ${where(d.at)}${d.source} (${d.reason}): ${d.message}`);
  }
  return `${out.join('\n')}\n`;
}

/** The report as a stable JSON document (`--report FILE`). */
export function importReportJson(report: ImportReport): unknown {
  const span = (at?: SourceSpan) => (at ? { file: at.file, line: at.line, col: at.col } : null);
  return {
    format: 'dombuild-import-report',
    version: 1,
    kind: report.kind,
    file: report.file,
    mapped: report.mapped.map((m) => ({
      source: m.source,
      at: span(m.at),
      targets: m.targets,
      note: m.note ?? null,
    })),
    dropped: report.dropped.map((d) => ({
      source: d.source,
      at: span(d.at),
      reason: d.reason,
      message: d.message,
      hint: d.hint ?? null,
    })),
    diagnostics: report.diagnostics.map((d) => ({
      id: d.id,
      severity: d.severity,
      message: d.message,
      hint: d.hint ?? null,
      file: d.file ?? null,
      line: d.line ?? null,
      col: d.col ?? null,
    })),
  };
}
