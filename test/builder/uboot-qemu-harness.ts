// Runs a U-Boot script on real U-Boot (Debian's u-boot-qemu) under qemu-system-aarch64: U-Boot's
// distro boot fetches boot.scr.uimg over QEMU's user-net TFTP and sources it. The script is
// expected to end by echoing END_MARKER and resetting (QEMU runs with -no-reboot, so it exits).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeScriptImage } from '../../images/uimage.js';
import { bootUntil } from '../images/qemu.js';

export const UBOOT_BIN = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';
export const END_MARKER = '@@DOMBUILD-END@@';
export const START_MARKER = '@@DOMBUILD-START@@';
/** The machine both the DTB dump and the U-Boot run use, so the trees agree. */
export const MACHINE = ['-machine', 'virt', '-cpu', 'cortex-a57', '-m', '1G'];

export interface UbootRun {
  found: boolean;
  /** Console output between the start and end markers. */
  body: string;
  output: string;
}

export async function runUbootScript(
  script: string,
  files: Record<string, Uint8Array> = {},
  machine: string[] = MACHINE,
): Promise<UbootRun> {
  const dir = mkdtempSync(join(tmpdir(), 'dombuild-uboot-'));
  try {
    const full = `echo '${START_MARKER}'\n${script}echo '${END_MARKER}'\nreset\n`;
    writeFileSync(join(dir, 'boot.scr.uimg'), writeScriptImage(full, { timestamp: 0 }));
    for (const [name, bytes] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), bytes);
    }
    const res = await bootUntil(
      'qemu-system-aarch64',
      [
        ...machine,
        '-nographic',
        '-no-reboot',
        '-bios',
        UBOOT_BIN,
        '-netdev',
        `user,id=n0,tftp=${dir},bootfile=boot.scr.uimg`,
        '-device',
        'virtio-net-pci,netdev=n0',
      ],
      END_MARKER,
      90_000,
    );
    const out = res.output.replace(/\r/g, '');
    const start = out.indexOf(`${START_MARKER}\n`);
    const end = out.lastIndexOf(END_MARKER);
    const body = start >= 0 && end > start ? out.slice(start + START_MARKER.length + 1, end) : '';
    return { found: res.found, body, output: out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
