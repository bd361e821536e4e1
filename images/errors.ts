// The closed set of errors the image readers and writers report. Readers meet hostile bytes, so
// every error carries the byte offset where the problem was found; writers refuse inputs the
// format cannot hold (a name too long, a marker that is not printable) with the same class.

export type ImageErrorCode =
  | 'TRUNCATED' // a header or payload runs past the end of the bytes
  | 'BADMAGIC' // not the format asked for
  | 'BADCRC' // a stored checksum does not match the bytes it covers
  | 'BADVALUE' // a field holds a value the format does not allow
  | 'BADINPUT' // a writer was given something the format cannot express
  | 'LIMIT'; // a count or size past the reader's or the format's cap

export class ImageError extends Error {
  override name = 'ImageError';
  constructor(
    readonly code: ImageErrorCode,
    /** Byte offset into the input where the problem was found, when there is one. */
    readonly offset: number | undefined,
    message: string,
    /** What to do about it, for the CLI to print. */
    readonly hint?: string,
  ) {
    super(offset === undefined ? `${code}: ${message}` : `${code} at offset ${offset}: ${message}`);
  }
}
