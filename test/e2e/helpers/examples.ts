// The examples as a user runs them: examples/ copied to a scratch folder, with the Linux images
// the dom0 examples name (`images/dom0/…`, `images/x86/…`) put where they say: Debian's kernel
// from the cache and dombuild's initramfs reporting under the tag `dom0` (`guest.cpio.gz`: `guest`).
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linuxGuestInitramfs } from '../../../images/linux-guest.js';
import { locateAsset } from '../../../qemu/assets.js';
import { CACHE, tempDir } from './system.js';

export const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples');

const IMAGE_SLOTS = [
  { dir: 'images/dom0', kernel: 'linux-arm64', busybox: 'busybox-arm64' },
  { dir: 'images/x86', kernel: 'linux-amd64', busybox: 'busybox-amd64' },
] as const;

/** A scratch copy of examples/ with the dom0 images in place; returns its folder. */
export function stageExamples(prefix: string): string {
  const dir = tempDir(prefix);
  cpSync(EXAMPLES, dir, { recursive: true });
  for (const slot of IMAGE_SLOTS) {
    mkdirSync(join(dir, slot.dir), { recursive: true });
    symlinkSync(locateAsset(CACHE, slot.kernel).path, join(dir, slot.dir, 'vmlinuz'));
    writeFileSync(
      join(dir, slot.dir, 'initrd.cpio.gz'),
      linuxGuestInitramfs({ busybox: readFileSync(locateAsset(CACHE, slot.busybox).path), tag: 'dom0' }),
    );
    // A guest xl creates (x86-pvh.yaml) reports under its own tag.
    writeFileSync(
      join(dir, slot.dir, 'guest.cpio.gz'),
      linuxGuestInitramfs({ busybox: readFileSync(locateAsset(CACHE, slot.busybox).path), tag: 'guest' }),
    );
  }
  return dir;
}
