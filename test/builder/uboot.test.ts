import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UbootError } from '../../builder/uboot/errors.js';
import { fdtValueArgs } from '../../builder/uboot/fdt-commands.js';
import { isUbootSafe, quoteUboot, ubootCommandWords, ubootStringProblem } from '../../builder/uboot/quote.js';
import { ubootScript } from '../../builder/uboot/script.js';
import { Node, Tree, value } from '../../devicetree/index.js';

const safeRule = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

describe('quoteUboot', () => {
  it('single-quotes printable ASCII verbatim', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal U-Boot variable reference is the point
    expect(quoteUboot('console=hvc0 ; reset $(x) ${y} "z" # w')).toBe(
      `'console=hvc0 ; reset $(x) \${y} "z" # w'`,
    );
    expect(quoteUboot('')).toBe("''");
  });

  it.each([
    ["it's", 'single-quote'],
    ['a\\b', 'backslash'],
    ['a\nb', 'control-character'],
    ['a\tb', 'control-character'],
    ['\x03', 'control-character'],
    ['\x7f', 'control-character'],
    ['caf\u00e9', 'non-ascii'],
  ])('refuses %j (%s)', (s, problem) => {
    expect(ubootStringProblem(s)?.problem).toBe(problem);
    expect(() => quoteUboot(s)).toThrow(UbootError);
    try {
      quoteUboot(s, 'domains[0].cmdline');
    } catch (e) {
      expect((e as UbootError).code).toBe('UNSAFE_STRING');
      expect((e as UbootError).where).toBe('domains[0].cmdline');
    }
  });

  it('agrees with the published regular expression for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(isUbootSafe(s)).toBe(safeRule.test(s));
        if (isUbootSafe(s)) expect(quoteUboot(s)).toBe(`'${s}'`);
        else expect(() => quoteUboot(s)).toThrow(UbootError);
      }),
      { numRuns: 500 },
    );
  });
});

describe('ubootCommandWords', () => {
  it('accepts board load commands', () => {
    expect(ubootCommandWords('load  mmc 0:1')).toEqual(['load', 'mmc', '0:1']);
    expect(ubootCommandWords('tftpb')).toEqual(['tftpb']);
  });
  it.each(['tftpb; reset', 'load mmc $x', "load 'mmc'", 'a=b c', ''])('refuses %j', (c) => {
    expect(() => ubootCommandWords(c)).toThrow(UbootError);
  });
});

describe('fdtValueArgs', () => {
  const prop = (v: Uint8Array, hint?: 'string' | 'cells') => ({
    name: 'x',
    value: v,
    labels: [],
    ...(hint === 'string'
      ? { hint: { kind: 'string' as const } }
      : hint
        ? { hint: { kind: 'cells' as const, bits: 32 as const } }
        : {}),
  });
  it('writes each value class in the form fdt set reads back', () => {
    expect(fdtValueArgs(prop(value.empty()), 'p')).toEqual([]);
    expect(fdtValueArgs(prop(value.strings('a', 'b c')), 'p')).toEqual(["'a'", "'b c'"]);
    expect(fdtValueArgs(prop(value.u32(1, 0x40000000), 'cells'), 'p')).toEqual(["'<0x1 0x40000000>'"]);
    expect(fdtValueArgs(prop(value.bytes([1, 2, 3])), 'p')).toEqual(["'[01 02 03]'"]);
    // fdt would read a string starting with < or [ as cells or bytes: written as bytes instead
    expect(fdtValueArgs(prop(value.string('<x>'), 'string'), 'p')).toEqual(["'[3c 78 3e 00]'"]);
    expect(fdtValueArgs(prop(value.string(''), 'string'), 'p')).toEqual(["''"]);
  });
  it('refuses values longer than fdt set can hold', () => {
    expect(() => fdtValueArgs(prop(new Uint8Array(1028)), 'p')).toThrow(/VALUE_TOO_LONG/);
  });
});

describe('ubootScript', () => {
  const base = new Tree();
  base.ensurePath('/chosen');
  const content = new Node('');
  content.setProp('xen,xen-bootargs', value.string('console=dtuart'), { hint: { kind: 'string' } });
  const dom = content.addChild(new Node('domU1'));
  dom.setProp('compatible', value.string('xen,domain'), { hint: { kind: 'string' } });
  dom.setProp('cpus', value.u32(1), { hint: { kind: 'cells', bits: 32 } });
  const edits = { fragments: [{ target: '/chosen', content }], phandleRefs: [], phandleBase: 0 };

  it('loads, edits in libfdt order and boots only when nothing failed', () => {
    const s = ubootScript({
      loadCommand: 'tftpb',
      images: [{ id: 'xen', file: 'xen', addr: 0x40200000n }],
      kernel: 'xen',
      fdt: { kind: 'file', file: 'board.dtb', addr: 0x48000000n, slotSize: 0x100000n },
      base,
      edits,
    });
    expect(s.split('\n')).toEqual([
      'setenv db_failed',
      'setenv fdt_high 0xffffffffffffffff',
      "tftpb 0x40200000 'xen' || setenv db_failed 1",
      "tftpb 0x48000000 'board.dtb' || setenv db_failed 1",
      'fdt addr 0x48000000 || setenv db_failed 1',
      expect.stringMatching(/^fdt resize 0x[0-9a-f]+ \|\| setenv db_failed 1$/),
      "fdt set '/chosen' 'xen,xen-bootargs' 'console=dtuart' || setenv db_failed 1",
      "fdt mknod '/chosen' 'domU1' || setenv db_failed 1",
      "fdt set '/chosen/domU1' 'cpus' '<0x1>' || setenv db_failed 1",
      "fdt set '/chosen/domU1' 'compatible' 'xen,domain' || setenv db_failed 1",
      "if env exists db_failed; then echo 'dombuild: a step above failed; not booting'; else booti 0x40200000 - 0x48000000; fi",
      '',
    ]);
  });

  it('refuses an unsafe file name and an unsafe load command', () => {
    const spec = {
      loadCommand: 'tftpb',
      images: [{ id: 'xen', file: "x'; reset; '", addr: 0x40200000n }],
      kernel: 'xen',
      fdt: { kind: 'control' as const, addr: 0x48000000n, slotSize: 0x100000n },
      base,
      edits,
    };
    expect(() => ubootScript(spec)).toThrow(/UNSAFE_STRING/);
    expect(() =>
      ubootScript({ ...spec, images: [{ id: 'xen', file: 'xen', addr: 1n, loadCommand: 'tftpb;reset' }] }),
    ).toThrow(/UNSAFE_WORD/);
  });

  it('never puts a quoted user string into a command that expands a variable, except load file names', () => {
    const s = ubootScript({
      loadCommand: 'tftpb',
      images: [{ id: 'xen', file: 'xen', addr: 0n }],
      kernel: 'xen',
      fdt: { kind: 'control', addr: 0n, slotSize: 0x100000n },
      base,
      edits,
      dynamic: { free: [{ start: 0x40200000n, end: 0x80000000n }], keep: [], align: 0x200000n, regs: [] },
    });
    for (const line of s.split('\n')) {
      if (line.startsWith('tftpb ') || line.startsWith('if env exists')) continue;
      if (line.includes('$')) expect(line).not.toMatch(/'[^']*'/);
    }
  });
});
