// printDts: dtc 1.6.1's text for each value shape, and, for trees that remember how their values
// were written (hints, labels), a fixed point of dtc: dtc -I dts -O dts of our text is our text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guessValueForm, printDts, printDtsValue, Tree, value, writeDtb } from '../../devicetree/index.js';
import { requireTools } from '../support/tools.js';
import { arbTree } from './fixtures/arb-tree.js';
import { dtcOk, text } from './fixtures/dtc.js';

const gate = requireTools(['dtc'], 'apt-get install device-tree-compiler');
const bytes = (...b: number[]) => Uint8Array.from(b);
const line = (v: Uint8Array) => printDtsValue({ name: 'p', value: v, labels: [] });

describe('printDts value forms (dtc 1.6.1 guessing)', () => {
  it.each([
    ['empty', bytes(), ';'],
    ['one string', value.string('psci'), ' = "psci";'],
    ['a list prints as one string with \\0 (1.6.1 does not split)', value.strings('a', 'b'), ' = "a\\0b";'],
    ['escapes', value.string('\t"\\\n\x07'), ' = "\\t\\"\\\\\\n\\a";'],
    ['cells', value.u32(1, 0x8000, 0xffffffff), ' = <0x01 0x8000 0xffffffff>;'],
    ['a 4-byte string stays a string', value.string('abc'), ' = "abc";'],
    ['too many NULs is cells', bytes(0x61, 0, 0, 0), ' = <0x61000000>;'],
    ['a lone NUL is a cell-less byte', bytes(0), ' = [00];'],
    ['high bytes are not text', bytes(0xc3, 0xa9, 0x41, 0), ' = <0xc3a94100>;'],
    ['odd length bytes', bytes(1, 2, 0xff), ' = [01 02 ff];'],
    ['no trailing NUL', bytes(0x61, 0x62), ' = [61 62];'],
  ])('%s', (_what, v, want) => {
    expect(line(v)).toBe(want);
  });

  it('guesses as dtc: text needs a final NUL, no more NULs than other bytes, only printables', () => {
    expect(guessValueForm(bytes(0x61, 0)).kind).toBe('string');
    expect(guessValueForm(bytes(0x61, 0, 0)).kind).toBe('bytes');
    expect(guessValueForm(bytes(0x61, 0x62, 0, 0)).kind).toBe('string');
    expect(guessValueForm(bytes(0x7f, 0)).kind).toBe('bytes');
  });

  it('prints hinted values in their written form', () => {
    const hinted = (v: Uint8Array, hint: Parameters<typeof printDtsValue>[0]['hint']) =>
      printDtsValue({ name: 'p', value: v, labels: [], ...(hint ? { hint } : {}) });
    expect(hinted(value.strings('a', '', 'b'), { kind: 'strings' })).toBe(' = "a", "", "b";');
    expect(hinted(bytes(0, 1, 0, 2), { kind: 'cells', bits: 16 })).toBe(' = /bits/ 16 <0x01 0x02>;');
    expect(hinted(value.u64(1n), { kind: 'cells', bits: 64 })).toBe(' = /bits/ 64 <0x01>;');
    expect(hinted(bytes(1, 2), { kind: 'cells', bits: 8 })).toBe(' = [01 02];');
    expect(hinted(value.u32(1), { kind: 'bytes' })).toBe(' = [00 00 00 01];');
    // A hint that no longer fits the bytes falls back to guessing.
    expect(hinted(bytes(1, 2, 3), { kind: 'cells', bits: 32 })).toBe(' = [01 02 03];');
  });

  it('prints the layout: header, reserves, tabs, blank line before each child, labels', () => {
    const t = new Tree();
    t.memreserves.push({ address: 0x1000n, size: 0x20n, labels: ['r'] });
    t.root.setProp('model', value.string('x'));
    const a = t.ensurePath('/a@1');
    a.labels = ['l1', 'l2'];
    a.setProp('e', value.empty(), { labels: ['pl'] });
    t.ensurePath('/a@1/b');
    expect(printDts(t)).toBe(
      '/dts-v1/;\n\nr: /memreserve/\t0x0000000000001000 0x0000000000000020;\n/ {\n\tmodel = "x";\n\n' +
        '\tl1: l2: a@1 {\n\t\tpl: e;\n\n\t\tb {\n\t\t};\n\t};\n};\n',
    );
  });
});

describe.skipIf(!gate.available)(`printDts of source-like trees against dtc ${gate.reason}`, () => {
  const trees = arbTree({ hints: true, maxBootCpuid: 0xfffffffe });

  it('dtc -I dts -O dts of our text gives our text back (hints and labels as dtc prints them)', () => {
    fc.assert(
      fc.property(trees, (t) => {
        const ours = printDts(t);
        expect(text(dtcOk('dts', 'dts', ours, ['-f']))).toBe(ours);
      }),
      { numRuns: 50 },
    );
  });

  it('differs from dtc 1.6.1 only where its text reads back as other bytes (NUL then octal digit)', () => {
    const t = new Tree();
    t.root.setProp('a', bytes(0, 0x30, 0, 0x20, 7, 0));
    const blob = writeDtb(t);
    const theirs = text(dtcOk('dtb', 'dts', blob));
    const ours = printDts(t);
    expect(theirs).toContain('a = "\\00\\0 \\a";');
    expect(ours).toBe(theirs.replace('"\\00', '"\\x000'));
    expect(Buffer.from(dtcOk('dts', 'dtb', theirs)).equals(Buffer.from(blob))).toBe(false);
    expect(Buffer.from(dtcOk('dts', 'dtb', ours)).equals(Buffer.from(blob))).toBe(true);
  });

  it('dtc compiles our hinted text to writeDtb bytes', () => {
    fc.assert(
      fc.property(trees, (t) => {
        const theirs = dtcOk('dts', 'dtb', printDts(t), ['-f', '-b', String(t.bootCpuid)]);
        expect(Buffer.from(writeDtb(t)).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
      }),
      { numRuns: 40 },
    );
  });
});
