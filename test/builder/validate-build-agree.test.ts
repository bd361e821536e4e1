// validate and build run one check table (builder/pipeline), so a config is valid for both or for
// neither. Judged through the CLI on every example and on every check's failing and passing
// fixture: the error ids validate reports are exactly those build refuses with, and validate exits
// 0 exactly when build writes its folder. The one designed difference: build needs the files a
// config names, so it raises image-missing to an error (validate --error image-missing is build's
// verdict); every file a fixture names gets a small stand-in so that difference does not hide others.
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { fixtures } from '../schema/checks/fixtures.js';
import { gateFixtures } from '../schema/checks/gate-fixtures.js';
import type { Input, RunOptions } from '../schema/helpers.js';
import { runCliCaptured } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// build finds its media tools (genimage, mtools) on PATH and dumps QEMU boards' trees into this
// cache once; validate builds the equivalent tree itself (proven identical in test/boards).
const env = { PATH: process.env.PATH ?? '', DOMBUILD_CACHE: tempDir('dombuild-agree-cache-') };

interface Verdict {
  code: number;
  errors: string[];
}

async function validateVerdict(file: string, cwd: string): Promise<Verdict & { missing: string[] }> {
  const r = await runCliCaptured(['validate', file, '--json', '--error', 'image-missing'], { cwd, env });
  const doc = JSON.parse(r.stdout) as { diagnostics: { id: string; severity: string; message: string }[] };
  const errors = doc.diagnostics.filter((d) => d.severity === 'error');
  const missing = errors
    .filter((d) => d.id === 'image-missing')
    .map((d) => /cannot read (.+) \(ENOENT\)$/.exec(d.message)?.[1])
    .filter((p): p is string => p !== undefined);
  return { code: r.code, errors: errors.map((d) => d.id).sort(), missing };
}

async function buildVerdict(file: string, cwd: string): Promise<Verdict> {
  const out = join(tempDir('dombuild-agree-out-'), 'out');
  const r = await runCliCaptured(['build', file, '-o', out], { cwd, env });
  const errors = [...r.stderr.matchAll(/\berror \(([a-z0-9-]+)\)/g)].map((m) => m[1] as string).sort();
  return { code: r.code, errors };
}

/** Both verdicts, after giving every file the config names a stand-in (a gzip of zeros). */
async function agree(file: string, cwd: string): Promise<{ validate: Verdict; build: Verdict }> {
  let v = await validateVerdict(file, cwd);
  if (v.missing.length > 0) {
    for (const p of v.missing) {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, gzipSync(new Uint8Array(4096)));
    }
    v = await validateVerdict(file, cwd);
  }
  const b = await buildVerdict(file, cwd);
  return { validate: { code: v.code, errors: v.errors }, build: b };
}

function expectAgreement(v: Verdict, b: Verdict): void {
  expect(b.errors).toEqual(v.errors);
  expect(v.code === 0).toBe(b.code === 0);
}

/** A fixture as files: the config, and the Kconfig it is judged with. Board facts have no file form. */
function writeFixture(dir: string, input: Input, opts: RunOptions | undefined): string | undefined {
  if (opts?.board) return undefined;
  const config = structuredClone(input) as Record<string, unknown>;
  if (opts?.kconfig !== undefined) {
    writeFileSync(join(dir, 'xen.config'), opts.kconfig);
    config.xen = { ...(config.xen as object), kconfig: 'xen.config' };
  }
  const file = join(dir, 'system.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

describe('validate and build agree', () => {
  it.each(readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')))(
    'on examples/%s',
    async (name) => {
      const dir = tempDir('dombuild-agree-');
      copyFileSync(join(root, 'examples', name), join(dir, name));
      const kconfig = join(root, 'examples', 'static-partitioning.config');
      if (existsSync(kconfig)) copyFileSync(kconfig, join(dir, 'static-partitioning.config'));
      const { validate, build } = await agree(join(dir, name), dir);
      expectAgreement(validate, build);
      expect(validate.code).toBe(0);
    },
  );

  const all = { ...fixtures, ...gateFixtures() };
  const cases = Object.entries(all).flatMap(([id, f]) => [
    [id, 'bad', f.bad, f.badOpts] as const,
    [id, 'good', f.good, f.goodOpts] as const,
  ]);
  // Fixtures judged against in-memory board facts (a GIC without SPIs, an SMMU...) have no file
  // form for the CLI; they are named here so none is left out silently.
  const boardOnly = cases.filter(([, , , o]) => o?.board).map(([id, kind]) => `${id} (${kind})`);

  it('covers every fixture but those judged against in-memory board facts', () => {
    expect(cases.length - boardOnly.length).toBeGreaterThan(100);
    expect(boardOnly.length).toBeLessThan(cases.length / 4);
  });

  it.each(
    cases.filter(([, , , o]) => !o?.board).map(([id, kind, input, opts]) => [`${id} (${kind})`, input, opts]),
  )(
    'on the %s fixture',
    async (_name, input, opts) => {
      const dir = tempDir('dombuild-agree-');
      const file = writeFixture(dir, input as Input, opts as RunOptions | undefined) as string;
      const { validate, build } = await agree(file, dir);
      expectAgreement(validate, build);
    },
    20_000,
  );
});
