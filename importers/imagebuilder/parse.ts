// An ImageBuilder config read as data. ImageBuilder itself `source`s the file, so any bash runs;
// here only the assignment subset its configs are written in is accepted: NAME=value and
// NAME[index]=value, with '…' and "…" quoting, backslash escapes, $NAME / ${NAME} / ${NAME[i]}
// references to variables set earlier in the file, `declare -A NAME` (the associative arrays
// DOMU_VCPU_HARD_AFFINITY[n,v] needs), comments and blank lines. Everything else (command
// substitution, arithmetic, conditionals, functions, pipes, redirections, globs) is an error at
// its file:line:col: nothing in the file is ever executed. Errors are values; parsing goes on at
// the next line, so one run reports every problem.

/** Closed set of problem codes (rendered as `ib-<code>` diagnostics). */
export type IbParseCode =
  | 'not-assignment'
  | 'bad-name'
  | 'bad-index'
  | 'octal-index'
  | 'assoc-index'
  | 'unterminated-quote'
  | 'command-substitution'
  | 'arithmetic'
  | 'unsupported-expansion'
  | 'special-parameter'
  | 'undefined-variable'
  | 'glob'
  | 'tilde'
  | 'operator'
  | 'array-literal'
  | 'append'
  | 'too-long'
  | 'too-many';

export interface IbParseProblem {
  code: IbParseCode;
  severity: 'error' | 'warning';
  message: string;
  hint?: string;
  /** Byte offsets [start, end) in the text. */
  range: [number, number];
  line: number;
  col: number;
}

/** One assignment as written: where it is and the value it gives after expansion. */
export interface IbAssignment {
  name: string;
  /** Canonical index ("0", "3", "0,1"); undefined for a plain NAME=. */
  index?: string;
  value: string;
  /** The whole statement NAME[i]=value. */
  range: [number, number];
  line: number;
  col: number;
}

export interface IbVariable {
  name: string;
  associative: boolean;
  /** Elements by canonical index; a plain NAME= is element "0", as in bash. */
  elements: Map<string, IbAssignment>;
}

export interface IbParseResult {
  variables: Map<string, IbVariable>;
  /** Every assignment in file order, including ones later overridden. */
  assignments: IbAssignment[];
  problems: IbParseProblem[];
}

/** Caps that keep hostile input linear: values are built by expansion and could double each line. */
export const IB_LIMITS = { maxValue: 64 * 1024, maxAssignments: 8192, maxProblems: 200 } as const;

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const KEYWORDS = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'for',
  'while',
  'until',
  'do',
  'done',
  'case',
  'esac',
  'function',
  'select',
  'in',
  'time',
  'coproc',
]);

class Stop extends Error {}

export function parseImageBuilderConfig(text: string): IbParseResult {
  return new Parser(text).run();
}

/** 1-based line and column of every offset of `text`, by binary search over line starts. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  pos(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo]! + 1 };
  }
}

class Parser {
  private i = 0;
  private readonly lines: LineIndex;
  private readonly variables = new Map<string, IbVariable>();
  private readonly assignments: IbAssignment[] = [];
  private readonly problems: IbParseProblem[] = [];

  constructor(private readonly s: string) {
    this.lines = new LineIndex(s);
  }

  run(): IbParseResult {
    try {
      while (this.i < this.s.length) {
        const start = this.i;
        try {
          this.statementList();
        } catch (e) {
          if (!(e instanceof ParseFailure)) throw e;
          this.problem(e.code, e.message, e.at, e.end, e.hint);
          this.skipLine(e.resumeAt ?? e.at);
        }
        // Every iteration consumes input; this guards the loop against a parser bug.
        if (this.i === start) this.i++;
      }
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
    return { variables: this.variables, assignments: this.assignments, problems: this.problems };
  }

  private problem(
    code: IbParseCode,
    message: string,
    at: number,
    end = at + 1,
    hint?: string,
    severity: 'error' | 'warning' = 'error',
  ): void {
    const { line, col } = this.lines.pos(at);
    const p: IbParseProblem = { code, severity, message, range: [at, Math.max(end, at + 1)], line, col };
    if (hint) p.hint = hint;
    this.problems.push(p);
    if (this.problems.length >= IB_LIMITS.maxProblems) {
      const last = this.lines.pos(at);
      this.problems.push({
        code: 'too-many',
        severity: 'error',
        message: `more than ${IB_LIMITS.maxProblems} problems; the rest of the file was not read`,
        range: [at, at + 1],
        ...last,
      });
      throw new Stop();
    }
  }

  /** Skips to the character after the next newline from `from` (error recovery). */
  private skipLine(from: number): void {
    const nl = this.s.indexOf('\n', Math.max(from, this.i));
    this.i = nl < 0 ? this.s.length : nl + 1;
  }

  private peek(k = 0): string {
    return this.s[this.i + k] ?? '';
  }

  private blanks(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.i++;
      else if (c === '\\' && this.peek(1) === '\n') this.i += 2;
      else return;
    }
  }

  /** Statements up to and including the end of the line: `A=1 B=2; C=3 # comment`. */
  private statementList(): void {
    for (;;) {
      this.blanks();
      const c = this.peek();
      if (c === '') return;
      if (c === '\n') {
        this.i++;
        return;
      }
      if (c === '#') {
        this.skipLine(this.i);
        return;
      }
      if (c === ';') {
        this.i++;
        continue;
      }
      this.statement();
    }
  }

  private statement(): void {
    const start = this.i;
    NAME.lastIndex = this.i;
    const m = NAME.exec(this.s);
    const word = m?.[0] ?? '';
    if (word === 'declare' || word === 'typeset') {
      this.declare(start);
      return;
    }
    if (m && KEYWORDS.has(word) && !/[=[]/.test(this.s[this.i + word.length] ?? '')) {
      throw new ParseFailure(
        'not-assignment',
        `"${word}" starts a bash compound command; a config is read as data, not run`,
        start,
        start + word.length,
        'write plain NAME=value lines',
      );
    }
    if (!m) {
      const c = this.peek();
      const code: IbParseCode =
        c === '(' || c === '{' ? 'not-assignment' : /[|&<>]/.test(c) ? 'operator' : 'not-assignment';
      throw new ParseFailure(code, `expected NAME=value, found ${JSON.stringify(c)}`, start, start + 1);
    }
    this.i += word.length;
    let index: string | undefined;
    if (this.peek() === '[') index = this.index(word);
    if (this.peek() === '+' && this.peek(1) === '=')
      throw new ParseFailure(
        'append',
        `${word}+= appends in bash; not supported`,
        start,
        this.i + 2,
        'write the whole value with =',
      );
    if (this.peek() !== '=') {
      throw new ParseFailure(
        'not-assignment',
        `"${this.s.slice(start, this.i)}" is a command, not an assignment; a config is read as data, not run`,
        start,
        this.i,
        'write plain NAME=value lines',
      );
    }
    this.i++;
    if (this.peek() === '(')
      throw new ParseFailure(
        'array-literal',
        `${word}=( … ) array literals are not supported`,
        this.i,
        this.i + 1,
        `write ${word}[0]=…, ${word}[1]=… on separate lines`,
      );
    const value = this.word();
    const end = this.i;
    const after = this.peek();
    if (after !== '' && !/[\s;]/.test(after)) {
      throw new ParseFailure('operator', `unexpected ${JSON.stringify(after)} after the value`, end, end + 1);
    }
    this.assign(word, index, value, start, end);
    // A command after assignments on the same line would run with them as its environment.
    this.blanks();
    const next = this.peek();
    if (next !== '' && next !== '\n' && next !== '#' && next !== ';') {
      NAME.lastIndex = this.i;
      const w = NAME.exec(this.s);
      const rest = this.s.slice(this.i + (w?.[0].length ?? 0));
      if (!w || !/^(\[[^\]\n]*\])?=/.test(rest)) {
        throw new ParseFailure(
          /[|&<>()]/.test(next) ? 'operator' : 'not-assignment',
          'a command after an assignment would run; a config is read as data, not run',
          this.i,
          this.i + Math.max(1, w?.[0].length ?? 1),
        );
      }
    }
  }

  private declare(start: number): void {
    const kw = this.s.startsWith('declare', this.i) ? 'declare' : 'typeset';
    this.i += kw.length;
    this.blanks();
    let assoc = false;
    let indexed = false;
    while (this.peek() === '-') {
      const fl = /-[A-Za-z]+/y;
      fl.lastIndex = this.i;
      const f = fl.exec(this.s)?.[0] ?? '-';
      for (const ch of f.slice(1)) {
        if (ch === 'A') assoc = true;
        else if (ch === 'a') indexed = true;
        else
          throw new ParseFailure(
            'not-assignment',
            `declare ${f}: only -A and -a are read`,
            this.i,
            this.i + f.length,
          );
      }
      this.i += f.length;
      this.blanks();
    }
    if (!assoc && !indexed)
      throw new ParseFailure('not-assignment', `${kw} needs -A or -a here`, start, this.i);
    let any = false;
    for (;;) {
      this.blanks();
      NAME.lastIndex = this.i;
      const m = NAME.exec(this.s);
      if (!m) break;
      const at = this.i;
      this.i += m[0].length;
      const existing = this.variables.get(m[0]);
      if (existing && existing.associative !== assoc && existing.elements.size > 0)
        throw new ParseFailure(
          'bad-index',
          `${m[0]} is already ${existing.associative ? 'associative' : 'an indexed array'}`,
          at,
          this.i,
        );
      if (!existing) this.variables.set(m[0], { name: m[0], associative: assoc, elements: new Map() });
      else existing.associative = assoc;
      any = true;
      if (this.peek() === '=')
        throw new ParseFailure('array-literal', `${kw} with a value is not supported`, this.i, this.i + 1);
    }
    if (!any) throw new ParseFailure('bad-name', `${kw} names no variable`, start, this.i);
    const c = this.peek();
    if (c !== '' && c !== '\n' && c !== '#' && c !== ';')
      throw new ParseFailure(
        'not-assignment',
        `unexpected ${JSON.stringify(c)} in ${kw}`,
        this.i,
        this.i + 1,
      );
  }

  /** `[ … ]` after a name, as bash reads it for this variable (arithmetic unless associative). */
  private index(name: string): string {
    const open = this.i;
    const close = this.s.indexOf(']', open);
    const nl = this.s.indexOf('\n', open);
    if (close < 0 || (nl >= 0 && nl < close))
      throw new ParseFailure('bad-index', `${name}[ has no closing ]`, open, open + 1);
    const raw = this.s.slice(open + 1, close);
    this.i = close + 1;
    return this.canonicalIndex(name, raw, open + 1);
  }

  private canonicalIndex(name: string, raw: string, at: number): string {
    const assoc = this.variables.get(name)?.associative === true;
    if (assoc) {
      if (!/^[A-Za-z0-9_,.:-]{1,64}$/.test(raw))
        throw new ParseFailure(
          'bad-index',
          `key "${raw}" of ${name}: only letters, digits and , . : _ - are read`,
          at,
          at + raw.length,
        );
      return raw;
    }
    const t = raw.trim();
    if (/^\d+$/.test(t)) {
      if (t.length > 1 && t.startsWith('0'))
        throw new ParseFailure(
          'octal-index',
          `index ${t} of ${name} is octal in bash`,
          at,
          at + raw.length,
          `write ${Number.parseInt(t, 8) || 0} if that is what you mean, or drop the leading zero`,
        );
      if (t.length > 6)
        throw new ParseFailure('bad-index', `index ${t} of ${name} is too large`, at, at + raw.length);
      return String(Number(t));
    }
    if (/^\d+(,\d+)+$/.test(t))
      throw new ParseFailure(
        'assoc-index',
        `${name}[${t}]: in an indexed array bash reads "${t}" as arithmetic (the last number)`,
        at,
        at + raw.length,
        `add "declare -A ${name}" before the first ${name}[…] line`,
      );
    throw new ParseFailure(
      'bad-index',
      `index "${raw}" of ${name}: only whole numbers are read (no arithmetic or variables)`,
      at,
      at + raw.length,
    );
  }

  /** One shell word (the value), with quotes removed and references expanded. */
  private word(): string {
    let out = '';
    const start = this.i;
    const push = (t: string) => {
      out += t;
      if (out.length > IB_LIMITS.maxValue)
        throw new ParseFailure(
          'too-long',
          `value longer than ${IB_LIMITS.maxValue} characters`,
          start,
          this.i,
        );
    };
    for (;;) {
      const c = this.peek();
      // A '#' inside a word is literal in bash ("A=x#y"); only one that starts a word is a comment.
      if (c === '' || c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ';') return out;
      if (c === "'") {
        const close = this.s.indexOf("'", this.i + 1);
        if (close < 0) throw new ParseFailure('unterminated-quote', "' is never closed", this.i, this.i + 1);
        push(this.s.slice(this.i + 1, close));
        this.i = close + 1;
      } else if (c === '"') {
        this.i++;
        this.doubleQuoted(push);
      } else if (c === '\\') {
        const n = this.peek(1);
        if (n === '\n') this.i += 2;
        else if (n === '') throw new ParseFailure('unterminated-quote', 'a lone \\ ends the file', this.i);
        else {
          push(n);
          this.i += 2;
        }
      } else if (c === '$') {
        push(this.dollar(false));
      } else if (c === '`') {
        throw new ParseFailure(
          'command-substitution',
          '`…` runs a command; a config is read as data',
          this.i,
        );
      } else if (c === '*' || c === '?' || c === '[') {
        throw new ParseFailure(
          'glob',
          `unquoted ${c} makes bash match file names here`,
          this.i,
          this.i + 1,
          'quote the value',
        );
      } else if (c === '~' && (this.i === start || this.s[this.i - 1] === ':')) {
        throw new ParseFailure(
          'tilde',
          'unquoted ~ is expanded by bash to a home folder',
          this.i,
          this.i + 1,
          'write the path out, or quote it',
        );
      } else if (c === '|' || c === '&' || c === '<' || c === '>' || c === '(' || c === ')') {
        throw new ParseFailure(
          'operator',
          `unquoted ${c} is a shell operator`,
          this.i,
          this.i + 1,
          'quote the value',
        );
      } else {
        push(c);
        this.i++;
      }
    }
  }

  private doubleQuoted(push: (t: string) => void): void {
    const open = this.i - 1;
    for (;;) {
      const c = this.peek();
      if (c === '') throw new ParseFailure('unterminated-quote', '" is never closed', open, open + 1);
      if (c === '"') {
        this.i++;
        return;
      }
      if (c === '\\') {
        const n = this.peek(1);
        if (n === '\n') this.i += 2;
        else if (n === '$' || n === '`' || n === '"' || n === '\\') {
          push(n);
          this.i += 2;
        } else {
          push('\\');
          this.i++;
        }
      } else if (c === '$') push(this.dollar(true));
      else if (c === '`')
        throw new ParseFailure(
          'command-substitution',
          '`…` runs a command; a config is read as data',
          this.i,
        );
      else {
        push(c);
        this.i++;
      }
    }
  }

  /** `$…` at this.i: a reference to an earlier variable, or an error for anything bash would run. */
  private dollar(quoted: boolean): string {
    const at = this.i;
    const n = this.peek(1);
    if (n === '(') {
      if (this.peek(2) === '(')
        throw new ParseFailure('arithmetic', '$(( … )) is arithmetic; write the number', at, at + 3);
      throw new ParseFailure(
        'command-substitution',
        '$( … ) runs a command; a config is read as data',
        at,
        at + 2,
      );
    }
    if (n === '[') throw new ParseFailure('arithmetic', '$[ … ] is arithmetic; write the number', at, at + 2);
    if (n === "'" || (n === '"' && !quoted))
      throw new ParseFailure('unsupported-expansion', `$${n}…${n} quoting is not supported`, at, at + 2);
    if (n === '{') {
      const close = this.s.indexOf('}', at);
      const nl = this.s.indexOf('\n', at);
      if (close < 0 || (nl >= 0 && nl < close))
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the text names bash's ${ syntax
        throw new ParseFailure('unsupported-expansion', '${ has no closing }', at, at + 2);
      const inner = this.s.slice(at + 2, close);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]*)\])?$/.exec(inner);
      if (!m) {
        if (/^[0-9@*#?$!-]/.test(inner))
          throw new ParseFailure(
            'special-parameter',
            `\${${inner}} is set by the shell at run time`,
            at,
            close + 1,
          );
        throw new ParseFailure(
          'unsupported-expansion',
          `\${${inner}}: only \${NAME} and \${NAME[index]} are read (no operators)`,
          at,
          close + 1,
        );
      }
      this.i = close + 1;
      const index = m[2] === undefined ? undefined : this.canonicalIndex(m[1]!, m[2], at + 3 + m[1]!.length);
      return this.lookup(m[1]!, index, at, close + 1);
    }
    NAME.lastIndex = at + 1;
    const m = NAME.exec(this.s);
    if (m) {
      this.i = at + 1 + m[0].length;
      return this.lookup(m[0], undefined, at, this.i);
    }
    if (/[0-9@*#?$!-]/.test(n))
      throw new ParseFailure('special-parameter', `$${n} is set by the shell at run time`, at, at + 2);
    // A lone $ (before a space, a quote or the end) is literal in bash.
    this.i++;
    return '$';
  }

  private lookup(name: string, index: string | undefined, at: number, end: number): string {
    const v = this.variables.get(name);
    const a = v?.elements.get(index ?? '0');
    if (!a)
      throw new ParseFailure(
        'undefined-variable',
        `${name}${index === undefined ? '' : `[${index}]`} is not set earlier in this file; ImageBuilder would take it from its environment`,
        at,
        end,
        'set it on an earlier line, or write the value',
      );
    return a.value;
  }

  private assign(name: string, index: string | undefined, value: string, start: number, end: number): void {
    if (this.assignments.length >= IB_LIMITS.maxAssignments)
      throw new ParseFailure('too-many', `more than ${IB_LIMITS.maxAssignments} assignments`, start, end);
    const { line, col } = this.lines.pos(start);
    const a: IbAssignment = { name, value, range: [start, end], line, col };
    if (index !== undefined) a.index = index;
    this.assignments.push(a);
    let v = this.variables.get(name);
    if (!v) {
      v = { name, associative: false, elements: new Map() };
      this.variables.set(name, v);
    }
    v.elements.set(index ?? '0', a);
  }
}

class ParseFailure extends Error {
  constructor(
    readonly code: IbParseCode,
    message: string,
    readonly at: number,
    readonly end: number = at + 1,
    readonly hint?: string,
    readonly resumeAt?: number,
  ) {
    super(message);
  }
}

/** Writes variables back as a config this parser (and bash) reads to the same values. */
export function printImageBuilderConfig(variables: Iterable<IbVariable>): string {
  const lines: string[] = [];
  for (const v of variables) {
    if (v.associative) lines.push(`declare -A ${v.name}`);
    for (const [index, a] of v.elements) {
      const lhs = v.associative || index !== '0' || a.index !== undefined ? `${v.name}[${index}]` : v.name;
      lines.push(`${lhs}=${shellQuote(a.value)}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Single-quotes a value for bash ('' cannot hold a quote, so one is written as '\''). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}
