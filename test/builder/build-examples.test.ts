// Golden outputs for every example, through the real CLI: `dombuild build <example> -o <dir>`.
// Reviewed by hand once against reference/xen-dt-bindings.md; regenerate deliberately with
// UPDATE_GOLDEN=1 (never silently). Building twice must give the same bytes.
import { spawnSync } from 'node:child_process';
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
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { probeGuestImage } from '../../images/probe.js';
import { requireTools } from '../support/tools.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const goldenDir = fileURLToPath(new URL('./golden/build/', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';
const work = mkdtempSync(join(tmpdir(), 'dombuild-build-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// The examples are built from a copy, with the output folder inside it (the boot root), and the
// images the runner normally fetches for dom0-runtime replaced by small stand-ins.
const examplesCopy = join(work, 'examples');
cpSync(join(root, 'examples'), examplesCopy, { recursive: true });
mkdirSync(join(examplesCopy, 'images', 'dom0'), { recursive: true });
writeFileSync(join(examplesCopy, 'images', 'dom0', 'vmlinuz'), probeGuestImage({ marker: 'dom0 stand-in' }));
writeFileSync(join(examplesCopy, 'images', 'dom0', 'initrd.cpio.gz'), new Uint8Array(4096).fill(0x5a));
mkdirSync(join(examplesCopy, 'images', 'x86'), { recursive: true });
writeFileSync(join(examplesCopy, 'images', 'x86', 'vmlinuz'), new Uint8Array(8192).fill(0x4b));
writeFileSync(join(examplesCopy, 'images', 'x86', 'initrd.cpio.gz'), new Uint8Array(4096).fill(0x5a));

/** Every file under `dir`, as '/'-separated paths relative to it, sorted (xl/ is a subfolder). */
function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((n) => statSync(join(dir, n)).isFile())
    .map((n) => n.split('\\').join('/'))
    .sort();
}

async function build(
  example: string,
  out: string,
  flags: string[] = [],
): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const argv =
    example === '' ? ['build', ...flags] : ['build', join(examplesCopy, example), '-o', out, ...flags];
  const code = await runCli(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: async () => new Uint8Array(),
    cwd: root,
    env: { ...process.env, DOMBUILD_CACHE: join(work, 'cache'), SOURCE_DATE_EPOCH: '1700000000' },
    isTTY: false,
  });
  return { code, stderr, stdout };
}

const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml'));
/** The output files the CLI contract (design.md) names for each arch. */
const REQUIRED = {
  arm: [
    'system.dtb',
    'chosen.dtsi',
    'chosen.dtbo',
    'boot.source',
    'boot.scr',
    'createdomain.bin',
    'plan.json',
  ],
  x86: ['grub.cfg', 'xen.cfg', 'createdomain.bin', 'plan.json'],
  // boot.method efi: no U-Boot script; efi.img needs Xen, which the example leaves to `run`.
  efi: ['system.dtb', 'chosen.dtsi', 'chosen.dtbo', 'createdomain.bin', 'plan.json'],
};
const grubGate = requireTools(['grub-script-check'], 'apt-get install grub-common');
const dtcGate = requireTools(['dtc'], 'apt-get install device-tree-compiler');

describe.each(examples)('dombuild build examples/%s', (example) => {
  it('matches the reviewed golden files and is deterministic', async () => {
    const out = join(examplesCopy, `out-${example.replace(/\.yaml$/, '')}`);
    const first = await build(example, out);
    expect(first.code, first.stderr).toBe(0);
    // QEMU's tree has no /aliases: an example with dtuart=serial0 boots a silent Xen under U-Boot
    expect(first.stderr).not.toContain('(dtuart-alias)');
    const names = listFiles(out);
    const firstBytes = new Map(names.map((n) => [n, readFileSync(join(out, n))]));
    // building again replaces the folder as a whole, with the same bytes
    const again = await build(example, out);
    expect(again.code, again.stderr).toBe(0);
    expect(listFiles(out)).toEqual(names);
    for (const n of names) expect(readFileSync(join(out, n)), n).toEqual(firstBytes.get(n));
    for (const required of REQUIRED[
      example.startsWith('x86') ? 'x86' : example === 'efi.yaml' ? 'efi' : 'arm'
    ])
      expect(names).toContain(required);

    const gold = join(goldenDir, example.replace(/\.yaml$/, ''));
    if (update) {
      rmSync(gold, { recursive: true, force: true });
      mkdirSync(gold, { recursive: true });
      for (const n of names) {
        mkdirSync(dirname(join(gold, n)), { recursive: true });
        writeFileSync(join(gold, n), firstBytes.get(n)!);
      }
    }
    expect(existsSync(gold), `no golden files for ${example}: run with UPDATE_GOLDEN=1 and review them`).toBe(
      true,
    );
    expect(listFiles(gold)).toEqual(names);
    for (const n of names) expect(firstBytes.get(n), n).toEqual(readFileSync(join(gold, n)));
  });
});

describe('dombuild build: what the examples need beyond the golden bytes', () => {
  it('every xl config of a runtime domain names a kernel the build wrote (dom0-runtime)', async () => {
    const out = join(examplesCopy, 'out-xl-names');
    const r = await build('dom0-runtime.yaml', out);
    expect(r.code, r.stderr).toBe(0);
    const cfgs = listFiles(out).filter((n) => n.startsWith('xl/'));
    expect(cfgs).toEqual(['xl/runtime1.cfg', 'xl/runtime2.cfg']);
    for (const cfg of cfgs) {
      const kernel = /^kernel = "([^"]+)"$/m.exec(readFileSync(join(out, cfg), 'utf8'))?.[1];
      expect(kernel, cfg).toBeDefined();
      const file = kernel!.slice(kernel!.lastIndexOf('/') + 1);
      expect(existsSync(join(out, file)), `${cfg} names ${kernel}`).toBe(true);
    }
  });

  it.skipIf(!grubGate.available)(`x86: grub-script-check accepts grub.cfg ${grubGate.reason}`, async () => {
    const out = join(examplesCopy, 'out-x86-grub');
    const r = await build('x86-dom0.yaml', out);
    expect(r.code, r.stderr).toBe(0);
    const check = spawnSync('grub-script-check', [join(out, 'grub.cfg')], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    // no DTB, no U-Boot script on x86
    expect(listFiles(out).filter((n) => /\.(dtb|scr|itb)$/.test(n))).toEqual([]);
  });

  it.skipIf(!dtcGate.available)(
    `x86 --hyperlaunch: the EXPERIMENTAL tree, marked in the files and on stderr, read by dtc ${dtcGate.reason}`,
    async () => {
      const out = join(examplesCopy, 'out-x86-hyperlaunch');
      const r = await build('x86-dom0.yaml', out, ['--hyperlaunch']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/EXPERIMENTAL/);
      expect(readFileSync(join(out, 'hyperlaunch.dts'), 'utf8').split('\n')[0]).toMatch(/EXPERIMENTAL/);
      const dts = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', join(out, 'hyperlaunch.dtb')], {
        encoding: 'utf8',
      });
      expect(dts.status, dts.stderr).toBe(0);
      expect(dts.stdout).toMatch(/dombuild,status = "EXPERIMENTAL/);
      for (const n of REQUIRED.x86) expect(existsSync(join(out, n)), n).toBe(true);
    },
  );
});
