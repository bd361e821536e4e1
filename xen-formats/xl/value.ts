// xl config values and their printed form. libxlutil keeps every atom as a string (a NUMBER token
// and a quoted string read the same to xl), so a value here is a string or a list of values; the
// printer only chooses how an atom is written. Grammar facts (probed against Debian's 4.17
// libxlutil by test/builder/xl-libxlutil.test.ts):
//   key      [a-z][._0-9a-z]*
//   number   [0-9][0-9a-fx]*            (kept as its text; xl reads it with strtol base 0)
//   string   "..." or '...', one line, escapes \" \' \\ \a \b \f \n \r \t \v; numeric escapes
//            (\x41, \101) are mis-decoded by libxlutil, so they are never written and never read
//   list     [ value, value, ] over any number of lines
//   NUL anywhere makes libxlutil abort; CR outside a string is a lexical error.

export type XlValue = string | XlList;
export interface XlList extends ReadonlyArray<XlValue> {}

/** How an atom is written: a bare NUMBER token or a quoted string. Lists print their items. */
export type XlAtomStyle = 'number' | 'string';

export class XlValueError extends Error {
  override name = 'XlValueError';
  constructor(
    readonly code: 'NUL_IN_STRING' | 'NOT_UNICODE' | 'NOT_A_NUMBER' | 'BAD_KEY' | 'TOO_DEEP',
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export const XL_KEY_RE = /^[a-z][._0-9a-z]*$/;
export const XL_NUMBER_RE = /^[0-9][0-9a-fx]*$/;
const MAX_DEPTH = 8;
/** With the u flag a surrogate pair is one code point, so this matches only unpaired halves. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

/** A double-quoted xl string. Every other byte (UTF-8, other control characters) is legal raw. */
export function quoteXlString(s: string): string {
  if (s.includes('\0')) {
    throw new XlValueError('NUL_IN_STRING', 'a NUL character cannot appear in an xl config', 'remove it');
  }
  if (LONE_SURROGATE.test(s)) {
    // A lone UTF-16 surrogate has no UTF-8 form: the file would hold U+FFFD instead.
    throw new XlValueError('NOT_UNICODE', 'the string is not valid Unicode', 'remove the lone surrogate');
  }
  let out = '"';
  for (const ch of s) out += ESCAPES[ch] ?? ch;
  return `${out}"`;
}

export function formatXlAtom(s: string, style: XlAtomStyle): string {
  if (style === 'number') {
    if (!XL_NUMBER_RE.test(s)) {
      throw new XlValueError('NOT_A_NUMBER', `"${s}" is not an xl number token`, 'write it as a string');
    }
    return s;
  }
  return quoteXlString(s);
}

/** Prints a value; `style` applies to atoms (list items too). */
export function formatXlValue(v: XlValue, style: XlAtomStyle = 'string', depth = 0): string {
  if (depth > MAX_DEPTH) throw new XlValueError('TOO_DEEP', 'lists nested too deeply', 'flatten the list');
  if (typeof v === 'string') return formatXlAtom(v, style);
  if (v.length === 0) return '[]';
  return `[ ${v.map((x) => formatXlValue(x, style, depth + 1)).join(', ')} ]`;
}

export interface XlSetting {
  key: string;
  value: XlValue;
  style: XlAtomStyle;
  /** A comment line printed above the setting. */
  comment?: string;
}

/** Prints settings one per line, with optional leading comment lines (each prefixed "# "). */
export function printXlConfig(settings: readonly XlSetting[], header: readonly string[] = []): string {
  const lines = header.map((h) => (h === '' ? '#' : `# ${h}`));
  for (const s of settings) {
    if (!XL_KEY_RE.test(s.key))
      throw new XlValueError('BAD_KEY', `"${s.key}" is not an xl key`, 'a-z, 0-9, ".", "_"');
    if (s.comment !== undefined) lines.push(`# ${s.comment.replace(/\n/g, ' ')}`);
    lines.push(`${s.key} = ${formatXlValue(s.value, s.style)}`);
  }
  return `${lines.join('\n')}\n`;
}
