// Real U-Boot as the judge of boot.scr and the FIT: it checks the legacy header CRCs and runs the
// script, verifies every FIT hash with `iminfo`, and runs a script image out of the FIT.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildFit } from '../../images/fit.js';
import { writeScriptImage } from '../../images/uimage.js';
import { inCI, requireTools } from '../support/tools.js';
import { interact } from './qemu.js';
import { withDirAsync } from './run.js';

const UBOOT = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';
const tools = requireTools(['qemu-system-aarch64'], 'apt-get install qemu-system-arm');
const firmware = existsSync(UBOOT)
  ? { available: true, reason: '' }
  : { available: false, reason: `missing ${UBOOT} (apt-get install u-boot-qemu)` };
if (!firmware.available && inCI) throw new Error(`CI=true and ${firmware.reason}`);
const gate = tools.available ? firmware : tools;

describe.skipIf(!gate.available)(`U-Boot runs our images (${gate.reason || 'u-boot-qemu'})`, () => {
  it('sources boot.scr, verifies every FIT hash and runs a script from the FIT', {
    timeout: 90_000,
  }, async () => {
    const token = `t${Date.now().toString(36)}`;
    const scr = writeScriptImage(`setenv dbtoken ${token}\necho legacy-script-ran-\${dbtoken}\n`, {
      name: 'boot script',
      timestamp: 1700000000,
    });
    const fit = buildFit({
      description: 'dombuild test FIT',
      timestamp: 1700000000,
      images: [
        {
          name: 'kernel-1',
          data: new Uint8Array(4099).map((_, i) => (i * 7) & 0xff),
          type: 'kernel',
          arch: 'arm64',
          os: 'linux',
          load: 0x40400000n,
          entry: 0x40400000n,
          hashes: ['sha256', 'crc32', 'sha1', 'md5'],
        },
        {
          name: 'fdt-1',
          data: new Uint8Array(64).fill(0x5a),
          type: 'flat_dt',
          arch: 'arm64',
          hashes: ['sha256'],
        },
        {
          name: 'script-1',
          data: new TextEncoder().encode(`echo fit-script-ran-\${dbtoken}\n`),
          type: 'script',
          hashes: ['sha256'],
        },
      ],
      configurations: { default: 'conf-1', list: [{ name: 'conf-1', kernel: 'kernel-1', fdt: 'fdt-1' }] },
    });
    await withDirAsync(async (_dir, io) => {
      io.write('boot.scr', scr);
      io.write('boot.itb', fit);
      const r = await interact(
        'qemu-system-aarch64',
        [
          ...[
            '-machine',
            'virt',
            '-cpu',
            'cortex-a57',
            '-m',
            '1G',
            '-nographic',
            '-no-reboot',
            '-bios',
            UBOOT,
          ],
          ...['-device', `loader,file=${io.path('boot.scr')},addr=0x50000000,force-raw=on`],
          ...['-device', `loader,file=${io.path('boot.itb')},addr=0x51000000,force-raw=on`],
        ],
        [
          { waitFor: 'Hit any key to stop autoboot', send: '\n' },
          { waitFor: '=> ', send: 'source 0x50000000\n' },
          // the token is only ever typed through a variable, so these lines come from the scripts
          { waitFor: `legacy-script-ran-${token}`, send: 'iminfo 0x51000000\n' },
          { waitFor: 'Hash(es) for Image 0 (kernel-1): sha256+ crc32+ sha1+ md5+' },
          { waitFor: 'Hash(es) for Image 1 (fdt-1): sha256+' },
          { waitFor: 'Hash(es) for Image 2 (script-1): sha256+' },
          { waitFor: '=> ', send: 'source 0x51000000:script-1\n' },
          { waitFor: `fit-script-ran-${token}` },
        ],
        80_000,
      );
      expect(r.done, r.output.slice(-3000)).toBe(8);
    });
  });
});
