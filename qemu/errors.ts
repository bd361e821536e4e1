// The closed set of errors the QEMU runner throws. A boot that runs and fails is not an error: it
// is a RunResult with a failure reason. These are for things that stop a run from starting.

export type QemuErrorCode =
  | 'MISSING_ASSET' // a cached Debian binary or a system file is not where setup put it
  | 'BAD_MANIFEST' // the cache manifest is unreadable or not what setup-system.sh writes
  | 'BAD_SPEC' // a boot spec QEMU cannot express (a comma in a module command line, ...)
  | 'SPAWN' // QEMU could not be started, or a helper run of it failed
  | 'BAD_REPORT' // a dom0's report lines do not fit together (chunks disagree, not JSON)
  | 'ABORTED'; // the caller's AbortSignal fired

export class QemuError extends Error {
  override name = 'QemuError';
  constructor(
    readonly code: QemuErrorCode,
    message: string,
    /** The file or asset the problem is about, when there is one. */
    readonly location?: string,
    /** What to do about it, for the CLI to print. */
    readonly hint?: string,
  ) {
    super(location === undefined ? `${code}: ${message}` : `${code}: ${location}: ${message}`);
  }
}
