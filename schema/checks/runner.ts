// Runs the check table in order. Prerequisites run first and are remembered by id; a check whose
// prerequisite reported an error is skipped, so one mistake gives one diagnostic.
import { type Diagnostic, formatPath, type Severity } from '../diagnostic.js';
import type { Check, CheckContext } from './check.js';

export type CheckLevel = Severity | 'off';

export function runChecks(
  checks: readonly Check[],
  base: Omit<CheckContext, 'report'>,
  levels: ReadonlyMap<string, CheckLevel> = new Map(),
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const passed = new Map<string, boolean>();
  const run = (check: Check): boolean => {
    const known = passed.get(check.id);
    if (known !== undefined) return known;
    passed.set(check.id, true); // guards against cycles
    let ok = true;
    for (const need of check.needs) if (!run(need)) ok = false;
    const level = levels.get(check.id) ?? check.severity;
    if (!ok || level === 'off') {
      passed.set(check.id, ok);
      return ok;
    }
    let failed = false;
    const ctx: CheckContext = {
      ...base,
      report(path, message, extra) {
        const override = levels.get(check.id);
        const severity =
          override !== undefined && override !== 'off' ? override : (extra?.severity ?? check.severity);
        if (severity === 'error') failed = true;
        const d: Diagnostic = {
          id: check.id,
          severity,
          message,
          path: typeof path === 'string' ? path : formatPath(path),
        };
        if (extra?.hint) d.hint = extra.hint;
        if (check.ref) d.ref = check.ref;
        out.push(d);
      },
    };
    check.run(ctx);
    passed.set(check.id, !failed);
    return !failed;
  };
  for (const c of checks) run(c);
  return out;
}
