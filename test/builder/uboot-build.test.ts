// The script `dombuild build` writes for the minimal example, run by real U-Boot on the same QEMU
// machine the board describes: every load succeeds, and the /chosen U-Boot builds is the /chosen
// of system.dtb (QEMU's random seeds aside). booti is replaced by the comparison.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { QEMU_VIRT_DEFAULTS, qemuVirtArgs } from '../../boards/index.js';
import { runCli } from '../../cli/main.js';
import { readDtb } from '../../devicetree/index.js';
import { requireTools } from '../support/tools.js';
import { normaliseUbootPrint, ubootPrint } from './uboot-print.js';
import { runUbootScript, UBOOT_BIN } from './uboot-qemu-harness.js';

const gate = requireTools(['qemu-system-aarch64'], 'apt-get install qemu-system-arm u-boot-qemu');
const ok = gate.available && existsSync(UBOOT_BIN);
const root = fileURLToPath(new URL('../../', import.meta.url));

describe.skipIf(!ok)(`real U-Boot runs the built boot.source (${gate.reason || 'u-boot.bin'})`, () => {
  const work = mkdtempSync(join(tmpdir(), 'dombuild-ubuild-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('examples/minimal.yaml: loads every image and builds system.dtb’s /chosen', async () => {
    const out = join(root, 'examples', `.uboot-test-${process.pid}`);
    try {
      const code = await runCli(['build', join(root, 'examples', 'minimal.yaml'), '-o', out], {
        stdout: () => {},
        stderr: () => {},
        readStdin: async () => new Uint8Array(),
        cwd: root,
        env: { ...process.env, DOMBUILD_CACHE: join(work, 'cache'), SOURCE_DATE_EPOCH: '0' },
        isTTY: false,
      });
      expect(code).toBe(0);
      const source = readFileSync(join(out, 'boot.source'), 'utf8');
      const lines = source.trimEnd().split('\n');
      expect(lines.pop()).toMatch(
        /^if env exists db_failed; then .* else booti 0x[0-9a-f]+ - 0x[0-9a-f]+; fi$/,
      );
      // The TFTP root is the boot root (the examples folder): generated images and a stand-in Xen.
      const files: Record<string, Uint8Array> = { xen: new Uint8Array(0x1000) };
      for (const n of readdirSync(out))
        files[relative(join(root, 'examples'), join(out, n))] = readFileSync(join(out, n));
      const run = await runUbootScript(
        `${lines.join('\n')}\nfdt print /chosen\nprintenv db_failed\n`,
        files,
        qemuVirtArgs(QEMU_VIRT_DEFAULTS),
      );
      expect(run.found, run.output.slice(-3000)).toBe(true);
      expect(run.body).toContain('## Error: "db_failed" not defined');
      const system = readDtb(new Uint8Array(readFileSync(join(out, 'system.dtb'))));
      const printed = run.body.slice(run.body.indexOf('chosen {'), run.body.indexOf('## Error: "db_failed"'));
      const noSeeds = (s: string) =>
        s
          .split('\n')
          .filter((l) => !/^\s*(rng-seed|kaslr-seed) = /.test(l))
          .join('\n');
      expect(noSeeds(normaliseUbootPrint(printed))).toBe(noSeeds(ubootPrint(system.lookup('/chosen')!)));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('hostile strings in a config', () => {
  const work = mkdtempSync(join(tmpdir(), 'dombuild-hostile-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const build = async (cmdline: string) => {
    const cfg = join(work, 'c.yaml');
    writeFileSync(
      cfg,
      `xen: { release: "4.17" }\nboard: qemu-virt-arm64:gic=3\ndomains:\n  - { name: g, kernel: probe, memory: 64M, cmdline: ${JSON.stringify(cmdline)} }\n`,
    );
    let stderr = '';
    const code = await runCli(['build', cfg, '-o', join(work, 'out'), '--only', 'uboot'], {
      stdout: () => {},
      stderr: (t) => {
        stderr += t;
      },
      readStdin: async () => new Uint8Array(),
      cwd: work,
      env: { ...process.env, DOMBUILD_CACHE: join(work, 'cache'), SOURCE_DATE_EPOCH: '0' },
      isTTY: false,
    });
    return { code, stderr, source: code === 0 ? readFileSync(join(work, 'out', 'boot.source'), 'utf8') : '' };
  };

  // A backslash is refused too: real U-Boot strips it even inside single quotes.
  it.each(["a'; reset; '", 'a\nreset', 'caf\u00e9', 'a\\b'])(
    'refuses %j with exit 1 and no script',
    async (s) => {
      const r = await build(s);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error \((uboot-safe-strings|uboot-unsafe-string|[a-z-]*string[a-z-]*)\)/);
    },
  );

  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal U-Boot variable reference is the point
  it.each(['; reset', '$(reset)', '${bootcmd}', '" && reset'])(
    'writes %j single-quoted, verbatim',
    async (s) => {
      const r = await build(s);
      expect(r.code, r.stderr).toBe(0);
      expect(r.source).toContain(` 'bootargs' '${s}' || setenv db_failed 1\n`);
    },
  );
});
