// Property tests of the ImageBuilder config reader: any text (mutated fixtures, random bytes) is
// answered with values and problems, never an exception, in bounded time; and printing variables
// then reading them back gives the same variables.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importImageBuilderConfig } from '../../importers/imagebuilder/import.js';
import {
  type IbVariable,
  parseImageBuilderConfig,
  printImageBuilderConfig,
} from '../../importers/imagebuilder/parse.js';
import { FIXTURES } from './stage.js';

const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.cfg'))
  .map((f) => readFileSync(join(FIXTURES, f), 'utf8'));

/** Characters that matter to bash, plus ordinary ones. */
const shellChar = fc.constantFrom(...'$`\'"\\#;|&<>(){}[]*?~= \t\n\rAZaz09_-,.:/@!'.split(''));
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.string({ unit: shellChar, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
);

function mutate(text: string, ms: { kind: string; at: number; text?: string; len?: number }[]): string {
  let t = text;
  for (const m of ms) {
    const at = t.length === 0 ? 0 : m.at % (t.length + 1);
    if (m.kind === 'insert') t = t.slice(0, at) + m.text + t.slice(at);
    else if (m.kind === 'delete') t = t.slice(0, at) + t.slice(at + m.len!);
    else t = t.slice(0, at) + t.slice(at, at + m.len!) + t.slice(at);
  }
  return t;
}

function wellFormed(text: string): void {
  const started = performance.now();
  const r = parseImageBuilderConfig(text);
  const lines = text.split('\n').length;
  for (const p of r.problems) {
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.line).toBeLessThanOrEqual(lines);
    expect(p.col).toBeGreaterThanOrEqual(1);
    expect(p.range[0]).toBeLessThanOrEqual(text.length);
  }
  // The importer on top of it answers too (no throw), with a report either way.
  const imp = importImageBuilderConfig(text, { file: 'fuzz.cfg' });
  expect(imp.report.kind).toBe('imagebuilder');
  expect(performance.now() - started).toBeLessThan(2000);
}

describe('ImageBuilder reader on hostile input', () => {
  it('mutated fixtures: values or located problems, never a throw', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.array(mutation, { minLength: 1, maxLength: 12 }),
        (t, ms) => wellFormed(mutate(t, ms)),
      ),
      { numRuns: 400 },
    );
  });

  it('random text in the shell alphabet', () => {
    fc.assert(
      fc.property(fc.string({ unit: shellChar, maxLength: 400 }), (t) => wellFormed(t)),
      { numRuns: 400 },
    );
  });

  it('bounded time on inputs built to be slow (doubling values, long lines, many problems)', () => {
    const doubling = ['A=xxxxxxxxxxxxxxxx', ...Array.from({ length: 2000 }, () => 'A="$A$A$A$A"')].join('\n');
    const long = `A="${'$B'.repeat(100_000)}"`;
    const bad = '$(x)\n'.repeat(50_000);
    for (const t of [doubling, long, bad]) {
      const started = performance.now();
      const r = parseImageBuilderConfig(t);
      expect(r.problems.length).toBeGreaterThan(0);
      expect(performance.now() - started).toBeLessThan(3000);
    }
  });
});

const name = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,12}$/);
const value = fc.string({ unit: fc.oneof(shellChar, fc.constantFrom('é', 'ü', '\u00a0')), maxLength: 40 });

describe('print then read gives the same variables', () => {
  it('generated variables', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            name,
            assoc: fc.boolean(),
            elements: fc.uniqueArray(fc.tuple(fc.nat({ max: 40 }), fc.nat({ max: 40 }), value), {
              minLength: 1,
              maxLength: 4,
              selector: (e) => `${e[0]},${e[1]}`,
            }),
          }),
          { maxLength: 8, selector: (v) => v.name },
        ),
        (vars) => {
          const variables: IbVariable[] = vars.map((v) => ({
            name: v.name,
            associative: v.assoc,
            elements: new Map(
              v.elements.map(([a, b, val]) => {
                const index = v.assoc ? `${a},${b}` : String(a);
                return [index, { name: v.name, index, value: val, range: [0, 0], line: 1, col: 1 }] as const;
              }),
            ),
          }));
          const text = printImageBuilderConfig(variables);
          const back = parseImageBuilderConfig(text);
          expect(back.problems).toEqual([]);
          const flat = (vs: Iterable<IbVariable>) =>
            [...vs].flatMap((v) => [...v.elements].map(([i, a]) => [v.name, v.associative, i, a.value]));
          expect(flat(back.variables.values())).toEqual(flat(variables));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('every fixture: read, print, read again gives the same values', () => {
    for (const t of fixtures) {
      const first = parseImageBuilderConfig(t);
      expect(first.problems).toEqual([]);
      const again = parseImageBuilderConfig(printImageBuilderConfig(first.variables.values()));
      expect(again.problems).toEqual([]);
      const flat = (r: typeof first) =>
        [...r.variables.values()].flatMap((v) => [...v.elements].map(([i, a]) => [v.name, i, a.value]));
      expect(flat(again)).toEqual(flat(first));
    }
  });
});
