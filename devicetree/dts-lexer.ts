// The DTS lexer. It follows the token rules of dtc 1.6.1's lexer (longest match wins, ties go to
// the earlier rule, and the start condition changes with the tokens seen, never with the parser),
// because which inputs dtc accepts and where it says they fail depends on exactly those rules.
// Sources are handled as byte strings (one char per UTF-8 byte) so string values and columns match
// dtc byte for byte.
import { DtsError, type SourcePos } from './errors.js';

export type TokenKind =
  | 'V1'
  | 'PLUGIN'
  | 'MEMRESERVE'
  | 'BITS'
  | 'DEL_PROP'
  | 'DEL_NODE'
  | 'OMIT'
  | 'INCBIN'
  | 'LABEL' // text: the label without its colon
  | 'LITERAL' // num
  | 'CHAR_LITERAL' // num
  | 'STRING' // bytes
  | 'LABEL_REF' // text: label
  | 'PATH_REF' // text: path
  | 'BYTE' // num
  | 'NAME' // text: property or node name
  | 'OP' // text: one of << >> <= >= == != && || or a single character
  | 'EOF';

export interface Token {
  kind: TokenKind;
  text: string;
  num: bigint;
  bytes: Uint8Array;
  pos: SourcePos;
}

/**
 * Reads an included file as text; undefined when it cannot be read. `path` is already joined to
 * the including file's directory (as dtc looks first next to the including file).
 */
export type ReadSource = (path: string, fromFile: string) => string | undefined;

/** dtc resolves a relative include against the directory of the file that includes it. */
export function resolveInclude(name: string, fromFile: string): string {
  if (name.startsWith('/')) return name;
  const slash = fromFile.lastIndexOf('/');
  return slash < 0 ? name : `${fromFile.slice(0, slash)}/${name}`;
}

type State = 'INITIAL' | 'V1' | 'BYTESTRING' | 'PROPNODENAME';

interface Source {
  text: string;
  file: string;
  i: number;
  line: number;
  col: number;
}

const MAX_INCLUDE_DEPTH = 200;
const MAX_TOTAL_SOURCE = 64 * 1024 * 1024;
const U64_MAX = (1n << 64n) - 1n;
const EMPTY = new Uint8Array(0);

/** UTF-8 encodes a string and returns it with one char per byte. */
export function toByteString(text: string): string {
  // Fast path: pure ASCII needs no conversion.
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  const bytes = new TextEncoder().encode(text);
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192)
    out += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 8192)));
  return out;
}

/** One char per byte, without spreading (long names would overflow the call stack). */
export function latin1(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

const isDigit = (c: string) => c >= '0' && c <= '9';
const isHex = (c: string) => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
const isOct = (c: string) => c >= '0' && c <= '7';
const isSpace = (c: string) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';

const KEYWORDS: [string, TokenKind][] = [
  ['/dts-v1/', 'V1'],
  ['/plugin/', 'PLUGIN'],
  ['/memreserve/', 'MEMRESERVE'],
  ['/bits/', 'BITS'],
  ['/delete-property/', 'DEL_PROP'],
  ['/delete-node/', 'DEL_NODE'],
  ['/omit-if-no-ref/', 'OMIT'],
];
const TWO_CHAR_OPS = ['<<', '>>', '<=', '>=', '==', '!=', '&&', '||'];

/**
 * Decodes C-style escapes in `s[start, end)` the way dtc does: \a \b \t \n \v \f \r, up to three
 * octal digits, up to two hex digits, and any other escaped character stands for itself. Like dtc,
 * an escape may read past `end` (into the closing quote), which only matters for '\'.
 */
export function decodeEscapes(s: string, start: number, end: number, pos: SourcePos): number[] {
  const out: number[] = [];
  let i = start;
  while (i < end) {
    let c = s.charCodeAt(i++);
    if (c === 0x5c) {
      const e = s[i] ?? '\0';
      i++;
      switch (e) {
        case 'a':
          c = 7;
          break;
        case 'b':
          c = 8;
          break;
        case 't':
          c = 9;
          break;
        case 'n':
          c = 10;
          break;
        case 'v':
          c = 11;
          break;
        case 'f':
          c = 12;
          break;
        case 'r':
          c = 13;
          break;
        case 'x': {
          let n = 0;
          let v = 0;
          while (n < 2 && isHex(s[i] ?? '')) {
            v = v * 16 + Number.parseInt(s[i]!, 16);
            i++;
            n++;
          }
          if (n === 0) throw new DtsError(pos, '\\x used with no following hex digits', 'LEX');
          c = v;
          break;
        }
        default:
          if (isOct(e)) {
            let v = Number.parseInt(e, 8);
            for (let n = 1; n < 3 && isOct(s[i] ?? ''); n++) v = v * 8 + Number.parseInt(s[i++]!, 8);
            c = v & 0xff;
          } else {
            c = e.charCodeAt(0);
          }
      }
    }
    out.push(c & 0xff);
  }
  return out;
}

export class Lexer {
  private stack: Source[] = [];
  private state: State = 'INITIAL';
  /** Files currently open, for the include-depth cap. */
  private depth = 0;
  private total = 0;
  private lastFile: string | undefined;
  private lastLine = 0;
  private lastCol = 0;

  constructor(
    text: string,
    file: string,
    private readonly readSource?: ReadSource,
  ) {
    this.push(toByteString(text), file);
  }

  private push(text: string, file: string): void {
    if (this.depth >= MAX_INCLUDE_DEPTH)
      throw new DtsError(this.here(), 'includes nested too deeply', 'INCLUDE');
    // Counted over every file read, so a file that includes itself twice cannot blow up.
    this.total += text.length;
    if (this.total > MAX_TOTAL_SOURCE)
      throw new DtsError(this.here(), `sources larger than ${MAX_TOTAL_SOURCE} bytes in all`, 'LIMIT');
    this.depth++;
    this.stack.push({ text, file, i: 0, line: 1, col: 1 });
  }

  private get src(): Source {
    return this.stack[this.stack.length - 1]!;
  }

  private here(): SourcePos {
    const s = this.stack[this.stack.length - 1];
    return s ? { file: s.file, line: s.line, col: s.col } : { file: '<input>', line: 1, col: 1 };
  }

  /** Consumes `len` chars of the current source, keeping line and column as dtc counts them. */
  private advance(len: number): void {
    const s = this.src;
    for (let k = 0; k < len; k++) {
      if (s.text.charCodeAt(s.i + k) === 10) {
        s.line++;
        s.col = 1;
      } else {
        s.col++;
      }
    }
    s.i += len;
  }

  next(): Token {
    for (;;) {
      const s = this.src;
      if (s.i >= s.text.length) {
        if (this.stack.length > 1) {
          this.stack.pop();
          this.depth--;
          continue;
        }
        // Like dtc, the end of input is reported where the last thing read (even a comment) began.
        const last =
          this.lastFile === undefined
            ? this.here()
            : { file: this.lastFile, line: this.lastLine, col: this.lastCol };
        return this.tok('EOF', last);
      }
      const start = s.i;
      const rule = this.match(s.text, start);
      const len = this.bestLen;
      // Where the last thing read began, for the end of input; kept as numbers, because
      // whitespace and comments make no token and need no position object.
      this.lastFile = s.file;
      this.lastLine = s.line;
      this.lastCol = s.col;
      if (rule === 'skip') {
        this.advance(len);
        continue;
      }
      const pos = this.here();
      const text = rule === 'string' || rule === 'char' ? '' : s.text.slice(start, start + len);
      this.advance(len);
      switch (rule) {
        case 'include': {
          const q = text.indexOf('"');
          const name = resolveInclude(text.slice(q + 1, text.length - 1), s.file);
          const body = this.readSource?.(name, s.file);
          if (body === undefined) throw new DtsError(pos, `couldn't open "${name}"`, 'INCLUDE');
          this.push(toByteString(body), name);
          continue;
        }
        case 'line': {
          this.lineDirective(text, pos);
          continue;
        }
        case 'string': {
          const t = this.tok('STRING', pos);
          t.bytes = Uint8Array.from(decodeEscapes(s.text, start + 1, s.i - 1, pos));
          return t;
        }
        case 'keyword': {
          const kind = this.bestKind!;
          if (kind === 'V1' || kind === 'MEMRESERVE' || kind === 'BITS') this.state = 'V1';
          else if (kind === 'DEL_PROP' || kind === 'DEL_NODE' || kind === 'OMIT') this.state = 'PROPNODENAME';
          return this.tok(kind, pos);
        }
        case 'incbin':
          return this.tok('INCBIN', pos);
        case 'label': {
          const t = this.tok('LABEL', pos);
          t.text = text.slice(0, -1);
          return t;
        }
        case 'literal': {
          const t = this.tok('LITERAL', pos);
          t.num = parseLiteral(text, pos);
          return t;
        }
        case 'char': {
          const bytes = decodeEscapes(s.text, start + 1, s.i - 1, pos);
          if (bytes.length === 0) throw new DtsError(pos, 'empty character literal', 'LEX');
          if (bytes.length > 1)
            throw new DtsError(pos, `character literal has ${bytes.length} characters instead of 1`, 'LEX');
          const t = this.tok('CHAR_LITERAL', pos);
          t.num = BigInt(bytes[0]!);
          return t;
        }
        case 'labelref': {
          const t = this.tok('LABEL_REF', pos);
          t.text = text.slice(1);
          return t;
        }
        case 'pathref': {
          const t = this.tok('PATH_REF', pos);
          t.text = text.slice(2, -1);
          return t;
        }
        case 'byte': {
          const t = this.tok('BYTE', pos);
          t.num = BigInt(Number.parseInt(text, 16));
          return t;
        }
        case 'bytesEnd':
          this.state = 'V1';
          return this.op(']', pos);
        case 'name': {
          const t = this.tok('NAME', pos);
          t.text = text.startsWith('\\') ? text.slice(1) : text;
          this.state = 'V1';
          return t;
        }
        case 'op':
          return this.op(text, pos);
        case 'char1': {
          if (text === '[') this.state = 'BYTESTRING';
          if (text === '{' || text === ';') this.state = 'PROPNODENAME';
          return this.op(text, pos);
        }
      }
    }
  }

  private tok(kind: TokenKind, pos: SourcePos): Token {
    return { kind, text: '', num: 0n, bytes: EMPTY, pos };
  }

  private op(text: string, pos: SourcePos): Token {
    const t = this.tok('OP', pos);
    t.text = text;
    return t;
  }

  private lineDirective(text: string, pos: SourcePos): void {
    const m = /^#(?:line)?[ \t]+([0-9]+)[ \t]+"/.exec(text)!;
    const first = text.indexOf('"');
    const last = text.lastIndexOf('"');
    const name = decodeEscapes(text, first + 1, last, pos);
    if (name.includes(0)) throw new DtsError(pos, 'nul in line number directive', 'LEX');
    const s = this.src;
    s.file = latin1(name);
    // The directive names the number of the next line; the newline that follows adds one.
    s.line = Number.parseInt(m[1]!, 10) - 1;
  }

  /**
   * Finds the rule that wins at `i`: every rule allowed in the current state proposes a match
   * length, the longest wins, and among equals the one dtc lists first.
   */
  private bestRule: Rule = 'char1';
  private bestLen = 0;
  private bestKind: TokenKind | undefined;

  private offer(rule: Rule, len: number, kind?: TokenKind): void {
    if (len > this.bestLen) {
      this.bestRule = rule;
      this.bestLen = len;
      this.bestKind = kind;
    }
  }

  /** The winning rule; its length and keyword kind are left in bestLen and bestKind. */
  private match(t: string, i: number): Rule {
    const st = this.state;
    this.bestRule = 'char1';
    this.bestLen = 0;
    this.bestKind = undefined;
    const c = t.charCodeAt(i);
    const cls = c < 128 ? CLASS[c]! : 0;
    if (c === SLASH) {
      // <*>"/include/"{WS}*{STRING}
      if (t.startsWith('/include/', i)) {
        let j = i + 9;
        while (j < t.length && isSpace(t[j]!)) j++;
        const n = stringLen(t, j);
        if (n > 0) this.offer('include', j + n - i);
      }
      for (const [kw, kind] of KEYWORDS) if (t.startsWith(kw, i)) this.offer('keyword', kw.length, kind);
      if ((st === 'INITIAL' || st === 'V1') && t.startsWith('/incbin/', i)) this.offer('incbin', 8);
      // /* */ and // comments (a // comment needs its newline, as in dtc).
      const next = t.charCodeAt(i + 1);
      if (next === 0x2a) {
        const end = t.indexOf('*/', i + 2);
        if (end >= 0) this.offer('skip', end + 2 - i);
      } else if (next === SLASH) {
        const nl = t.indexOf('\n', i);
        if (nl >= 0) this.offer('skip', nl + 1 - i);
      }
    }
    // <*>^"#"(line)?[ \t]+[0-9]+[ \t]+{STRING}([ \t]+[0-9]+)*
    if (c === 0x23 && (i === 0 || t.charCodeAt(i - 1) === 10)) this.offer('line', lineDirectiveLen(t, i));
    if (c === 0x22) this.offer('string', stringLen(t, i));
    if (cls & LABEL_START) {
      let j = i + 1;
      while (j < t.length && classOf(t, j) & LABEL_CHAR) j++;
      if (t.charCodeAt(j) === 0x3a) this.offer('label', j + 1 - i);
    }
    if (st === 'V1' && cls & DIGIT) this.offer('literal', literalLen(t, i));
    if (c === 0x27) this.offer('char', charLiteralLen(t, i));
    if (c === 0x26) {
      if (classOf(t, i + 1) & LABEL_START) {
        let j = i + 2;
        while (j < t.length && classOf(t, j) & LABEL_CHAR) j++;
        this.offer('labelref', j - i);
      }
      if (t.startsWith('&{/', i)) {
        let j = i + 3;
        while (j < t.length && classOf(t, j) & (PROPNODE_CHAR | PATH_SLASH)) j++;
        if (t.charCodeAt(j) === 0x7d) this.offer('pathref', j + 1 - i);
      }
    }
    if (st === 'BYTESTRING') {
      if (cls & HEX && classOf(t, i + 1) & HEX) this.offer('byte', 2);
      if (c === 0x5d) this.offer('bytesEnd', 1);
    }
    if (st === 'PROPNODENAME') {
      let j = c === 0x5c ? i + 1 : i;
      const from = j;
      while (j < t.length && classOf(t, j) & PROPNODE_CHAR) j++;
      if (j > from) this.offer('name', j - i);
    }
    if (cls & SPACE) {
      let j = i;
      while (j < t.length && classOf(t, j) & SPACE) j++;
      this.offer('skip', j - i);
    }
    if (cls & OP_START && TWO_CHAR_OPS.includes(t.slice(i, i + 2))) this.offer('op', 2);
    if (c !== 10) this.offer('char1', 1);
    return this.bestRule;
  }
}

const SLASH = 0x2f;
const DIGIT = 1;
const HEX = 2;
const LABEL_START = 4;
const LABEL_CHAR = 8;
const PROPNODE_CHAR = 16;
const SPACE = 32;
const OP_START = 64;
const PATH_SLASH = 128;
/** Character classes of the lexer's patterns, for ASCII; anything else is in none. */
const CLASS = (() => {
  const t = new Uint8Array(128);
  const set = (chars: string, bit: number) => {
    for (const ch of chars) t[ch.charCodeAt(0)]! |= bit;
  };
  const digits = '0123456789';
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  set(digits, DIGIT | HEX | LABEL_CHAR | PROPNODE_CHAR);
  set('abcdefABCDEF', HEX);
  set(`${letters}_`, LABEL_START | LABEL_CHAR | PROPNODE_CHAR);
  set(',.+*#?@-', PROPNODE_CHAR);
  set(' \t\n\v\f\r', SPACE);
  set('<>=!&|', OP_START);
  set('/', PATH_SLASH);
  return t;
})();

function classOf(t: string, i: number): number {
  const c = t.charCodeAt(i);
  return c < 128 ? CLASS[c]! : 0;
}

type Rule =
  | 'include'
  | 'line'
  | 'string'
  | 'keyword'
  | 'label'
  | 'literal'
  | 'char'
  | 'labelref'
  | 'pathref'
  | 'byte'
  | 'bytesEnd'
  | 'name'
  | 'incbin'
  | 'skip'
  | 'op'
  | 'char1';

/** Length of `"([^\\"]|\\.)*"` at i (0 when it does not match); `.` excludes newline. */
function stringLen(t: string, i: number): number {
  if (t[i] !== '"') return 0;
  let j = i + 1;
  while (j < t.length) {
    const c = t[j]!;
    if (c === '"') return j + 1 - i;
    if (c === '\\') {
      if (j + 1 >= t.length || t[j + 1] === '\n') return 0;
      j += 2;
    } else {
      j++;
    }
  }
  return 0;
}

/** Longest match of `'([^']|\\')*'`: every quote inside must follow a backslash. */
function charLiteralLen(t: string, i: number): number {
  let best = 0;
  for (let j = i + 1; j < t.length; j++) {
    if (t[j] === "'") {
      best = j + 1 - i;
      if (!(t[j - 1] === '\\' && j - 1 > i)) break;
    }
  }
  return best;
}

/** Longest match of `([0-9]+|0[xX][0-9a-fA-F]+)(U|L|UL|LL|ULL)?`. */
function literalLen(t: string, i: number): number {
  let dec = i;
  while (dec < t.length && isDigit(t[dec]!)) dec++;
  let end = dec;
  if (t[i] === '0' && (t[i + 1] === 'x' || t[i + 1] === 'X') && isHex(t[i + 2] ?? '')) {
    let h = i + 2;
    while (h < t.length && isHex(t[h]!)) h++;
    if (h > end) end = h;
  }
  for (const suffix of ['ULL', 'UL', 'LL', 'U', 'L'])
    if (t.startsWith(suffix, end)) return end + suffix.length - i;
  return end - i;
}

const HEX_ONLY = /^0[xX][0-9a-fA-F]+$/;
/** Decimal without a leading 0 (which would make it octal). */
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

function lineDirectiveLen(t: string, i: number): number {
  const re = /#(?:line)?[ \t]+[0-9]+[ \t]+/y;
  re.lastIndex = i;
  if (!re.exec(t)) return 0;
  const n = stringLen(t, re.lastIndex);
  if (n === 0) return 0;
  let j = re.lastIndex + n;
  const tail = /[ \t]+[0-9]+/y;
  for (;;) {
    tail.lastIndex = j;
    if (!tail.exec(t)) break;
    j = tail.lastIndex;
  }
  return j - i;
}

/** Value of an integer literal as strtoull(text, 0) reads it, with dtc's errors. */
function parseLiteral(text: string, pos: SourcePos): bigint {
  // Most literals are short hex or decimal numbers without a suffix: exact as a double.
  const c1 = text.charCodeAt(1);
  if (text.length <= 12 && (c1 === 0x78 || c1 === 0x58) && text.charCodeAt(0) === 0x30 && HEX_ONLY.test(text))
    return BigInt(Number.parseInt(text.slice(2), 16));
  if (text.length <= 15 && DECIMAL.test(text)) return BigInt(Number.parseInt(text, 10));
  let digits = text.replace(/[UL]+$/, '');
  let radix = 10;
  if (/^0[xX]/.test(digits)) {
    radix = 16;
    digits = digits.slice(2);
  } else if (digits.length > 1 && digits.startsWith('0')) {
    radix = 8;
    digits = digits.slice(1);
    if (/[89]/.test(digits)) throw new DtsError(pos, `bad integer literal '${text}'`, 'LEX');
  }
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : '';
  const v = BigInt(prefix + digits);
  if (v > U64_MAX) throw new DtsError(pos, `integer literal '${text}' out of range`, 'LEX');
  return v;
}
