// The closed set of createdomain.bin errors, each with the byte offset where it was found.

export type BlobErrorCode =
  | 'TRUNCATED' // a header, record or field runs past the end of the data
  | 'BAD_MAGIC' // not a createdomain blob
  | 'BAD_VERSION' // a format major version this reader does not know
  | 'BAD_HEADER' // header size, arch, release, interface version or reserved bytes are wrong
  | 'BAD_LENGTH' // total_length disagrees with the data
  | 'BAD_CRC' // the CRC32 does not match
  | 'BAD_RECORD' // a record has reserved flags set, nonzero padding, or a wrong length for its type
  | 'UNKNOWN_CRITICAL' // a record this reader does not know is marked critical
  | 'DUPLICATE' // a once-only record appears twice in a domain
  | 'MISSING' // a domain lacks a required record, or the domain count disagrees
  | 'BAD_VALUE' // a field holds a value outside its domain (kind, sha256, number too large…)
  | 'BAD_UTF8' // text that is not UTF-8, or contains NUL
  | 'BAD_DOMCTL' // the 144-byte domctl does not decode for the header's release and arch
  | 'LIMIT'; // a count or length beyond the reader's caps

export class BlobError extends Error {
  override name = 'BlobError';
  constructor(
    readonly code: BlobErrorCode,
    /** Byte offset in the blob. */
    readonly offset: number,
    message: string,
  ) {
    super(`${code} at offset ${offset}: ${message}`);
  }
}
