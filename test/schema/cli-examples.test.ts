// Every example passes `dombuild validate` end to end: board resolution (including the built-in
// x86 board, which has no DTB), the schema's checks and the createdomain checks.
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';
import { tempDir } from '../support/tmp.js';

const repo = new URL('../../', import.meta.url).pathname;
const examples = readdirSync(new URL('examples/', `file://${repo}`)).filter((f) => /\.ya?ml$/.test(f));
// validate checks that the files a config names exist. The Linux dom0 images are unpacked by the
// e2e setup, so the examples are validated from a copy with small gzip stand-ins in their place.
const DOM0_IMAGES = [
  'images/dom0/vmlinuz',
  'images/dom0/initrd.cpio.gz',
  'images/x86/vmlinuz',
  'images/x86/initrd.cpio.gz',
];
const copy = tempDir('dombuild-examples-');
cpSync(join(repo, 'examples'), copy, { recursive: true });
for (const f of DOM0_IMAGES) {
  mkdirSync(dirname(join(copy, f)), { recursive: true });
  writeFileSync(join(copy, f), gzipSync(new Uint8Array(4096)));
}

async function validateJson(file: string) {
  let stdout = '';
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: () => {},
    readStdin: async () => new Uint8Array(),
    cwd: repo,
    env: {},
    isTTY: false,
  };
  const code = await runCli(['validate', file, '--json'], io);
  return { code, doc: JSON.parse(stdout) as { diagnostics: { id: string; severity: string }[] } };
}

describe('dombuild validate on examples/', () => {
  it('finds the examples', () => expect(examples).toContain('x86-dom0.yaml'));
  it.each(examples)('%s exits 0 with no errors', async (name) => {
    const r = await validateJson(join(copy, name));
    expect(r.doc.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.code).toBe(0);
  });
  it('without the dom0 images, dom0-runtime warns at the files it names (image-missing) and fails only when asked', async () => {
    // The config alone, in a folder of its own: the e2e setup may have unpacked images in examples/.
    const alone = join(tempDir('dombuild-example-alone-'), 'dom0-runtime.yaml');
    cpSync(join(repo, 'examples', 'dom0-runtime.yaml'), alone);
    const r = await validateJson(alone);
    expect(r.code).toBe(0);
    const missing = r.doc.diagnostics.filter((d) => d.id === 'image-missing');
    expect(missing.map((d) => d.severity)).toEqual(['warning', 'warning']);
    expect(r.doc.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const io: CliIO = {
      stdout: () => {},
      stderr: () => {},
      readStdin: async () => new Uint8Array(),
      cwd: repo,
      env: {},
      isTTY: false,
    };
    expect(await runCli(['validate', alone, '--error', 'image-missing'], io)).toBe(1);
    expect(await runCli(['validate', alone, '--strict', '--no-check', 'xen-image-missing'], io)).toBe(1);
  });
});
