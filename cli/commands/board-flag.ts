// A --board value that names no board or has a malformed parameter is a usage error (exit 2), as
// any bad flag value is; the same text in the config is the config's error (exit 1).
import type { BoardDiagnostic } from '../../boards/types.js';
import { UsageError } from '../errors.js';

const FLAG_PROBLEMS = new Set(['board-unknown', 'board-param-invalid']);

export function checkBoardFlag(args: Record<string, unknown>, diagnostics: readonly BoardDiagnostic[]): void {
  if (typeof args.board !== 'string') return;
  const bad = diagnostics.find((d) => d.severity === 'error' && FLAG_PROBLEMS.has(d.id));
  if (bad) throw new UsageError(`--board ${args.board}: ${bad.message}`, bad.hint);
}
