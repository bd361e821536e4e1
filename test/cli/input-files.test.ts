// What dombuild does with inputs that are not regular files, judged on the real file system: a
// FIFO (which would block a plain read), a directory, a character device (which never ends), and a
// config far larger than the cap (a sparse file: reading it whole would take gigabytes).
import { execFileSync } from 'node:child_process';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const MINIMAL = `xen: { release: "4.17" }
board: qemu-virt-arm64
domains:
  - { name: g, kernel: probe, memory: 64M }
`;

function scratch(): string {
  const dir = tempDir('dombuild-inputs-');
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  mkdirSync(join(dir, 'dir'));
  return dir;
}

describe('the config file', () => {
  it.each([
    ['fifo', 'FIFO'],
    ['dir', 'directory'],
    ['/dev/zero', 'character device'],
  ])('%s is refused as a %s (exit 2) by validate and build', async (name, kind) => {
    const dir = scratch();
    const v = await runCliCaptured(['validate', name], { cwd: dir });
    expect(v.code).toBe(2);
    expect(v.stderr).toContain(`it is a ${kind}, not a regular file`);
    const j = await runCliCaptured(['validate', name, '--json'], { cwd: dir });
    expect(JSON.parse(j.stdout).error.code).toBe('not-a-file');
    const b = await runCliCaptured(['build', name, '-o', join(dir, 'out')], { cwd: dir });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`it is a ${kind}, not a regular file`);
  });

  it('a config past the size cap is config-too-large without being read whole (a 4 GiB sparse file)', async () => {
    const dir = scratch();
    const big = join(dir, 'big.yaml');
    writeFileSync(big, MINIMAL);
    truncateSync(big, 4 * 1024 ** 3);
    const before = process.memoryUsage().rss;
    const v = await runCliCaptured(['validate', 'big.yaml', '--json'], { cwd: dir });
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout).diagnostics.map((d: { id: string }) => d.id)).toEqual(['config-too-large']);
    // Reading the file whole would add gigabytes; the cap plus one byte adds about a megabyte.
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 ** 2);
  });

  it('a Kconfig that is a FIFO is kconfig-unreadable with its kind', async () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'sys.yaml'),
      MINIMAL.replace('release: "4.17"', 'release: "4.17", kconfig: fifo'),
    );
    const v = await runCliCaptured(['validate', 'sys.yaml', '--json'], { cwd: dir });
    const d = JSON.parse(v.stdout).diagnostics.find((x: { id: string }) => x.id === 'kconfig-unreadable');
    expect(d.message).toContain('it is a FIFO, not a regular file');
  });
});

describe('an image the config names', () => {
  it.each([
    ['fifo', 'FIFO'],
    ['dir', 'directory'],
    ['/dev/zero', 'character device'],
  ])('%s is image-unreadable naming its kind, not EISDIR', async (path, kind) => {
    const dir = scratch();
    writeFileSync(join(dir, 'sys.yaml'), MINIMAL.replace('kernel: probe', `kernel: ${path}`));
    const v = await runCliCaptured(['validate', 'sys.yaml', '--json'], { cwd: dir });
    const d = JSON.parse(v.stdout).diagnostics.find((x: { id: string }) => x.id === 'image-unreadable');
    expect(d.path).toBe('domains[0].kernel');
    expect(d.message).toContain(`(it is a ${kind}, not a regular file)`);
    expect(d.message).not.toContain('EISDIR');
  });
});
