// `dombuild dtc` run in-process with a fake io; judge: the dtc 1.6.1 binary on the same input.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';
import { readDtb, value, writeDtb } from '../../devicetree/index.js';
import { requireTools } from '../support/tools.js';

const gate = requireTools(['dtc'], 'apt-get install device-tree-compiler');
const dir = mkdtempSync(join(tmpdir(), 'dtc-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeIO(stdin: Uint8Array = new Uint8Array()) {
  const out = { stdout: '', stderr: '', bytes: [] as Uint8Array[] };
  const io: CliIO = {
    stdout: (t) => {
      out.stdout += t;
    },
    stdoutBytes: (b) => {
      out.bytes.push(b);
    },
    stderr: (t) => {
      out.stderr += t;
    },
    readStdin: async () => stdin,
    cwd: dir,
    env: {},
    isTTY: false,
  };
  return { io, out };
}

const SRC = `/dts-v1/;
/include/ "board.dtsi"
/ { model = "cli"; l: node@1 { reg = <1>; ref = <&l>; }; };
`;
writeFileSync(join(dir, 'board.dtsi'), '/ { compatible = "acme,cli"; };\n');
writeFileSync(join(dir, 'board.dts'), SRC);
writeFileSync(join(dir, 'bad.dts'), '/dts-v1/;\n/ { a = <1> };\n');

function dtc(...args: string[]): Buffer {
  const r = spawnSync('dtc', args, { cwd: dir });
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return r.stdout;
}

describe.skipIf(!gate.available)(`dombuild dtc ${gate.reason}`, () => {
  it('compiles a DTS file to -o atomically, the same bytes as dtc (with -@)', async () => {
    const { io, out } = fakeIO();
    const code = await runCli(['dtc', '-I', 'dts', '-O', 'dtb', '-@', '-o', 'out.dtb', 'board.dts'], io);
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    expect(readFileSync(join(dir, 'out.dtb')).equals(dtc('-@', '-I', 'dts', '-O', 'dtb', 'board.dts'))).toBe(
      true,
    );
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reads standard input and writes a DTB to standard output by default', async () => {
    const { io, out } = fakeIO(new TextEncoder().encode('/dts-v1/;\n/ { a = <1 2>; b = "x"; };\n'));
    expect(await runCli(['dtc'], io)).toBe(0);
    const ref = spawnSync('dtc', ['-I', 'dts', '-O', 'dtb', '-'], {
      input: '/dts-v1/;\n/ { a = <1 2>; b = "x"; };\n',
    });
    expect(Buffer.concat(out.bytes).equals(ref.stdout)).toBe(true);
  });

  it('decompiles a DTB (found by its magic) to DTS text like dtc', async () => {
    writeFileSync(join(dir, 'plain.dtb'), dtc('-I', 'dts', '-O', 'dtb', 'board.dts'));
    const { io, out } = fakeIO();
    expect(await runCli(['dtc', 'plain.dtb'], io)).toBe(0);
    expect(out.stdout).toBe(dtc('-I', 'dtb', '-O', 'dts', 'plain.dtb').toString());
  });

  it('runs dtc\'s checks on DTB input too (a redundant "name" property is dropped)', async () => {
    const tree = readDtb(dtc('-I', 'dts', '-O', 'dtb', 'board.dts'));
    tree.root.child('node@1')!.setProp('name', value.string('node'));
    writeFileSync(join(dir, 'named.dtb'), writeDtb(tree));
    const { io, out } = fakeIO();
    expect(await runCli(['dtc', '-I', 'dtb', '-O', 'dtb', 'named.dtb'], io)).toBe(0);
    expect(Buffer.concat(out.bytes).equals(dtc('-I', 'dtb', '-O', 'dtb', 'named.dtb'))).toBe(true);
    expect(readDtb(Buffer.concat(out.bytes)).root.child('node@1')!.prop('name')).toBeUndefined();
  });

  it('guesses the output format from the -o extension', async () => {
    const { io } = fakeIO();
    expect(await runCli(['dtc', '-o', 'round.dts', 'plain.dtb'], io)).toBe(0);
    expect(readFileSync(join(dir, 'round.dts'), 'utf8')).toBe(
      dtc('-I', 'dtb', '-O', 'dts', 'plain.dtb').toString(),
    );
  });

  it('prints a compiled overlay as DTS like dtc (fragments and fixups, no /plugin/ line)', async () => {
    writeFileSync(join(dir, 'ov.dts'), '/dts-v1/;\n/plugin/;\n&target { status = "okay"; };\n');
    const { io, out } = fakeIO();
    expect(await runCli(['dtc', '-O', 'dts', 'ov.dts'], io)).toBe(0);
    expect(out.stdout).toBe(dtc('-I', 'dts', '-O', 'dts', 'ov.dts').toString());
  });

  it('exits 1 with file:line:col on invalid source, writing nothing', async () => {
    const { io, out } = fakeIO();
    expect(await runCli(['dtc', '-o', 'never.dtb', 'bad.dts'], io)).toBe(1);
    expect(out.stderr).toMatch(/^bad\.dts:2:13: error \(SYNTAX\)/);
    expect(existsSync(join(dir, 'never.dtb'))).toBe(false);
  });

  it('exits 1 with a byte offset on a corrupt DTB', async () => {
    const blob = dtc('-I', 'dts', '-O', 'dtb', 'board.dts');
    writeFileSync(join(dir, 'short.dtb'), blob.subarray(0, 60));
    const { io, out } = fakeIO();
    expect(await runCli(['dtc', '-I', 'dtb', 'short.dtb'], io)).toBe(1);
    expect(out.stderr).toMatch(/short\.dtb: error \(\w+\)/);
  });

  it('exits 2 on a missing input, an unwritable output or a bad format', async () => {
    expect(await runCli(['dtc', 'missing.dts'], fakeIO().io)).toBe(2);
    expect(await runCli(['dtc', '-o', join(dir, 'no/such/dir/x.dtb'), 'board.dts'], fakeIO().io)).toBe(2);
    expect(await runCli(['dtc', '-I', 'yaml', 'board.dts'], fakeIO().io)).toBe(2);
  });
});
