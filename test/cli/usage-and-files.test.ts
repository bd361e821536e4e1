// Exit codes at the edges: a bad flag value is a usage error, an unreadable config still gives
// --json callers a report, and validate refuses a config whose files build could not read.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'dombuild-usage-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (argv: string[]) => runCliCaptured(argv, { cwd: work, env: { PATH: process.env.PATH } });

const config = (name: string, text: string) => {
  writeFileSync(join(work, name), text);
  return name;
};
const probeOnly = config(
  'probe.yaml',
  'xen: { release: "4.20" }\nboard: qemu-virt-arm64\ndomains:\n  - { name: a, kernel: probe, memory: 64M }\n',
);

describe('usage errors', () => {
  it('a malformed --board value is exit 2 with the reason', async () => {
    for (const cmd of [['plan'], ['build', '-o', 'out-bad-board']]) {
      const r = await cli([...cmd, probeOnly, '--board', 'qemu-virt-arm64:ram=1Q']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('ram=1Q');
      const unknown = await cli([...cmd, probeOnly, '--board', 'no-such-board']);
      expect(unknown.code, unknown.stderr).toBe(2);
    }
    expect(existsSync(join(work, 'out-bad-board'))).toBe(false);
  });

  it('validate --json on a missing file prints a JSON report with the error, exit 2', async () => {
    const r = await cli(['validate', 'missing.yaml', '--json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.format).toBe('dombuild-diagnostics');
    expect(doc.valid).toBe(false);
    expect(doc.error).toMatchObject({ code: 'ENOENT', path: join(work, 'missing.yaml') });
  });
});

describe('validate checks the files a config names', () => {
  it('a missing kernel, ramdisk or Xen is an image-missing warning at its field; probe and placeholders pass', async () => {
    const file = config(
      'files.yaml',
      'xen: { release: "4.20", image: nope/xen }\nboard: qemu-virt-arm64\ndomains:\n' +
        '  - { name: a, kernel: nope/Image, ramdisk: nope/initrd, memory: 64M }\n' +
        '  - { name: b, kernel: probe, memory: 64M }\n',
    );
    // A warning by default (a build system may not have made the images yet), an error on request.
    const r = await cli(['validate', file, '--json']);
    expect(r.code).toBe(0);
    expect((await cli(['validate', file, '--error', 'image-missing'])).code).toBe(1);
    expect((await cli(['validate', file, '--no-check', 'image-missing', '--strict'])).code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      diagnostics: { id: string; path: string; line: number; severity: string }[];
    };
    const missing = doc.diagnostics.filter((d) => d.id === 'image-missing');
    expect(missing.every((d) => d.severity === 'warning')).toBe(true);
    expect(missing.map((d) => [d.path, d.line]).sort()).toEqual([
      ['domains[0].kernel', 4],
      ['domains[0].ramdisk', 4],
      ['xen.image', 1],
    ]);
    expect((await cli(['validate', probeOnly])).code).toBe(0);
  });
});
