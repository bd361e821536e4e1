// The xl config reader and printer: fixed cases for libxlutil's grammar corners, a print → parse
// round trip, and random mutations that only ever give XlSyntaxError (bounded in time).
// Whether the grammar is libxlutil's own is judged in xl-libxlutil.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatXlValue,
  parseXlConfig,
  printXlConfig,
  quoteXlString,
  XL_LIMITS,
  XlSyntaxError,
  XlValueError,
  xlAtomInteger,
} from '../../xen-formats/index.js';
import { caseBudgetMs } from '../support/budget.js';
import { arbSettings } from './xl-arbitraries.js';

const values = (text: string) =>
  Object.fromEntries([...parseXlConfig(text).values].map(([k, v]) => [k, v.value]));
const code = (text: string) => {
  try {
    parseXlConfig(text);
    return 'ok';
  } catch (e) {
    if (e instanceof XlSyntaxError) return e.code;
    throw e;
  }
};

describe('parseXlConfig', () => {
  it('reads strings, numbers, lists, comments and separators', () => {
    const text = [
      '# a comment',
      'name = "a\\"b\\\\c\\n"',
      "s = 'it\"s'",
      'memory = 64',
      'x = 0x10 ; y = 1e3',
      'irqs = [ 32, 33,',
      '  "34" , ] # trailing comment',
      'e = []',
      'a.b = 1',
      '',
    ].join('\n');
    expect(values(text)).toEqual({
      name: 'a"b\\c\n',
      s: 'it"s',
      memory: '64',
      x: '0x10',
      y: '1e3',
      irqs: ['32', '33', '34'],
      e: [],
      'a.b': '1',
    });
  });

  it('applies the last assignment and += like xl', () => {
    const r = parseXlConfig('a = 1\nb = "x"\nb += "y"\nl = [1]\nl += [2]\na = 2\n');
    expect(Object.fromEntries([...r.values].map(([k, v]) => [k, v.value]))).toEqual({
      b: 'xy',
      l: ['1', '2'],
      a: '2',
    });
    expect(r.values.get('a')).toMatchObject({ line: 6, statements: 2 });
    expect(code('l = [1]\nl += "x"\n')).toBe('ADD_MISMATCH');
  });

  it.each([
    ['Foo = 1\n', 'LEXICAL'],
    ['_x = 1\n', 'LEXICAL'],
    ['a = -1\n', 'LEXICAL'],
    ['a = 1.5\n', 'LEXICAL'],
    ['a = 1\r\n', 'LEXICAL'],
    ['a = "x\ny"\n', 'UNTERMINATED_STRING'],
    ['a = "\\e"\n', 'BAD_ESCAPE'],
    ['a = "\\x41"\n', 'NUMERIC_ESCAPE'],
    ['a = "\\101"\n', 'NUMERIC_ESCAPE'],
    ['a = "\0"\n', 'NUL'],
    ['a = 1 b = 2\n', 'UNEXPECTED'],
    ['a = [1,,2]\n', 'UNEXPECTED'],
    ['a\n= 1\n', 'UNEXPECTED'],
    ['a = abc\n', 'UNEXPECTED'],
    ['a = 1 # no newline', 'COMMENT_AT_EOF'],
    ['a = 1z\n', 'UNEXPECTED'],
  ])('rejects %j with %s', (text, want) => {
    expect(code(text)).toBe(want);
  });

  it('reports line and column', () => {
    try {
      parseXlConfig('a = 1\nb = "x\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(XlSyntaxError);
      expect(e).toMatchObject({ code: 'UNTERMINATED_STRING', line: 2, col: 5, offset: 10 });
    }
  });

  it('enforces its limits', () => {
    expect(code(`a = ${'['.repeat(XL_LIMITS.depth + 1)}${']'.repeat(XL_LIMITS.depth + 1)}\n`)).toBe('LIMIT');
    expect(code(`a = [${'1,'.repeat(XL_LIMITS.listItems + 1)}]\n`)).toBe('LIMIT');
    expect(code('a = 1\n'.repeat(XL_LIMITS.settings + 1))).toBe('LIMIT');
  });

  it('reads numbers as strtol(base 0) does', () => {
    expect(xlAtomInteger('010')).toBe(8n);
    expect(xlAtomInteger('0x1f')).toBe(31n);
    expect(xlAtomInteger('0')).toBe(0n);
    expect(xlAtomInteger('08')).toBeUndefined();
    expect(xlAtomInteger('1e3')).toBeUndefined();
    expect(xlAtomInteger('9223372036854775808')).toBeUndefined();
  });
});

describe('printXlConfig', () => {
  it('escapes what xl needs and nothing numeric', () => {
    expect(quoteXlString('a"b\\c\n\t\x07é')).toBe('"a\\"b\\\\c\\n\\t\\aé"');
    expect(() => quoteXlString('a\0b')).toThrow(XlValueError);
    expect(formatXlValue(['1', '2'], 'number')).toBe('[ 1, 2 ]');
    expect(() => formatXlValue('12g', 'number')).toThrow(XlValueError);
  });

  it('round trip: print → parse gives the same values', () => {
    fc.assert(
      fc.property(arbSettings, (settings) => {
        const back = parseXlConfig(printXlConfig(settings, ['header']));
        expect([...back.values.keys()]).toEqual(settings.map((s) => s.key));
        for (const s of settings) expect(back.values.get(s.key)?.value).toEqual(s.value);
      }),
      { numRuns: 300 },
    );
  });

  it('mutations of valid text only ever give XlSyntaxError, quickly', () => {
    const arbMutated = fc
      .tuple(
        arbSettings.map((s) => printXlConfig(s)),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.string({ unit: 'binary-ascii', maxLength: 3 })), {
          minLength: 1,
          maxLength: 4,
        }),
      )
      .map(([text, edits]) => {
        let t = text;
        for (const [pos, del, ins] of edits) {
          const at = t.length === 0 ? 0 : pos % (t.length + 1);
          t = t.slice(0, at) + ins + t.slice(at + del);
        }
        return t;
      });
    const longest = fc
      .sample(
        arbSettings.map((s) => printXlConfig(s)),
        { numRuns: 30, seed: 1 },
      )
      .reduce((a, b) => (b.length > a.length ? b : a));
    const limit = caseBudgetMs(() => parseXlConfig(longest), 2000);
    fc.assert(
      fc.property(arbMutated, (text) => {
        const t0 = performance.now();
        try {
          parseXlConfig(text);
        } catch (e) {
          expect(e).toBeInstanceOf(XlSyntaxError);
        }
        expect(performance.now() - t0).toBeLessThan(limit);
      }),
      { numRuns: 500 },
    );
  });
});
