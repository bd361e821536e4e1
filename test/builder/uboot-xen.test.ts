// The whole U-Boot path on real parts: `dombuild build` of the minimal example (with Debian's Xen
// 4.17 named as xen.image and Xen's console on the PL011 by path: QEMU's tree has no serial0
// alias), boot.scr fetched by real U-Boot over QEMU's TFTP, images loaded, /chosen edited,
// booti into Xen, and both dom0less probe guests print their markers.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { QEMU_VIRT_DEFAULTS, qemuVirtArgs } from '../../boards/index.js';
import { runCli } from '../../cli/main.js';
import { debPath, requireCached } from '../images/cache.js';
import { bootUntil } from '../images/qemu.js';
import { requireTools } from '../support/tools.js';
import { UBOOT_BIN } from './uboot-qemu-harness.js';

const xen = debPath('xen-hypervisor-4.17-arm64-bookworm', 'boot', 'xen-4.17-arm64');
const tools = requireTools(['qemu-system-aarch64'], 'apt-get install qemu-system-arm u-boot-qemu');
const cached = requireCached([xen, UBOOT_BIN]);
const root = fileURLToPath(new URL('../../', import.meta.url));

describe.skipIf(!tools.available || !cached.available)(
  `Xen boots through U-Boot from dombuild's boot.scr (${tools.reason || cached.reason || 'ok'})`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'dombuild-uxen-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each([[[]], [['--dynamic']]])(
      'both probe guests of examples/minimal.yaml come up (%j)',
      async (extra) => {
        const config = readFileSync(join(root, 'examples', 'minimal.yaml'), 'utf8').replace(
          /^ {2}# image:.*$/m,
          '  image: xen-4.17-arm64',
        );
        writeFileSync(join(dir, 'minimal.yaml'), config);
        copyFileSync(xen, join(dir, 'xen-4.17-arm64'));
        const code = await runCli(['build', join(dir, 'minimal.yaml'), '-o', join(dir, 'out'), ...extra], {
          stdout: () => {},
          stderr: () => {},
          readStdin: async () => new Uint8Array(),
          cwd: dir,
          env: { ...process.env, SOURCE_DATE_EPOCH: '0' },
          isTTY: false,
        });
        expect(code).toBe(0);
        // U-Boot's distro boot asks TFTP for boot.scr.uimg; the TFTP root is the boot root.
        copyFileSync(join(dir, 'out', 'boot.scr'), join(dir, 'boot.scr.uimg'));
        expect(existsSync(join(dir, 'out', 'guest1-kernel.img'))).toBe(true);
        const run = await bootUntil(
          'qemu-system-aarch64',
          [
            ...qemuVirtArgs(QEMU_VIRT_DEFAULTS),
            '-nographic',
            '-no-reboot',
            '-bios',
            UBOOT_BIN,
            '-netdev',
            `user,id=n0,tftp=${dir},bootfile=boot.scr.uimg`,
            '-device',
            'virtio-net-pci,netdev=n0',
          ],
          ['hello from guest1', 'hello from guest2'],
          90_000,
        );
        expect(run.found, run.output.slice(-3000)).toBe(true);
        expect(run.output).not.toContain('not booting');
      },
      120_000,
    );

    it('boot.itb: bootm of the FIT checks every sha256, loads every image and boots Xen and both guests', async () => {
      const config = readFileSync(join(root, 'examples', 'minimal.yaml'), 'utf8')
        .replace(/^ {2}# image:.*$/m, '  image: xen-4.17-arm64')
        .replace(/^board: (.*)$/m, 'board: $1\nboot: { fit: true }');
      writeFileSync(join(dir, 'fit.yaml'), config);
      copyFileSync(xen, join(dir, 'xen-4.17-arm64'));
      const io = {
        stdout: () => {},
        stderr: () => {},
        readStdin: async () => new Uint8Array(),
        cwd: dir,
        env: { ...process.env, SOURCE_DATE_EPOCH: '0' },
        isTTY: false,
      };
      expect(await runCli(['build', join(dir, 'fit.yaml'), '-o', join(dir, 'fit')], io)).toBe(0);
      const fitAddress = JSON.parse(readFileSync(join(dir, 'fit', 'plan.json'), 'utf8')).fitAddress as string;
      expect(fitAddress).toMatch(/^0x[0-9a-f]+$/);
      // boot.fit: the built boot.scr loads boot.itb and bootm's it
      const source = readFileSync(join(dir, 'fit', 'boot.source'), 'utf8');
      expect(source).toContain(`tftpb ${fitAddress} 'fit/boot.itb'`);
      expect(source).toContain(`bootm ${fitAddress}#config-1`);
      copyFileSync(join(dir, 'fit', 'boot.scr'), join(dir, 'boot.scr.uimg'));
      const run = await bootUntil(
        'qemu-system-aarch64',
        [
          ...qemuVirtArgs(QEMU_VIRT_DEFAULTS),
          '-nographic',
          '-no-reboot',
          '-bios',
          UBOOT_BIN,
          '-netdev',
          `user,id=n0,tftp=${dir},bootfile=boot.scr.uimg`,
          '-device',
          'virtio-net-pci,netdev=n0',
        ],
        ['hello from guest1', 'hello from guest2'],
        90_000,
      );
      expect(run.found, run.output.slice(-3000)).toBe(true);
      expect(run.output.match(/sha256\+ OK/g)?.length).toBe(4);
    }, 120_000);
  },
);
