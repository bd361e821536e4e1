// A reader for xl config files with libxlutil's grammar (see value.ts), for `dombuild import xl`
// and for checking our own output. Hostile input: bounded in size, settings, list length and
// nesting; the first problem is returned as a typed error with line, column and offset, as
// libxlutil stops at its first error too.
import { XL_NUMBER_RE, type XlAtomStyle, type XlValue } from './value.js';

export const XL_LIMITS = {
  bytes: 1 << 20,
  settings: 4096,
  listItems: 4096,
  depth: 8,
  stringLength: 65536,
} as const;

export type XlSyntaxCode =
  | 'LEXICAL' // a character that starts no token
  | 'UNTERMINATED_STRING' // a string runs into the end of its line or of the file
  | 'BAD_ESCAPE' // a backslash followed by something libxlutil does not accept
  | 'NUMERIC_ESCAPE' // \x41 or \101: libxlutil decodes these wrongly
  | 'NUL' // a NUL character (libxlutil aborts on it)
  | 'UNEXPECTED' // a token where the grammar wants another
  | 'COMMENT_AT_EOF' // a comment without its newline at the end of the file
  | 'ADD_MISMATCH' // `+=` of a list to a string or the reverse
  | 'LIMIT'; // input too large, too many settings or items, or lists too deep

export class XlSyntaxError extends Error {
  override name = 'XlSyntaxError';
  constructor(
    readonly code: XlSyntaxCode,
    message: string,
    readonly line: number,
    readonly col: number,
    readonly offset: number,
    readonly hint: string,
  ) {
    super(`${line}:${col}: ${message}`);
  }
}

export interface XlParsedSetting {
  key: string;
  op: '=' | '+=';
  value: XlValue;
  /** How each atom was written (for lists: the first item's style, or 'string'). */
  style: XlAtomStyle;
  line: number;
  col: number;
}

export interface XlParseResult {
  /** Every statement, in file order. */
  statements: XlParsedSetting[];
  /** The value xl sees for each key (last assignment, `+=` applied), in first-seen order. */
  values: Map<string, { value: XlValue; line: number; col: number; statements: number }>;
}

type Tok =
  | { t: 'ident' | 'number' | 'string'; text: string; off: number }
  | { t: '=' | '+=' | '[' | ']' | ',' | ';' | 'nl' | 'eof'; off: number; text?: undefined };

class Lexer {
  pos = 0;
  private lineStarts: number[] = [0];
  constructor(private readonly src: string) {
    for (let i = 0; i < src.length; i++) if (src[i] === '\n') this.lineStarts.push(i + 1);
  }

  where(off: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: off - this.lineStarts[lo]! + 1 };
  }

  fail(code: XlSyntaxCode, message: string, off: number, hint: string): never {
    const { line, col } = this.where(off);
    throw new XlSyntaxError(code, message, line, col, off, hint);
  }

  next(): Tok {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t') this.pos++;
      else if (c === '#') {
        const end = s.indexOf('\n', this.pos);
        if (end < 0)
          this.fail(
            'COMMENT_AT_EOF',
            'a comment must end with a newline',
            this.pos,
            'end the file with a newline',
          );
        const off = this.pos;
        this.pos = end + 1;
        return { t: 'nl', off };
      } else break;
    }
    const off = this.pos;
    if (off >= s.length) return { t: 'eof', off };
    const c = s[off]!;
    if (c === '\n') {
      this.pos++;
      return { t: 'nl', off };
    }
    if (c === '=' || c === '[' || c === ']' || c === ',' || c === ';') {
      this.pos++;
      return { t: c, off };
    }
    if (c === '+' && s[off + 1] === '=') {
      this.pos += 2;
      return { t: '+=', off };
    }
    if (c >= 'a' && c <= 'z') {
      const m = /[a-z][._0-9a-z]*/y;
      m.lastIndex = off;
      const text = m.exec(s)![0];
      this.pos += text.length;
      return { t: 'ident', text, off };
    }
    if (c >= '0' && c <= '9') {
      const m = /[0-9][0-9a-fx]*/y;
      m.lastIndex = off;
      const text = m.exec(s)![0];
      this.pos += text.length;
      return { t: 'number', text, off };
    }
    if (c === '"' || c === "'") return this.string(c);
    if (c === '\0') this.fail('NUL', 'a NUL character', off, 'remove it');
    return this.fail(
      'LEXICAL',
      `unexpected character ${JSON.stringify(c)}`,
      off,
      'xl keys are lower case; values are numbers, "strings" or [lists]',
    );
  }

  private string(q: string): Tok {
    const s = this.src;
    const start = this.pos;
    let i = start + 1;
    let out = '';
    for (;;) {
      if (i - start > XL_LIMITS.stringLength)
        this.fail('LIMIT', 'string too long', start, `at most ${XL_LIMITS.stringLength} characters`);
      const c = s[i];
      if (c === undefined || c === '\n')
        this.fail('UNTERMINATED_STRING', 'string not closed on its line', start, `close it with ${q}`);
      if (c === '\0') this.fail('NUL', 'a NUL character in a string', i, 'remove it');
      if (c === q) break;
      if (c === '\\') {
        const n = s[i + 1];
        const simple = n === undefined ? undefined : SIMPLE_ESCAPES[n];
        if (simple !== undefined) {
          out += simple;
          i += 2;
          continue;
        }
        if (n === 'x' || (n !== undefined && n >= '0' && n <= '7'))
          this.fail(
            'NUMERIC_ESCAPE',
            `numeric escape \\${n}... (libxlutil decodes it wrongly)`,
            i,
            'write the character itself',
          );
        this.fail(
          'BAD_ESCAPE',
          `invalid escape \\${n ?? ''}`,
          i,
          'escapes are \\" \\\' \\\\ \\a \\b \\f \\n \\r \\t \\v',
        );
      }
      out += c;
      i++;
    }
    this.pos = i + 1;
    return { t: 'string', text: out, off: start };
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Parses an xl config; throws XlSyntaxError (never anything else) on bad input. */
export function parseXlConfig(text: string): XlParseResult {
  const lx = new Lexer(text);
  if (text.length > XL_LIMITS.bytes)
    lx.fail('LIMIT', 'file too large', 0, `at most ${XL_LIMITS.bytes} bytes`);
  let tok: Tok = lx.next();
  // A function, so TypeScript does not narrow the token across advance() calls.
  const cur = (): Tok => tok;
  const advance = () => {
    tok = lx.next();
  };
  const expected = (what: string): never =>
    lx.fail(
      'UNEXPECTED',
      `expected ${what}, found ${describe(cur())}`,
      cur().off,
      'each line is key = value',
    );
  const skipNewlines = () => {
    while (cur().t === 'nl') advance();
  };

  const value = (depth: number): { value: XlValue; style: XlAtomStyle } => {
    if (cur().t === 'string' || cur().t === 'number') {
      const r = {
        value: cur().text as string,
        style: cur().t === 'number' ? ('number' as const) : ('string' as const),
      };
      advance();
      return r;
    }
    if (cur().t !== '[') return expected('a string, a number or [');
    if (depth >= XL_LIMITS.depth)
      lx.fail('LIMIT', 'lists nested too deeply', cur().off, `at most ${XL_LIMITS.depth} levels`);
    advance();
    skipNewlines();
    const items: XlValue[] = [];
    let style: XlAtomStyle | undefined;
    while (cur().t !== ']') {
      if (items.length >= XL_LIMITS.listItems)
        lx.fail('LIMIT', 'list too long', cur().off, `at most ${XL_LIMITS.listItems} items`);
      const item = value(depth + 1);
      items.push(item.value);
      style ??= item.style;
      skipNewlines();
      if (cur().t === ',') {
        advance();
        skipNewlines();
      } else if (cur().t !== ']') expected("',' or ']'");
    }
    advance();
    return { value: items, style: style ?? 'string' };
  };

  const statements: XlParsedSetting[] = [];
  const values: XlParseResult['values'] = new Map();
  for (;;) {
    if (cur().t === 'eof') break;
    if (cur().t === 'nl' || cur().t === ';') {
      advance();
      continue;
    }
    if (cur().t !== 'ident') expected('a key');
    const key = cur().text as string;
    const at = lx.where(cur().off);
    advance();
    if (cur().t !== '=' && cur().t !== '+=') expected("'=' or '+='");
    const op = cur().t as '=' | '+=';
    const opOff = cur().off;
    advance();
    const v = value(0);
    if (cur().t !== 'nl' && cur().t !== ';' && cur().t !== 'eof') expected('the end of the line');
    if (statements.length >= XL_LIMITS.settings)
      lx.fail('LIMIT', 'too many settings', opOff, `at most ${XL_LIMITS.settings}`);
    statements.push({ key, op, value: v.value, style: v.style, ...at });
    const prev = values.get(key);
    let next = v.value;
    if (op === '+=' && prev) {
      const a = prev.value;
      if (typeof a === 'string' && typeof next === 'string') next = a + next;
      else if (typeof a !== 'string' && typeof next !== 'string') {
        if (a.length + next.length > XL_LIMITS.listItems)
          lx.fail('LIMIT', 'list too long', opOff, `at most ${XL_LIMITS.listItems} items`);
        next = [...a, ...next];
      } else
        lx.fail(
          'ADD_MISMATCH',
          `cannot add a ${kind(next)} to the ${kind(a)} ${key}`,
          opOff,
          'add lists to lists, strings to strings',
        );
    }
    if (prev) values.delete(key);
    values.set(key, { value: next, ...at, statements: (prev?.statements ?? 0) + 1 });
  }
  return { statements, values };
}

function kind(v: XlValue): string {
  return typeof v === 'string' ? 'string' : 'list';
}

function describe(t: Tok): string {
  switch (t.t) {
    case 'eof':
      return 'the end of the file';
    case 'nl':
      return 'the end of the line';
    case 'ident':
      return `"${t.text}"`;
    case 'number':
    case 'string':
      return `the value ${JSON.stringify(t.text)}`;
    default:
      return `'${t.t}'`;
  }
}

const LONG_MAX = (1n << 63n) - 1n;

/** The number xl's xlu_cfg_get_long reads from an atom (strtol base 0, whole string), if any. */
export function xlAtomInteger(s: string): bigint | undefined {
  if (!XL_NUMBER_RE.test(s)) return undefined;
  let n: bigint;
  if (/^0x[0-9a-f]+$/.test(s)) n = BigInt(s);
  else if (/^0[0-7]*$/.test(s)) n = s.length > 1 ? BigInt(`0o${s.slice(1)}`) : 0n;
  else if (/^[1-9][0-9]*$/.test(s)) n = BigInt(s);
  else return undefined;
  return n <= LONG_MAX ? n : undefined;
}

export function xlAtomIsInteger(s: string): boolean {
  return xlAtomInteger(s) !== undefined;
}
