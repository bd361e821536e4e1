// Arguments yargs refuses stop the CLI before any command runs: exit 2, the usage, the message.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'dombuild-argv-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
writeFileSync(
  join(work, 'sys.yaml'),
  'xen: { release: "4.20" }\nboard: qemu-virt-arm64\ndomains:\n  - { name: a, kernel: probe, memory: 64M }\n',
);

const cli = (argv: string[]) =>
  runCliCaptured(argv, { cwd: work, env: { PATH: process.env.PATH, HOME: join(work, 'home') } });

describe('usage errors stop before the command runs', () => {
  it('a mistyped flag writes nothing', async () => {
    const r = await cli(['build', 'sys.yaml', '-o', 'out', '--onyl', 'dtb']);
    expect(r.code).toBe(2);
    expect(existsSync(join(work, 'out'))).toBe(false);
    expect(r.stderr).toContain('onyl');
    expect(r.stderr).toContain('dombuild build <config>');
    expect(r.stderr).not.toContain('resolving the board');
  });

  it('a missing config names the argument', async () => {
    for (const argv of [['validate'], ['build', '-o', 'out'], ['plan']]) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain('<config>');
      expect(r.stderr).not.toContain('undefined');
    }
    expect(existsSync(join(work, 'out'))).toBe(false);
  });

  it('a missing required flag, a bad choice and an unknown command are usage errors', async () => {
    expect((await cli(['build', 'sys.yaml'])).code).toBe(2);
    expect((await cli(['run', 'sys.yaml', '--method', 'floppy'])).code).toBe(2);
    expect((await cli(['bogus'])).code).toBe(2);
    expect((await cli([])).code).toBe(2);
  });

  it('--help still prints to stdout with exit 0', async () => {
    const r = await cli(['build', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--force');
  });
});
