// The ImageBuilder config reader: the bash assignment subset as data, everything else a located
// error with a stable code.
import { describe, expect, it } from 'vitest';
import { parseImageBuilderConfig } from '../../importers/imagebuilder/parse.js';

const values = (text: string) => {
  const r = parseImageBuilderConfig(text);
  const out: Record<string, string> = {};
  for (const v of r.variables.values())
    for (const [i, a] of v.elements)
      out[a.index === undefined && v.elements.size === 1 ? v.name : `${v.name}[${i}]`] = a.value;
  return { out, problems: r.problems.map((p) => `${p.line}:${p.col} ${p.code}`) };
};

describe('ImageBuilder config: what is read', () => {
  it('quotes, escapes, comments, blank lines, several assignments on a line', () => {
    const r = values(
      [
        '# a comment',
        '',
        'A=plain',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${NAME} syntax, as data
        'B="double $A ${A}x \\"q\\" \\$literal"',
        "C='single $A \\n'",
        'D=x#not-a-comment  # a comment',
        'E=  ; F=one\\ two; G=',
        'H="multi',
        'line" I=two',
        'J=a\\',
        'b',
      ].join('\n'),
    );
    expect(r.problems).toEqual([]);
    expect(r.out).toEqual({
      A: 'plain',
      B: 'double plain plainx "q" $literal',
      C: 'single $A \\n',
      D: 'x#not-a-comment',
      E: '',
      F: 'one two',
      G: '',
      H: 'multi\nline',
      I: 'two',
      J: 'ab',
    });
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${NAME} syntax, as data
  it('arrays by index; a plain name is element 0; ${X[i]} reads an element', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${NAME} syntax, as data
    const r = values('X[0]=a\nX[2]="c"\nY=$X\nZ=${X[2]}\nX=b\n');
    expect(r.problems).toEqual([]);
    expect(r.out).toMatchObject({ 'X[0]': 'b', 'X[2]': 'c', Y: 'a', Z: 'c' });
  });

  it('declare -A makes "n,v" keys; without it they are a located error', () => {
    expect(values('declare -A M\nM[0,1]="2-3"\n').out).toEqual({ 'M[0,1]': '2-3' });
    expect(values('M[0,1]="2-3"\n').problems).toEqual(['1:3 assoc-index']);
  });
});

describe('ImageBuilder config: what is refused, with file position and code', () => {
  const cases: [string, string][] = [
    ['A=$(uname -r)\n', '1:3 command-substitution'],
    ['A=`date`\n', '1:3 command-substitution'],
    ['A=$((1+2))\n', '1:3 arithmetic'],
    ['if true; then A=1; fi\n', '1:1 not-assignment'],
    ['function f { :; }\n', '1:1 not-assignment'],
    ['A=1 | cat\n', '1:5 operator'],
    ['A=1 echo hi\n', '1:5 not-assignment'],
    ['source other.cfg\n', '1:1 not-assignment'],
    ['A=x > out\n', '1:5 operator'],
    ['A=*.dtb\n', '1:3 glob'],
    ['A=~/xen\n', '1:3 tilde'],
    ['A=$HOME/xen\n', '1:3 undefined-variable'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${NAME} syntax, as data
    ['A=${B:-x}\n', '1:3 unsupported-expansion'],
    ['A=$1\n', '1:3 special-parameter'],
    ['A="open\n', '1:3 unterminated-quote'],
    ['X[01]=a\n', '1:3 octal-index'],
    ['X[$i]=a\n', '1:3 bad-index'],
    ['A+=x\n', '1:1 append'],
    ['A=(a b)\n', '1:3 array-literal'],
  ];
  for (const [text, want] of cases) {
    it(JSON.stringify(text), () => {
      expect(values(text).problems).toEqual([want]);
    });
  }

  it('keeps going after an error: every bad line is reported, good lines still read', () => {
    const r = values('A=1\nB=$(x)\nC=2\nD=`y`\nE=3\n');
    expect(r.problems).toEqual(['2:3 command-substitution', '4:3 command-substitution']);
    expect(r.out).toEqual({ A: '1', C: '2', E: '3' });
  });

  it('a value that doubles on every line stops at the size cap instead of growing', () => {
    const lines = ['A=xxxxxxxxxxxxxxxx'];
    for (let i = 0; i < 40; i++) lines.push('A=$A$A');
    const r = parseImageBuilderConfig(lines.join('\n'));
    expect(r.problems.map((p) => p.code)).toContain('too-long');
    expect(r.variables.get('A')!.elements.get('0')!.value.length).toBeLessThanOrEqual(64 * 1024);
  });
});
