// `build --no-validate` / `run --no-validate`, for tests only: the schema's checks still run, but
// their errors are demoted to warnings so the outputs are written (and booted) anyway. That is how
// the end-to-end suite shows real Xen refusing the same trees `validate` refuses. Stages that are
// needed to produce output (loading, images, the plan, the emitters) keep their errors.
import type { Diagnostic } from '../../schema/diagnostic.js';
import type { CliIO } from '../io.js';

export const NO_VALIDATE_WARNING =
  'dombuild: WARNING: --no-validate: the checks below are reported as warnings and the outputs are made anyway.\n' +
  'dombuild: WARNING: this is for tests that show what real Xen does with a bad tree; do not boot them on a board.\n';

/** True when the command was given --no-validate (yargs: `validate: false`). */
export function skipsValidation(args: Record<string, unknown>): boolean {
  return args.validate === false;
}

/** The check results as warnings (same ids, paths and hints), after printing the loud warning. */
export function demoteChecks(io: CliIO, found: readonly Diagnostic[]): Diagnostic[] {
  io.stderr(NO_VALIDATE_WARNING);
  return found.map((d) => (d.severity === 'error' ? { ...d, severity: 'warning' } : d));
}
