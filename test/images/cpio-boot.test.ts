// Linux itself as the judge of the initramfs: Debian's arm64 kernel unpacks our gzipped newc
// archive and runs /init from it.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeCpio } from '../../images/cpio.js';
import { gzip } from '../../images/gzip.js';
import { requireTools } from '../support/tools.js';
import { debPath, requireCached } from './cache.js';
import { bootUntil } from './qemu.js';
import { withDirAsync } from './run.js';

const qemu = requireTools(['qemu-system-aarch64'], 'apt-get install qemu-system-arm');
const kernelDir = debPath('linux-image-arm64-bookworm', 'boot');
const busybox = debPath('busybox-static-arm64-bookworm', 'bin', 'busybox');
const cached = qemu.available ? requireCached([kernelDir, busybox]) : qemu;

describe.skipIf(!cached.available)(`initramfs booted by Linux (${cached.reason || 'cache'})`, () => {
  it("Debian's arm64 kernel unpacks it and runs /init", { timeout: 90_000 }, async () => {
    const vmlinuz = readdirSync(kernelDir).find((f) => f.startsWith('vmlinuz-'));
    expect(vmlinuz).toBeDefined();
    const text = (s: string) => new TextEncoder().encode(s);
    const archive = writeCpio([
      { path: 'bin', type: 'dir', mode: 0o755 },
      { path: 'bin/busybox', type: 'file', mode: 0o755, data: new Uint8Array(readFileSync(busybox)) },
      { path: 'bin/sh', type: 'symlink', mode: 0o777, linkTarget: 'busybox' },
      { path: 'dev', type: 'dir', mode: 0o755 },
      { path: 'dev/console', type: 'chardev', mode: 0o600, major: 5, minor: 1 },
      { path: 'etc', type: 'dir', mode: 0o755 },
      { path: 'etc/motd', type: 'file', mode: 0o644, data: text('cpio-motd-3f9a'), mtime: 1700000000 },
      {
        path: 'init',
        type: 'file',
        mode: 0o755,
        // prove the symlink, the device node's numbers, the file contents and its mode
        data: text(
          '#!/bin/sh\nB=/bin/busybox\n' +
            'echo "INITRAMFS $($B readlink /bin/sh) $($B stat -c %t:%T /dev/console) $($B cat /etc/motd) $($B stat -c %a /init)"\n' +
            '$B poweroff -f\n',
        ),
      },
    ]);
    await withDirAsync(async (_dir, io) => {
      io.write('initrd.gz', gzip(archive));
      const r = await bootUntil(
        'qemu-system-aarch64',
        [
          ...[
            '-machine',
            'virt',
            '-cpu',
            'cortex-a57',
            '-m',
            '512M',
            '-nographic',
            '-no-reboot',
            '-monitor',
            'none',
          ],
          ...['-kernel', `${kernelDir}/${vmlinuz}`, '-initrd', io.path('initrd.gz')],
          ...['-append', 'console=ttyAMA0 rdinit=/init quiet'],
        ],
        'INITRAMFS busybox 5:1 cpio-motd-3f9a 755',
        80_000,
      );
      expect(r.found, r.output.slice(-3000)).toBe(true);
    });
  });
});
