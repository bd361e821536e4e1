// The closed set of device-tree errors. The library never exits or prints: it throws one of these
// (or returns it as a value) and the CLI decides what to say.

export type DtbErrorCode =
  | 'TRUNCATED' // a block or field runs past the end of the blob
  | 'BADMAGIC' // not a flattened device tree
  | 'BADVERSION' // version outside 16..17, or last_comp_version too new
  | 'BADLAYOUT' // blocks overlap, are misaligned or lie outside totalsize
  | 'BADSTRUCTURE' // unbalanced nodes, unknown tag, missing FDT_END, bad name
  | 'BADOFFSET' // a string offset outside the strings block
  | 'BADVALUE' // a property value of the wrong shape for an accessor
  | 'LIMIT'; // depth, count or size past the configured cap

export class DtbError extends Error {
  override name = 'DtbError';
  constructor(
    readonly code: DtbErrorCode,
    /** Byte offset into the blob where the problem was found, when there is one. */
    readonly offset: number | undefined,
    message: string,
  ) {
    super(offset === undefined ? `${code}: ${message}` : `${code} at offset ${offset}: ${message}`);
  }
}

/** A position in a source file, 1-based line and column. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** A DTS syntax or semantic error with its location. */
export class DtsError extends Error {
  override name = 'DtsError';
  constructor(
    readonly pos: SourcePos,
    readonly detail: string,
  ) {
    super(`${pos.file}:${pos.line}:${pos.col}: ${detail}`);
  }
}

/** A typed accessor met a property of the wrong shape, or a path that does not exist. */
export class TreeError extends Error {
  override name = 'TreeError';
}
