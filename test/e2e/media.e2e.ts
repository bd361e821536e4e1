// Bootable media, proven by booting them: `dombuild run --method disk` hands QEMU nothing but
// disk.img (no network, so no TFTP) and Debian's U-Boot finds boot.scr on it by itself; `run`
// of examples/efi.yaml hands it efi.img and Debian's EDK2, which starts Xen from the ESP, and Xen's
// EFI stub loads the guests by name. Every guest must come up, on Xen 4.17 and 4.20. One boot per
// release and medium.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { EDK2_QEMU_ARM64 } from '../../qemu/system.js';
import { inCI } from '../support/tools.js';
import { dombuild, removeKept } from './helpers/cli.js';
import { bootGate } from './helpers/system.js';

const gate = bootGate(['qemu-system-aarch64', 'mkfs.vfat', 'mcopy', 'mmd', 'sfdisk']);
// EDK2 is a file, not a command: under CI its absence fails like a missing tool.
const edk2 = existsSync(EDK2_QEMU_ARM64);
if (!edk2 && inCI)
  throw new Error(`CI=true and no EDK2 at ${EDK2_QEMU_ARM64} (apt-get install qemu-efi-aarch64)`);
const bootEfi = gate.available && edk2 ? test.serial : test.serial.skip;
const boot = gate.available ? test.serial : test.serial.skip;
const minimal = join(process.cwd(), 'examples', 'minimal.yaml');
const efi = join(process.cwd(), 'examples', 'efi.yaml');

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

for (const release of ['4.17', '4.20']) {
  bootEfi(
    `run examples/efi.yaml (Xen ${release}): EDK2 starts Xen from efi.img, both guests up`,
    async (t) => {
      const r = await dombuild(['run', efi, '--xen-release', release, '--timeout', '180', '--quiet']);
      removeKept(r);
      t.log(r.out.trim());
      t.regex(r.err, /-bios \S+QEMU_EFI\.fd /);
      t.regex(r.err, /file=\S+efi\.img/);
      t.is(r.code, 0, r.out + r.err);
      t.regex(r.out, /all 2 domains up in/);
    },
  );
}
