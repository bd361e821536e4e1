// CLI wiring for validate and schema, run in-process through runCli.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const repo = new URL('../../', import.meta.url).pathname;

const cli = (argv: string[], cwd = repo) => runCliCaptured(argv, { cwd });

function tempConfig(text: string): string {
  const dir = tempDir('dombuild-validate-');
  const file = join(dir, 'sys.yaml');
  writeFileSync(file, text);
  // validate checks that the files a config names exist: the Xen image `bad` names.
  writeFileSync(join(dir, 'xen'), new Uint8Array(4096));
  return file;
}

const bad = `xen: { release: "4.21", image: xen }
board: qemu-virt-arm64
domains:
  - { name: a, kernel: probe, memory: 64M, directMap: true }
`;

describe('dombuild validate', () => {
  it('exits 0 on a valid example and prints a summary', async () => {
    const r = await cli(['validate', 'examples/minimal.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('xen-image-missing');
  });

  it('exits 1 with located diagnostics on an invalid config', async () => {
    const r = await cli(['validate', tempConfig(bad)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/sys\.yaml:4:\d+: error \[direct-map-needs-static-mem\]/);
  });

  it('--json prints the stable report', async () => {
    const r = await cli(['validate', tempConfig(bad), '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.format).toBe('dombuild-diagnostics');
    expect(doc.version).toBe(1);
    expect(doc.valid).toBe(false);
    expect(doc.diagnostics.map((d: { id: string }) => d.id)).toContain('direct-map-needs-static-mem');
    expect(Object.keys(doc.diagnostics[0])).toEqual([
      'id',
      'severity',
      'path',
      'message',
      'hint',
      'ref',
      'file',
      'line',
      'col',
    ]);
  });

  it('warnings fail only with --strict; --no-check and --warn change checks by id', async () => {
    expect((await cli(['validate', 'examples/minimal.yaml', '--strict'])).code).toBe(1);
    expect(
      (await cli(['validate', 'examples/minimal.yaml', '--strict', '--no-check', 'xen-image-missing'])).code,
    ).toBe(0);
    expect((await cli(['validate', tempConfig(bad), '--warn', 'direct-map-needs-static-mem'])).code).toBe(0);
    expect((await cli(['validate', 'examples/minimal.yaml', '--error', 'xen-image-missing'])).code).toBe(1);
  });

  it('exits 2 on usage and I/O errors', async () => {
    expect((await cli(['validate', 'no/such/file.yaml'])).code).toBe(2);
    expect((await cli(['validate', 'examples/minimal.yaml', '--no-check', 'not-a-check'])).code).toBe(2);
    expect((await cli(['validate'])).code).toBe(2);
  });

  it('reads the Kconfig the config names, relative to the config', async () => {
    const r = await cli(['validate', 'examples/static-partitioning.yaml', '--json']);
    expect(JSON.parse(r.stdout).diagnostics.map((d: { id: string }) => d.id)).not.toContain(
      'kconfig-unreadable',
    );
    const missing = tempConfig(bad.replace('image: xen', 'image: xen, kconfig: nope.config'));
    expect((await cli(['validate', missing, '--json'])).stdout).toContain('kconfig-unreadable');
  });
});

describe('dombuild schema', () => {
  it('prints the reference and the JSON Schema', async () => {
    const md = await cli(['schema']);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('# dombuild config reference');
    const js = await cli(['schema', '--json-schema']);
    expect(js.code).toBe(0);
    expect(JSON.parse(js.stdout).title).toBe('dombuild system config');
  });
});
