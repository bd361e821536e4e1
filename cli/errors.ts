// The few error classes the CLI maps to exit codes. Only cli/main.ts turns them into a status.

/** Bad arguments or unreadable/unwritable files: exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    /** What to do about it, printed on its own line. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The input was read and judged invalid; diagnostics are already printed: exit 1. */
export class ExitError extends Error {
  override name = 'ExitError';
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
