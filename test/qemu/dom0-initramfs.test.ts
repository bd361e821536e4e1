// The toolstack dom0's initramfs, judged by GNU cpio (the archive) and Debian's busybox sh (the
// /init parses): it holds the release's own xl and loader, the modules, the xl configs at the
// path /init reads them from and the images at the paths the configs name.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cacheRootFrom, locateAsset } from '../../qemu/assets.js';
import { dom0Init } from '../../qemu/dom0/init.js';
import { toolstackDom0Initramfs } from '../../qemu/dom0/runtime.js';
import { QemuError } from '../../qemu/errors.js';
import { tempDir } from '../support/tmp.js';
import { inCI, requireTools } from '../support/tools.js';

const cache = cacheRootFrom(process.env, process.env.HOME ?? '/root');
const gate = requireTools(['cpio'], 'apt-get install cpio');
const cached = (() => {
  try {
    locateAsset(cache, 'xen-toolstack-4.17-arm64');
    locateAsset(cache, 'xen-toolstack-4.20-arm64');
    locateAsset(cache, 'linux-xen-modules-arm64');
    if (process.arch !== 'x64') throw new Error(`host is ${process.arch}, the cached busybox is amd64`);
    return locateAsset(cache, 'busybox-amd64').path;
  } catch (err) {
    if (inCI) throw err;
    return undefined;
  }
})();

const cfg = new TextEncoder().encode('name = "r1"\nkernel = "/var/lib/xen/images/r1-kernel.img"\n');

describe.skipIf(!gate.available || !cached)('toolstack dom0 initramfs (GNU cpio, busybox sh)', () => {
  it.each(['4.17', '4.20'] as const)(
    'Xen %s: the toolstack, its loader, modules, configs and images',
    (release) => {
      const gz = toolstackDom0Initramfs(cache, release, [
        {
          name: 'r1',
          config: cfg,
          files: [{ path: '/var/lib/xen/images/r1-kernel.img', data: new Uint8Array(8) }],
        },
      ]);
      const list = spawnSync('cpio', ['-tv', '--quiet'], {
        input: gunzipSync(gz),
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      expect(list.status).toBe(0);
      const names = list.stdout
        .trim()
        .split('\n')
        .map((l) =>
          l
            .replace(/ -> .*$/, '')
            .split(' ')
            .pop(),
        );
      for (const f of [
        'init',
        'bin/busybox',
        `usr/lib/xen-${release}/bin/xl`,
        `usr/lib/xen-${release}/bin/xenstored`,
        `usr/lib/xen-${release}/bin/xenconsoled`,
        `usr/lib/xen-${release}/bin/init-dom0less`,
        'usr/bin/xenstore-ls',
        'dombuild/modules/xenfs.ko',
        'dombuild/modules/xen-privcmd.ko',
        'etc/dombuild/xl/r1.cfg',
        'var/lib/xen/images/r1-kernel.img',
      ]) {
        expect(names, f).toContain(f);
      }
      // The loader the binaries ask for: bookworm keeps it in /lib, trixie (merged /usr) links /lib.
      if (release === '4.17') expect(names).toContain('lib/ld-linux-aarch64.so.1');
      else expect(list.stdout).toMatch(/ lib -> usr\/lib\n/);
      expect(
        names.filter((n) => n?.startsWith(`usr/lib/xen-${release === '4.17' ? '4.20' : '4.17'}`)),
      ).toEqual([]);
    },
  );

  it('has an /init busybox sh parses, and refuses names it cannot quote', () => {
    const dir = tempDir('dombuild-dom0-init-');
    const file = join(dir, 'init');
    writeFileSync(
      file,
      dom0Init({
        xenBin: '/usr/lib/xen-4.20/bin',
        modules: ['xen-privcmd.ko'],
        runtime: [{ name: 'a', waitFor: "it's up" }, { name: 'b' }],
      }),
    );
    const r = spawnSync(cached as string, ['sh', '-n', file], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof QemuError ? e.code : 'other';
      }
      return undefined;
    };
    expect(bad(() => dom0Init({ xenBin: '/x', modules: [], runtime: [{ name: 'a;reboot' }] }))).toBe(
      'BAD_SPEC',
    );
    expect(
      bad(() => dom0Init({ xenBin: '/x', modules: [], runtime: [{ name: 'a', waitFor: 'x\ny' }] })),
    ).toBe('BAD_SPEC');
  });
});
