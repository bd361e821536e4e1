// bin/dombuild.js started as a program: the start-up snapshot is a cache that is checked before
// every use. A truncated blob, or one rewritten after it was described, must never reach node
// (which would crash on it): the command runs from the bundle, prints what the bundle prints, and
// the stale description is forgotten; in a checkout that can build one, a fresh snapshot appears.
// Each case runs in a copy of the launcher whose dist/ (and, for the rebuild, scripts/ and
// node_modules/) link to this checkout's, so the real .cache/snapshot is never touched.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';
import { inCI } from '../support/tools.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const realSnap = join(repo, '.cache', 'snapshot');
const hasDist = existsSync(join(repo, 'dist', 'cli.js'));
const hasSnapshot = existsSync(join(realSnap, 'cli.blob')) && existsSync(join(realSnap, 'cli.node'));
// npm ci builds both (prepare); under CI a checkout without them is a failure, not a skip.
if (inCI && (!hasDist || !hasSnapshot))
  throw new Error(
    `CI=true and ${hasDist ? '.cache/snapshot' : 'dist/cli.js'} is missing: npm ci (prepare) builds it`,
  );

/** A launcher copy with its own .cache/snapshot; `buildable` also links what a rebuild needs. */
function launcherCopy(buildable = false): { root: string; bin: string; snap: string } {
  const root = tempDir('dombuild-launcher-');
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(repo, 'bin', 'dombuild.js'), join(root, 'bin', 'dombuild.js'));
  symlinkSync(join(repo, 'dist'), join(root, 'dist'));
  if (buildable) {
    symlinkSync(join(repo, 'scripts'), join(root, 'scripts'));
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  }
  const snap = join(root, '.cache', 'snapshot');
  mkdirSync(snap, { recursive: true });
  return { root, bin: join(root, 'bin', 'dombuild.js'), snap };
}

/** This node's identity as the build records it, for a blob of `size` bytes. */
function identity(size: number): string {
  const real = readFileSync(join(realSnap, 'cli.node'), 'utf8').split('\n');
  return `${real.slice(0, 3).join('\n')}\n${size}\n`;
}

function run(bin: string, args: string[], trace = false) {
  const argv = trace ? ['sh', '-x', bin, ...args] : [bin, ...args];
  return spawnSync(argv[0]!, argv.slice(1), {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
}

const bundle = (args: string[]) =>
  spawnSync(process.execPath, [join(repo, 'bin', 'dombuild.js'), ...args], { cwd: repo, encoding: 'utf8' });

const args = ['validate', 'examples/minimal.yaml'];

describe.skipIf(!hasDist || !hasSnapshot)(
  'the start-up snapshot cache (needs npm run build with a snapshot)',
  () => {
    it('uses an intact snapshot', () => {
      const { bin, snap } = launcherCopy();
      copyFileSync(join(realSnap, 'cli.blob'), join(snap, 'cli.blob'));
      writeFileSync(join(snap, 'cli.node'), identity(statSync(join(snap, 'cli.blob')).size));
      const r = run(bin, args, true);
      expect(r.stderr).toContain('--snapshot-blob');
      expect(r.stdout).toBe(bundle(args).stdout);
    });

    it('ignores a truncated snapshot and forgets it', () => {
      const { bin, snap } = launcherCopy();
      const blob = readFileSync(join(realSnap, 'cli.blob'));
      writeFileSync(join(snap, 'cli.blob'), blob.subarray(0, blob.length >> 1));
      writeFileSync(join(snap, 'cli.node'), identity(blob.length));
      const want = bundle(args);
      const r = run(bin, args, true);
      expect(r.stderr).not.toContain('--snapshot-blob');
      expect([r.status, r.stdout]).toEqual([want.status, want.stdout]);
      expect(existsSync(join(snap, 'cli.node'))).toBe(false);
    });

    it('ignores a snapshot rewritten after it was described (same size, other bytes)', () => {
      const { bin, snap } = launcherCopy();
      const size = statSync(join(realSnap, 'cli.blob')).size;
      writeFileSync(join(snap, 'cli.node'), identity(size));
      writeFileSync(join(snap, 'cli.blob'), Buffer.alloc(size, 0xa5));
      const later = new Date(Date.now() + 5000);
      utimesSync(join(snap, 'cli.blob'), later, later);
      const want = bundle(args);
      const r = run(bin, args);
      expect([r.status, r.stdout]).toEqual([want.status, want.stdout]);
    });

    it('rebuilds a damaged snapshot in the background, in a checkout that can', async () => {
      const { bin, snap } = launcherCopy(true);
      writeFileSync(join(snap, 'cli.blob'), 'not a snapshot');
      writeFileSync(join(snap, 'cli.node'), identity(statSync(join(realSnap, 'cli.blob')).size));
      const want = bundle(args);
      const r = run(bin, args);
      expect([r.status, r.stdout]).toEqual([want.status, want.stdout]);
      // Waits for the background build (seconds); the test's own timeout bounds it.
      while (!existsSync(join(snap, 'cli.node'))) await new Promise((done) => setTimeout(done, 250));
      const again = run(bin, args, true);
      expect(again.stderr).toContain('--snapshot-blob');
      expect(again.stdout).toBe(want.stdout);
    }, 180_000);
  },
);

describe.skipIf(!hasDist)('--version and --help without loading the CLI', () => {
  it('print what the bundle prints', () => {
    const full = (a: string) =>
      spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `process.exitCode = await (await import(${JSON.stringify(join(repo, 'dist', 'cli.js'))})).main([${JSON.stringify(a)}])`,
        ],
        { encoding: 'utf8' },
      );
    for (const a of ['--version', '--help']) {
      const r = spawnSync(join(repo, 'bin', 'dombuild.js'), [a], { encoding: 'utf8' });
      expect([r.status, r.stdout]).toEqual([0, full(a).stdout]);
    }
  });
});
