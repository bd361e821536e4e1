// How build, plan and run print their diagnostics to stderr: one line per diagnostic in the
// `file:line:col: severity (id): path: message` shape, then its hint. One place, so the three
// commands cannot drift apart.
import type { Diagnostic } from '../schema/diagnostic.js';
import type { CliIO } from './io.js';

export function printDiagnostics(io: CliIO, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) {
    const where = d.file ? `${d.file}${d.line !== undefined ? `:${d.line}:${d.col ?? 1}` : ''}: ` : '';
    const path = d.path ? ` ${d.path}:` : '';
    io.stderr(`${where}${d.severity} (${d.id}):${path} ${d.message}\n`);
    if (d.hint) io.stderr(`  hint: ${d.hint}\n`);
  }
}

/** Prints the diagnostics and gives back the exit code (1 unless told otherwise). */
export function finish(io: CliIO, diagnostics: readonly Diagnostic[], code = 1): number {
  printDiagnostics(io, diagnostics);
  return code;
}
