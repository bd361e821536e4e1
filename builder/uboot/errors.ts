// Errors of the U-Boot script emitter. Each names what could not be said safely and where it came
// from, so the CLI can point at the config key; library code never prints.

export type UbootErrorCode =
  | 'UNSAFE_STRING' // a string cannot be quoted so that hush reads it back verbatim
  | 'UNSAFE_WORD' // a load command or file name word is not a plain word
  | 'VALUE_TOO_LONG' // `fdt set` copies values into a 1024-byte scratch buffer
  | 'BAD_SPEC'; // the script description is inconsistent (our bug or a bad plan)

export class UbootError extends Error {
  override name = 'UbootError';
  constructor(
    readonly code: UbootErrorCode,
    message: string,
    /** What the string was (a config path or a device-tree path + property), when known. */
    readonly where?: string,
    readonly hint?: string,
  ) {
    super(where ? `${code}: ${where}: ${message}` : `${code}: ${message}`);
  }
}
