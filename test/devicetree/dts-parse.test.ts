// What parseDts keeps beyond the bytes (hints, labels, positions) and how it reports problems.
// The bytes themselves are judged by dtc in dts-corpus.test.ts and the property tests.
import { describe, expect, it } from 'vitest';
import { checkTree, compileDts, DtsError, parseDts, read, Tree, value } from '../../devicetree/index.js';

function errorOf(f: () => unknown): DtsError {
  try {
    f();
  } catch (e) {
    if (e instanceof DtsError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('parseDts', () => {
  it('keeps how each value was written as its hint', () => {
    const t = parseDts(
      '/dts-v1/;\n/ { s = "a"; ss = "a", "b"; c = <1 2>; c8 = /bits/ 8 <1>; c64 = /bits/ 64 <1>; b = [01 02]; m = "a", <1>; e; };',
      { file: 'h.dts' },
    );
    const hint = (n: string) => t.root.prop(n)!.hint;
    expect(hint('s')).toEqual({ kind: 'string' });
    expect(hint('ss')).toEqual({ kind: 'strings' });
    expect(hint('c')).toEqual({ kind: 'cells', bits: 32 });
    expect(hint('c8')).toEqual({ kind: 'cells', bits: 8 });
    expect(hint('c64')).toEqual({ kind: 'cells', bits: 64 });
    expect(hint('b')).toEqual({ kind: 'bytes' });
    expect(hint('m')).toBeUndefined();
    expect(hint('e')).toBeUndefined();
    expect(read.cells(t.root.prop('c')!)).toEqual([1, 2]);
  });

  it('keeps labels and the positions of node and property names', () => {
    const t = parseDts('/dts-v1/;\n/ {\n  l1: l2: node@1 {\n    pl: reg = <1>;\n  };\n};\n', {
      file: 'p.dts',
    });
    const n = t.lookup('/node@1')!;
    expect(n.labels).toEqual(['l1', 'l2']);
    expect(n.pos).toEqual({ file: 'p.dts', line: 3, col: 11 });
    const p = n.prop('reg')!;
    expect(p.labels).toEqual(['pl']);
    expect(p.pos).toEqual({ file: 'p.dts', line: 4, col: 9 });
  });

  it('resolves /include/ against the including file and reports positions in the included file', () => {
    const files: Record<string, string> = {
      'dir/a.dtsi': '/include/ "sub/b.dtsi"\n',
      'dir/sub/b.dtsi': '/ {\n  x = <(1 / 0)>;\n};\n',
    };
    const asked: string[] = [];
    const e = errorOf(() =>
      parseDts('/dts-v1/;\n/include/ "a.dtsi"\n', {
        file: 'dir/main.dts',
        readFile: (p) => {
          asked.push(p);
          return files[p];
        },
      }),
    );
    expect(asked).toEqual(['dir/a.dtsi', 'dir/sub/b.dtsi']);
    expect(e.code).toBe('VALUE');
    expect(e.pos).toEqual({ file: 'dir/sub/b.dtsi', line: 2, col: 9 });
  });

  it('says whether the source was an overlay, and makes fragments for it', () => {
    const c = compileDts('/dts-v1/;\n/plugin/;\n&uart { status = "okay"; };\n', { file: 'o.dts' });
    expect(c.plugin).toBe(true);
    const f = c.tree.lookup('/fragment@0')!;
    expect(read.u32(f.prop('target')!)).toBe(0xffffffff);
    expect(read.string(c.tree.lookup('/__fixups__')!.prop('uart')!)).toBe('/fragment@0:target:0');
    expect(compileDts('/dts-v1/;\n/ { };', { file: 'b.dts' }).plugin).toBe(false);
  });

  it('refuses runaway nesting and unknown includes with typed errors', () => {
    const deep = `/dts-v1/;\n/ { a = <${'('.repeat(400)}1${')'.repeat(400)}>; };`;
    expect(errorOf(() => parseDts(deep, { file: 'd.dts' })).code).toBe('LIMIT');
    const nested = `/dts-v1/;\n/ ${'{ n '.repeat(300)}${'}; '.repeat(300)};`;
    expect(errorOf(() => parseDts(nested, { file: 'n.dts' })).code).toBe('LIMIT');
    expect(errorOf(() => parseDts('/dts-v1/;\n/include/ "x.dtsi"\n/ { };', { file: 'i.dts' })).code).toBe(
      'INCLUDE',
    );
    const self = () =>
      parseDts('/dts-v1/;\n/include/ "self.dts"\n/ { };', {
        file: 'self.dts',
        readFile: () => '/include/ "self.dts"\n',
      });
    expect(errorOf(self).code).toBe('INCLUDE');
    const big = `/* ${'x'.repeat(1024 * 1024)} */\n`;
    const many = `/dts-v1/;\n${'/include/ "big.dtsi"\n'.repeat(80)}/ { };`;
    expect(errorOf(() => parseDts(many, { file: 'many.dts', readFile: () => big })).code).toBe('LIMIT');
  });
});

describe('where we refuse what dtc 1.6.1 accepts', () => {
  it('deleting the root node (dtc writes a blob with no root node)', () => {
    const e = errorOf(() => parseDts('/dts-v1/;\n/ { a { }; };\n/delete-node/ &{/};\n', { file: 'r.dts' }));
    expect(e.code).toBe('REF');
    expect(e.pos).toEqual({ file: 'r.dts', line: 3, col: 15 });
  });

  it('a stray non-ASCII byte outside strings (dtc stops reading there and accepts)', () => {
    expect(errorOf(() => parseDts('/dts-v1/;\n/ { };\n\u2713 anything', { file: 'u.dts' })).code).toBe(
      'SYNTAX',
    );
  });
});

describe('checkTree', () => {
  it('drops a redundant name property and refuses a bad phandle, as dtc does for DTB input', () => {
    const t = new Tree();
    t.root.ensureChild('node@1').setProp('name', value.string('node'));
    expect(checkTree(t, { file: 'x.dtb' }).lookup('/node@1')!.prop('name')).toBeUndefined();
    t.root.ensureChild('bad').setProp('phandle', value.u32(0));
    const e = errorOf(() => checkTree(t, { file: 'x.dtb' }));
    expect(e.code).toBe('PHANDLE');
    expect(e.pos).toEqual({ file: 'x.dtb', line: 0, col: 0 });
  });
});
