// The output folder: dombuild replaces only what it wrote itself, never where the user stands.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactsError, OUTPUT_MARKER, writeArtifacts } from '../../builder/artifacts.js';
import type { CliIO } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';

const work = mkdtempSync(join(tmpdir(), 'dombuild-outdir-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const bytes = (s: string) => new TextEncoder().encode(s);
const one = new Map([['x.txt', bytes('x')]]);
let n = 0;
const fresh = (name: string) => {
  const d = join(work, `${name}-${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

// A config the build accepts: the built-in probe guest, QEMU's virt board described by its facts.
const CONFIG = `xen: { release: "4.20" }
board: qemu-virt-arm64
domains:
  - { name: a, kernel: probe, memory: 64M }
`;

async function cli(argv: string[], cwd: string, home?: string) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: async () => new Uint8Array(),
    cwd,
    env: { PATH: process.env.PATH, HOME: home ?? join(work, 'no-home') },
    isTTY: false,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('writeArtifacts replaces only its own folders', () => {
  it('refuses a folder with a file of the user, and leaves it untouched', async () => {
    const out = fresh('user');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await expect(writeArtifacts(one, out)).rejects.toMatchObject({ code: 'output-not-dombuild' });
    expect(readdirSync(out)).toEqual(['notes.txt']);
    expect(readdirSync(join(out, '..')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('replaces its own previous output, and refuses it once the user added a file', async () => {
    const out = join(fresh('own'), 'out');
    await writeArtifacts(
      new Map([
        ['old.txt', bytes('o')],
        ['sub/a.cfg', bytes('a')],
      ]),
      out,
    );
    expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'old.txt', 'sub']);
    await writeArtifacts(one, out);
    expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'x.txt']);
    writeFileSync(join(out, 'Image'), 'user kernel');
    await expect(writeArtifacts(one, out)).rejects.toMatchObject({ code: 'output-not-dombuild' });
    expect(readFileSync(join(out, 'Image'), 'utf8')).toBe('user kernel');
  });

  it('an empty folder is fine; force replaces a foreign one', async () => {
    const empty = fresh('empty');
    await writeArtifacts(one, empty);
    expect(readdirSync(empty).sort()).toEqual([OUTPUT_MARKER, 'x.txt']);
    const foreign = fresh('foreign');
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    await writeArtifacts(one, foreign, { force: true });
    expect(readdirSync(foreign).sort()).toEqual([OUTPUT_MARKER, 'x.txt']);
  });

  it('never replaces a kept folder or one holding it, even with force', async () => {
    const home = fresh('home');
    const inner = join(home, 'project');
    mkdirSync(inner);
    for (const out of [home, inner]) {
      await expect(writeArtifacts(one, out, { force: true, keep: [inner] })).rejects.toMatchObject({
        code: 'output-protected',
      });
    }
    expect(readdirSync(home)).toEqual(['project']);
    await expect(writeArtifacts(one, '/', { force: true })).rejects.toMatchObject({
      code: 'output-protected',
    });
  });

  it('names the file in the way of a path under it', async () => {
    const dir = fresh('file');
    writeFileSync(join(dir, 'plain'), 'x');
    const err = await writeArtifacts(one, join(dir, 'plain', 'deeper', 'out')).catch((e) => e);
    expect(err).toBeInstanceOf(ArtifactsError);
    expect(err.code).toBe('ENOTDIR');
    expect(err.message).toContain(join(dir, 'plain'));
    expect(err.message).not.toContain(join(dir, 'plain', 'deeper '));
  });
});

describe('dombuild xl -o --force', () => {
  const XL = `xen: { release: "4.20" }
board: qemu-virt-arm64
domains:
  - { name: r, kernel: probe, memory: 64M }
`;
  it('refuses a foreign folder without --force, replaces it with', async () => {
    const proj = fresh('xl-force');
    writeFileSync(join(proj, 'sys.yaml'), XL);
    const out = join(proj, 'xl');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const refused = await cli(['xl', 'sys.yaml', '--domain', 'r', '-o', 'xl'], proj);
    expect(refused.code).toBe(2);
    expect(readdirSync(out)).toEqual(['notes.txt']);
    const forced = await cli(['xl', 'sys.yaml', '--domain', 'r', '-o', 'xl', '--force'], proj);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'r.cfg']);
  });
});

describe('dombuild build -o', () => {
  it('refuses a folder of the user with exit 2 and a hint, writing nothing', async () => {
    const proj = fresh('cli-user');
    writeFileSync(join(proj, 'sys.yaml'), CONFIG);
    const out = join(proj, 'mine');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = await cli(['build', 'sys.yaml', '-o', 'mine'], proj);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(out);
    expect(r.stderr).toMatch(/hint: .*--force/);
    expect(readdirSync(out)).toEqual(['notes.txt']);
  });

  it('replaces its own output', async () => {
    const proj = fresh('cli-own');
    writeFileSync(join(proj, 'sys.yaml'), CONFIG);
    const first = await cli(['build', 'sys.yaml', '-o', 'out'], proj);
    expect(first.code, first.stderr).toBe(0);
    const names = readdirSync(join(proj, 'out')).sort();
    expect(names).toContain(OUTPUT_MARKER);
    const again = await cli(['build', 'sys.yaml', '-o', 'out'], proj);
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(join(proj, 'out')).sort()).toEqual(names);
  });

  it('--force replaces a folder dombuild did not write', async () => {
    const proj = fresh('cli-force');
    writeFileSync(join(proj, 'sys.yaml'), CONFIG);
    const foreign = join(proj, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const forced = await cli(['build', 'sys.yaml', '-o', 'foreign', '--force'], proj);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readdirSync(foreign)).not.toContain('notes.txt');
    expect(readdirSync(foreign)).toContain('plan.json');
    expect(readdirSync(foreign)).toContain(OUTPUT_MARKER);
  });

  it('never replaces the current folder, home or a folder holding the config, even with --force', async () => {
    const home = fresh('cli-home');
    const proj = join(home, 'proj');
    mkdirSync(proj);
    writeFileSync(join(proj, 'sys.yaml'), CONFIG);
    for (const [out, cwd] of [
      ['.', proj],
      [home, proj],
      ['~', home],
      [proj, work],
    ] as const) {
      const dest = out === '~' ? home : out;
      const r = await cli(['build', join(proj, 'sys.yaml'), '-o', dest, '--force'], cwd, home);
      expect(r.code, `${out}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/hint: /);
    }
    expect(readdirSync(home)).toEqual(['proj']);
    expect(readdirSync(proj)).toEqual(['sys.yaml']);
  });

  it('an output under a regular file: exit 2 naming that file', async () => {
    const proj = fresh('cli-file');
    writeFileSync(join(proj, 'sys.yaml'), CONFIG);
    writeFileSync(join(proj, 'blocker'), 'x');
    const r = await cli(['build', 'sys.yaml', '-o', 'blocker/out'], proj);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(proj, 'blocker'));
  });
});
