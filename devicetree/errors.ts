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

export type DtsErrorCode =
  | 'LEX' // a token dtc's lexer rejects (bad literal, escape, character literal)
  | 'SYNTAX' // a token the grammar does not allow here
  | 'INCLUDE' // an /include/ that cannot be read, or nests too deep
  | 'VALUE' // a value out of range (cell width, /bits/, division by zero)
  | 'REF' // a reference to a label or path that does not exist
  | 'DUPLICATE' // duplicate node, property or label
  | 'NAME' // a node or property name with characters dtc refuses
  | 'PHANDLE' // an explicit phandle that is bad, duplicated or points elsewhere
  | 'LIMIT'; // input past the configured size or depth cap

/** A DTS syntax or semantic error with its location. */
export class DtsError extends Error {
  override name = 'DtsError';
  constructor(
    readonly pos: SourcePos,
    readonly detail: string,
    readonly code: DtsErrorCode = 'SYNTAX',
  ) {
    super(`${pos.file}:${pos.line}:${pos.col}: ${detail}`);
  }
}

export type OverlayErrorCode =
  | 'BADOVERLAY' // malformed fragment, fixup or local-fixup entry (libfdt FDT_ERR_BADOVERLAY)
  | 'NOTFOUND' // a fixup label missing from the base's __symbols__, or its node has no phandle
  | 'BADPHANDLE' // a fragment target phandle that is unresolved or names no node
  | 'BADPATH' // a target-path or symbol path that names no node
  | 'BADVALUE' // a __symbols__ entry that is not a path string
  | 'NOPHANDLES'; // renumbering would overflow the phandle space

/** Applying an overlay failed, for the reason libfdt's fdt_overlay_apply would give. */
export class OverlayError extends Error {
  override name = 'OverlayError';
  constructor(
    readonly code: OverlayErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A typed accessor met a property of the wrong shape, or a path that does not exist. */
export class TreeError extends Error {
  override name = 'TreeError';
}
