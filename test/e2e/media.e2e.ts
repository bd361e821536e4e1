// Bootable media, proven by booting them: `dombuild run --method disk` hands QEMU nothing but
// disk.img (no network, so no TFTP) and Debian's U-Boot finds boot.scr on it by itself; every
// guest of examples/minimal.yaml must come up, on Xen 4.17 and 4.20. One boot per release.
import { join } from 'node:path';
import test from 'ava';
import { dombuild, removeKept } from './helpers/cli.js';
import { bootGate } from './helpers/system.js';

const gate = bootGate(['qemu-system-aarch64', 'mkfs.vfat', 'mcopy', 'mmd', 'sfdisk']);
const boot = gate.available ? test.serial : test.serial.skip;
const minimal = join(process.cwd(), 'examples', 'minimal.yaml');

for (const release of ['4.17', '4.20']) {
  boot(`run --method disk (Xen ${release}): U-Boot boots disk.img alone, both guests up`, async (t) => {
    const r = await dombuild([
      'run',
      minimal,
      '--method',
      'disk',
      '--xen-release',
      release,
      '--timeout',
      '150',
      '--quiet',
    ]);
    removeKept(r);
    t.log(r.out.trim());
    t.regex(r.err, /-drive if=none,format=raw,snapshot=on,id=disk0,file=\S+disk\.img/);
    t.regex(r.err, /-nic none/);
    t.is(r.code, 0, r.out + r.err);
    t.regex(r.out, /all 2 domains up in/);
  });
}
