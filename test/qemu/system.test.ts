// qemu/system: a built system's boot spec, TFTP root and per-domain expectations, on in-memory
// plans and trees (the real boots of the same code are in test/e2e/run.e2e.ts).
import { existsSync, lstatSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Board } from '../../boards/index.js';
import type { BootPlan, PlannedImage } from '../../builder/plan/types.js';
import { Node, Tree, value, writeDtb } from '../../devicetree/index.js';
import { UBOOT_DHCP_SCRIPT } from '../../qemu/argv.js';
import { QemuError } from '../../qemu/errors.js';
import { directBootSpec, dom0lessOrder, domainExpectations, prepareTftpRoot } from '../../qemu/system.js';
import type { Config } from '../../schema/index.js';
import { tempDir } from '../support/tmp.js';

const scratch = tempDir;

const board = {
  name: 'qemu-virt-arm64',
  arch: 'arm64',
  qemu: { binary: 'qemu-system-aarch64', args: ['-machine', 'virt'], ubootBinary: '/fw/u-boot.bin' },
} as unknown as Board;

function plan(method: 'direct' | 'uboot', images: Partial<PlannedImage>[]): BootPlan {
  return { method, images: images as PlannedImage[] } as BootPlan;
}

function systemDtb(names: string[]): Uint8Array {
  const t = new Tree();
  const chosen = t.ensurePath('/chosen');
  chosen.addChild(new Node('module@1')).setProp('compatible', value.string('multiboot,module'));
  for (const n of names) chosen.addChild(new Node(n)).setProp('compatible', value.string('xen,domain'));
  return writeDtb(t);
}

const cfg = (domains: object[], dom0?: object) =>
  ({ domains, ...(dom0 ? { dom0 } : {}) }) as unknown as Config;

describe('qemu/system', () => {
  it('direct: Xen from the plan, system.dtb, each module (generated ones from the output folder)', () => {
    const spec = directBootSpec(
      board,
      plan('direct', [
        { name: 'xen', role: 'xen', file: '/c/xen', address: 0x40200000n },
        { name: 'dtb', role: 'dtb', address: 0x48000000n },
        { name: 'a/kernel', role: 'kernel', address: 0x40400000n },
        { name: 'a/ramdisk', role: 'ramdisk', file: '/u/initrd', address: 0x40600000n },
      ]),
      '/out',
    );
    expect(spec).toEqual({
      method: 'direct',
      machine: { arch: 'arm64', args: ['-machine', 'virt'] },
      xen: '/c/xen',
      dtb: '/out/system.dtb',
      modules: [
        { file: '/out/a-kernel.img', addr: 0x40400000n },
        { file: '/u/initrd', addr: 0x40600000n },
      ],
    });
    const noXen = plan('direct', [{ name: 'xen', role: 'xen', placeholder: true, address: 0n }]);
    expect(() => directBootSpec(board, noXen, '/out')).toThrow(QemuError);
  });

  it('uboot: the script under the DHCP name and a link for every file boot.source loads from elsewhere', () => {
    const out = scratch('dombuild-tftp-');
    const xen = join(scratch('dombuild-xen-'), 'xen-4.17-arm64');
    writeFileSync(xen, 'XEN');
    writeFileSync(join(out, 'boot.scr'), 'SCR');
    writeFileSync(join(out, 'a-kernel.img'), 'K');
    writeFileSync(
      join(out, 'boot.source'),
      "tftpb 0x40800000 'a-kernel.img' || setenv db_failed 1\ntftpb 0x40000000 'xen-4.17-arm64' || setenv db_failed 1\nbooti 0x40000000 - 0x40400000\n",
    );
    const spec = prepareTftpRoot(
      board,
      plan('uboot', [
        { name: 'xen', role: 'xen', file: xen, address: 0x40000000n },
        { name: 'a/kernel', role: 'kernel', address: 0x40800000n },
      ]),
      out,
    );
    expect(spec).toMatchObject({ method: 'uboot', firmware: '/fw/u-boot.bin', tftpRoot: out });
    expect(readFileSync(join(out, UBOOT_DHCP_SCRIPT), 'utf8')).toBe('SCR');
    expect(lstatSync(join(out, 'xen-4.17-arm64')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(out, 'xen-4.17-arm64'))).toBe(xen);
    expect(lstatSync(join(out, 'a-kernel.img')).isSymbolicLink()).toBe(false);

    const out2 = scratch('dombuild-tftp-');
    writeFileSync(join(out2, 'boot.scr'), 'SCR');
    writeFileSync(join(out2, 'boot.source'), "tftpb 0x50000000 'nowhere' || setenv db_failed 1\n");
    let code: string | undefined;
    try {
      prepareTftpRoot(board, plan('uboot', []), out2);
    } catch (e) {
      code = (e as QemuError).code;
    }
    expect(code).toBe('MISSING_ASSET');
    expect(existsSync(join(out2, 'nowhere'))).toBe(false);
  });

  it('domids follow the /chosen order; probes expect their marker, others need --expect', () => {
    const dtb = systemDtb(['b', 'a']);
    expect(dom0lessOrder(dtb)).toEqual(['b', 'a']);
    const config = cfg([
      { name: 'a', boot: true, kernel: { kind: 'probe', marker: 'A up' } },
      { name: 'b', boot: true, kernel: { kind: 'probe' } },
      { name: 'c', boot: true, kernel: { kind: 'file', path: 'Image' } },
      { name: 'later', boot: false, kernel: { kind: 'file', path: 'Image' } },
    ]);
    const r = domainExpectations(config, dtb);
    expect(r.expectations).toEqual([
      { domain: 'a', match: 'A up', domid: 2 },
      { domain: 'b', match: 'dombuild-probe: b up', domid: 1 },
    ]);
    expect(r.unwatched).toEqual(['c']);
    const withC = domainExpectations(config, dtb, new Map([['c', /READY/]]));
    expect(withC.unwatched).toEqual([]);
    expect(withC.expectations.find((e) => e.domain === 'c')?.match).toEqual(/READY/);
    expect(() => domainExpectations(config, dtb, new Map([['later', 'x']]))).toThrow(QemuError);
    const d0 = domainExpectations(cfg([], { kernel: {} }), dtb, new Map([['dom0', 'login:']]));
    expect(d0.expectations).toEqual([{ domain: 'dom0', match: 'login:', domid: 0 }]);
  });
});
