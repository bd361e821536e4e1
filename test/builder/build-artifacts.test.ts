import {
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
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactsError, OUTPUT_MARKER, writeArtifacts } from '../../builder/artifacts.js';

const work = mkdtempSync(join(tmpdir(), 'dombuild-artifacts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const bytes = (s: string) => new TextEncoder().encode(s);

describe('writeArtifacts', () => {
  it('creates the folder with exactly the given files, readable like any folder', async () => {
    const out = join(work, 'a', 'out');
    const names = await writeArtifacts(
      new Map([
        ['x.txt', bytes('x')],
        ['sub/y.bin', bytes('y')],
      ]),
      out,
    );
    expect(names).toEqual(['x.txt', 'sub/y.bin']);
    expect(readFileSync(join(out, OUTPUT_MARKER), 'utf8')).toMatch(/\nsub\/y\.bin\nx\.txt\n$/);
    expect(readFileSync(join(out, 'x.txt'), 'utf8')).toBe('x');
    expect(readFileSync(join(out, 'sub', 'y.bin'), 'utf8')).toBe('y');
    expect(statSync(out).mode & 0o077).not.toBe(0);
    expect(readdirSync(join(work, 'a'))).toEqual(['out']);
  });

  it('replaces its earlier output as a whole: stale files go, no temp folder is left', async () => {
    const out = join(work, 'b');
    await writeArtifacts(new Map([['stale.txt', bytes('old')]]), out);
    await writeArtifacts(new Map([['new.txt', bytes('new')]]), out);
    expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'new.txt']);
    expect(readdirSync(work).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('refuses names that leave the folder and leaves the old folder untouched', async () => {
    const out = join(work, 'c');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'keep');
    for (const bad of ['../escape', '/abs', 'a/../../b', '..']) {
      await expect(writeArtifacts(new Map([[bad, bytes('!')]]), out)).rejects.toBeInstanceOf(ArtifactsError);
    }
    expect(readdirSync(out)).toEqual(['keep.txt']);
    expect(existsSync(join(work, 'escape'))).toBe(false);
  });

  it('refuses a destination that is a file', async () => {
    const out = join(work, 'd');
    writeFileSync(out, 'file');
    await expect(writeArtifacts(new Map([['x', bytes('x')]]), out)).rejects.toMatchObject({
      code: 'ENOTDIR',
    });
    expect(readFileSync(out, 'utf8')).toBe('file');
  });
});
