// Every flag `dombuild build --help` lists, through the real CLI: each row runs the flag and checks
// the exit code and which files it writes. The table must cover every flag the help prints, so a
// new flag without a row (or a row for a flag the help no longer lists) fails here.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveBoard } from '../../boards/index.js';
import { runCli } from '../../cli/main.js';
import { writeDtb } from '../../devicetree/index.js';
import { probeGuestImage } from '../../images/probe.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'dombuild-build-flags-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const ex = join(work, 'examples');
cpSync(join(root, 'examples'), ex, { recursive: true });
for (const [dir, kernel] of [
  ['dom0', probeGuestImage({ marker: 'dom0 stand-in' })],
  ['x86', new Uint8Array(8192).fill(0x4b)],
] as const) {
  mkdirSync(join(ex, 'images', dir), { recursive: true });
  writeFileSync(join(ex, 'images', dir, 'vmlinuz'), kernel);
  writeFileSync(join(ex, 'images', dir, 'initrd.cpio.gz'), new Uint8Array(4096).fill(0x5a));
}
// minimal.yaml with a Xen image (a stand-in), so boot.itb can be built
writeFileSync(join(ex, 'xen-standin'), probeGuestImage({ marker: 'xen stand-in' }));
writeFileSync(
  join(ex, 'minimal-xen.yaml'),
  readFileSync(join(ex, 'minimal.yaml'), 'utf8').replace('xen:\n', 'xen:\n  image: xen-standin\n'),
);
// x86-dom0.yaml plus a domain xl creates at run time, with the (arm64) probe guest
writeFileSync(
  join(ex, 'x86-runtime.yaml'),
  `${readFileSync(join(ex, 'x86-dom0.yaml'), 'utf8')}\ndomains:\n  - name: rt\n    boot: false\n    kernel: { probe: "rt up" }\n    memory: 64M\n`,
);
const env = { ...process.env, DOMBUILD_CACHE: join(work, 'cache'), SOURCE_DATE_EPOCH: '1700000000' };

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: async () => new Uint8Array(),
    cwd: ex,
    env,
    isTTY: false,
  });
  return { code, stdout, stderr };
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((n) => statSync(join(dir, n)).isFile() && !n.startsWith('.'))
    .map((n) => n.split('\\').join('/'))
    .sort();
}

interface Row {
  /** The flag the row proves (as --help prints it). */
  flag: string;
  what: string;
  /** Arguments after `build`; OUT is replaced by the row's output folder. */
  argv: string[];
  code: number;
  /** Exactly these files (marker files aside), when given. */
  files?: string[];
  /** At least these. */
  has?: string[];
  /** None of these. */
  hasNot?: string[];
  /** Extra check on the result. */
  check?: (r: { stdout: string; stderr: string; out: string }) => void;
}

const ARM = [
  'boot.scr',
  'boot.source',
  'chosen.dtbo',
  'chosen.dtsi',
  'createdomain.bin',
  'plan.json',
  'system.dtb',
];
const X86 = ['createdomain.bin', 'grub.cfg', 'plan.json', 'xen.cfg'];

const rows: Row[] = [
  {
    flag: 'help',
    what: 'prints the help',
    argv: ['--help'],
    code: 0,
    check: (r) => expect(r.stdout).toMatch(/--only/),
  },
  {
    flag: 'version',
    what: 'prints the version',
    argv: ['--version'],
    code: 0,
    check: (r) => expect(r.stdout.trim()).not.toBe(''),
  },
  {
    flag: 'out',
    what: '-o: the Arm default outputs',
    argv: ['minimal.yaml', '-o', 'OUT'],
    code: 0,
    has: ARM,
    hasNot: ['boot.itb'],
  },
  { flag: 'out', what: '--out, long form', argv: ['minimal.yaml', '--out', 'OUT'], code: 0, has: ARM },
  {
    flag: 'out',
    what: 'x86 default: grub.cfg, xen.cfg, createdomain.bin, plan.json; no hyperlaunch',
    argv: ['x86-dom0.yaml', '-o', 'OUT'],
    code: 0,
    files: X86,
  },
  {
    flag: 'out',
    what: 'Arm default with runtime domains: xl/<domain>.cfg and the probe kernels they name',
    argv: ['dom0-runtime.yaml', '-o', 'OUT'],
    code: 0,
    has: [...ARM, 'xl/runtime1.cfg', 'xl/runtime2.cfg', 'runtime1-kernel.img', 'runtime2-kernel.img'],
  },
  {
    flag: 'out',
    what: 'x86 default with a runtime domain: xl/<domain>.cfg and the image it names, with a warning',
    argv: ['x86-runtime.yaml', '-o', 'OUT'],
    code: 0,
    files: [...X86, 'rt-kernel.img', 'xl/rt.cfg'].sort(),
    check: (r) => expect(r.stderr).toMatch(/\(build-probe-not-x86\)/),
  },
  {
    flag: 'out',
    what: 'Arm default with a Xen image: no boot.itb (boot.fit is false)',
    argv: ['minimal-xen.yaml', '-o', 'OUT'],
    code: 0,
    has: ARM,
    hasNot: ['boot.itb'],
  },
  {
    flag: 'only',
    what: 'dtb',
    argv: ['minimal.yaml', '-o', 'OUT', '--only', 'dtb'],
    code: 0,
    has: ['system.dtb', 'chosen.dtsi', 'chosen.dtbo', 'plan.json'],
    hasNot: ['boot.scr', 'createdomain.bin'],
  },
  {
    flag: 'only',
    what: 'uboot',
    argv: ['minimal.yaml', '-o', 'OUT', '--only', 'uboot'],
    code: 0,
    has: ['boot.scr', 'boot.source', 'plan.json'],
    hasNot: ['system.dtb', 'createdomain.bin'],
  },
  {
    flag: 'only',
    what: 'fit',
    argv: ['minimal-xen.yaml', '-o', 'OUT', '--only', 'fit'],
    code: 0,
    files: ['boot.itb', 'plan.json'],
  },
  {
    flag: 'only',
    what: 'fit without a Xen image is an error',
    argv: ['minimal.yaml', '-o', 'OUT', '--only', 'fit'],
    code: 1,
    files: [],
  },
  {
    flag: 'only',
    what: 'blob',
    argv: ['minimal.yaml', '-o', 'OUT', '--only', 'blob'],
    code: 0,
    files: ['createdomain.bin', 'plan.json'],
  },
  {
    flag: 'only',
    what: 'xl',
    argv: ['dom0-runtime.yaml', '-o', 'OUT', '--only', 'xl'],
    code: 0,
    files: ['plan.json', 'runtime1-kernel.img', 'runtime2-kernel.img', 'xl/runtime1.cfg', 'xl/runtime2.cfg'],
  },
  {
    flag: 'only',
    what: 'x86 (x86_64)',
    argv: ['x86-dom0.yaml', '-o', 'OUT', '--only', 'x86'],
    code: 0,
    files: ['grub.cfg', 'plan.json', 'xen.cfg'],
  },
  {
    flag: 'only',
    what: 'blob,xl (x86_64)',
    argv: ['x86-dom0.yaml', '-o', 'OUT', '--only', 'blob,xl'],
    code: 0,
    files: ['createdomain.bin', 'plan.json'],
  },
  {
    flag: 'only',
    what: 'hyperlaunch (x86_64)',
    argv: ['x86-dom0.yaml', '-o', 'OUT', '--only', 'hyperlaunch'],
    code: 0,
    files: ['hyperlaunch.dtb', 'hyperlaunch.dts', 'plan.json'],
    check: (r) => expect(r.stderr).toMatch(/EXPERIMENTAL/),
  },
  {
    flag: 'only',
    what: 'dtb on x86_64 is a usage error',
    argv: ['x86-dom0.yaml', '-o', 'OUT', '--only', 'dtb'],
    code: 2,
    files: [],
  },
  {
    flag: 'only',
    what: 'uboot,fit on x86_64 is a usage error',
    argv: ['x86-dom0.yaml', '-o', 'OUT', '--only', 'uboot,fit'],
    code: 2,
    files: [],
  },
  {
    flag: 'only',
    what: 'x86 on Arm is a usage error',
    argv: ['minimal.yaml', '-o', 'OUT', '--only', 'x86'],
    code: 2,
    files: [],
  },
  {
    flag: 'only',
    what: 'an unknown output is a usage error',
    argv: ['minimal.yaml', '-o', 'OUT', '--only', 'nope'],
    code: 2,
    files: [],
  },
  {
    flag: 'hyperlaunch',
    what: 'x86 default plus the EXPERIMENTAL tree, loud on stderr',
    argv: ['x86-dom0.yaml', '-o', 'OUT', '--hyperlaunch'],
    code: 0,
    files: [...X86, 'hyperlaunch.dtb', 'hyperlaunch.dts'].sort(),
    check: (r) => expect(r.stderr).toMatch(/EXPERIMENTAL/),
  },
  {
    flag: 'hyperlaunch',
    what: 'with --only x86',
    argv: ['x86-dom0.yaml', '-o', 'OUT', '--only', 'x86', '--hyperlaunch'],
    code: 0,
    files: ['grub.cfg', 'hyperlaunch.dtb', 'hyperlaunch.dts', 'plan.json', 'xen.cfg'],
  },
  {
    flag: 'hyperlaunch',
    what: 'on Arm is a usage error',
    argv: ['minimal.yaml', '-o', 'OUT', '--hyperlaunch'],
    code: 2,
    files: [],
  },
  {
    flag: 'board',
    what: 'overrides the config board (RAM size lands in plan.json)',
    argv: ['minimal.yaml', '-o', 'OUT', '--board', 'qemu-virt-arm64:ram=1G'],
    code: 0,
    has: ARM,
    check: (r) =>
      expect(JSON.parse(readFileSync(join(r.out, 'plan.json'), 'utf8')).board.ram).toEqual([
        { start: '0x40000000', size: '0x40000000' },
      ]),
  },
  {
    flag: 'board-dtb',
    what: "the board's tree from a file",
    argv: ['minimal.yaml', '-o', 'OUT', '--board-dtb', 'board.dtb'],
    code: 0,
    has: ARM,
  },
  {
    flag: 'validate',
    what: '--validate (the default)',
    argv: ['minimal.yaml', '-o', 'OUT', '--validate'],
    code: 0,
    has: ARM,
  },
  {
    flag: 'validate',
    what: '--no-validate still writes a valid system',
    argv: ['minimal.yaml', '-o', 'OUT', '--no-validate'],
    code: 0,
    has: ARM,
  },
  {
    flag: 'dynamic',
    what: 'the script computes addresses at boot',
    argv: ['minimal.yaml', '-o', 'OUT', '--only', 'uboot', '--dynamic'],
    code: 0,
    has: ['boot.scr', 'boot.source'],
    check: (r) => expect(readFileSync(join(r.out, 'boot.source'), 'utf8')).toMatch(/^setexpr /m),
  },
  {
    flag: 'force',
    what: 'replaces a folder dombuild did not write',
    argv: ['minimal.yaml', '-o', 'OUT', '--force'],
    code: 0,
    has: ARM,
    hasNot: ['stray.txt'],
  },
];

describe('dombuild build: every flag of --help works', () => {
  it('the table covers exactly the flags --help lists', async () => {
    const help = await cli(['build', '--help']);
    expect(help.code).toBe(0);
    const listed = new Set([...help.stdout.matchAll(/^\s+(?:-\w, )?--([a-z][a-z-]*)/gm)].map((m) => m[1]!));
    expect([...new Set(rows.map((r) => r.flag))].sort()).toEqual([...listed].sort());
  });

  it.each(rows.map((r, i) => [`--${r.flag}: ${r.what}`, i] as const))('%s', async (_name, i) => {
    const row = rows[i]!;
    const out = join(work, `out-${i}`);
    if (row.flag === 'board-dtb' && !existsSync(join(ex, 'board.dtb'))) {
      const b = await resolveBoard('qemu-virt-arm64', {
        configDir: ex,
        qemu: 'auto',
        path: process.env.PATH ?? '',
        cacheDir: env.DOMBUILD_CACHE,
      });
      expect(b.tree, JSON.stringify(b.diagnostics)).toBeDefined();
      writeFileSync(join(ex, 'board.dtb'), writeDtb(b.tree!));
    }
    if (row.flag === 'force') {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'stray.txt'), 'not dombuild output\n');
    }
    const r = await cli(['build', ...row.argv.map((a) => (a === 'OUT' ? out : a))]);
    expect(r.code, r.stderr).toBe(row.code);
    const files = listFiles(out);
    if (row.files) expect(files).toEqual(row.files);
    for (const n of row.has ?? []) expect(files, n).toContain(n);
    for (const n of row.hasNot ?? []) expect(files, n).not.toContain(n);
    row.check?.({ ...r, out });
  });
});
