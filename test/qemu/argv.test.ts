import { describe, expect, it } from 'vitest';
import {
  type ArmMachine,
  dumpDtbArgv,
  machineArgs,
  optValue,
  qemuArgv,
  UBOOT_DHCP_SCRIPT,
  ubootKeystrokes,
} from '../../qemu/argv.js';
import { QemuError } from '../../qemu/errors.js';

const arm: ArmMachine = { arch: 'arm64', gicVersion: 3, memoryMiB: 2048, cpus: 2 };

describe('qemuArgv', () => {
  it('arm64 direct: Xen as -kernel, the DTB, one loader device per module', () => {
    const { command, args } = qemuArgv({
      method: 'direct',
      machine: arm,
      xen: '/x/xen',
      dtb: '/x/system.dtb',
      modules: [
        { file: '/x/g1', addr: 0x50000000 },
        { file: '/x/a,b', addr: 0x1_0000_0000n },
      ],
    });
    expect(command).toBe('qemu-system-aarch64');
    expect(args).toEqual([
      '-machine',
      'virt,gic-version=3,virtualization=true',
      '-cpu',
      'cortex-a57',
      '-m',
      '2048M',
      '-smp',
      '2',
      '-nographic',
      '-no-reboot',
      '-kernel',
      '/x/xen',
      '-dtb',
      '/x/system.dtb',
      '-device',
      'loader,file=/x/g1,addr=0x50000000',
      '-device',
      'loader,file=/x/a,,b,addr=0x100000000',
    ]);
  });

  it('arm64 U-Boot: firmware as -bios, user net serving TFTP, virtio-net', () => {
    const { args } = qemuArgv({
      method: 'uboot',
      machine: { ...arm, gicVersion: 2 },
      firmware: '/usr/lib/u-boot/qemu_arm64/u-boot.bin',
      tftpRoot: '/out',
    });
    expect(args.slice(0, 2)).toEqual(['-machine', 'virt,gic-version=2,virtualization=true']);
    expect(args.slice(8)).toEqual([
      '-nographic',
      '-no-reboot',
      '-bios',
      '/usr/lib/u-boot/qemu_arm64/u-boot.bin',
      '-netdev',
      `user,id=n0,tftp=/out,bootfile=${UBOOT_DHCP_SCRIPT}`,
      '-device',
      'virtio-net-pci,netdev=n0',
    ]);
  });

  it('x86_64 multiboot: q35, qemu64, -append for Xen, -initrd as a comma list', () => {
    const { command, args } = qemuArgv({
      method: 'multiboot',
      machine: { arch: 'x86_64', memoryMiB: 2048, cpus: 2 },
      xen: '/x/xen',
      xenCmdline: 'console=com1 dom0_mem=512M',
      modules: [{ file: '/x/vmlinuz', cmdline: 'console=hvc0 a=1,2' }, { file: '/x/initrd.gz' }],
    });
    expect(command).toBe('qemu-system-x86_64');
    expect(args).toEqual([
      '-machine',
      'q35',
      '-cpu',
      'qemu64',
      '-m',
      '2048M',
      '-smp',
      '2',
      '-nographic',
      '-no-reboot',
      '-kernel',
      '/x/xen',
      '-append',
      'console=com1 dom0_mem=512M',
      '-initrd',
      '/x/vmlinuz console=hvc0 a=1,,2,/x/initrd.gz',
    ]);
  });

  it('refuses what QEMU cannot express', () => {
    const bad = [
      () => machineArgs({ ...arm, cpus: 0 }),
      () => machineArgs({ ...arm, memoryMiB: 1.5 }),
      () => qemuArgv({ method: 'uboot', machine: arm, firmware: 'f', tftpRoot: '/o', bootfile: 'a/b' }),
      () =>
        qemuArgv({
          method: 'multiboot',
          machine: { arch: 'x86_64', memoryMiB: 512, cpus: 1 },
          xen: 'x',
          xenCmdline: '',
          modules: [{ file: '/a b' }],
        }),
      () =>
        qemuArgv({ method: 'direct', machine: arm, xen: 'x', dtb: 'd', modules: [{ file: 'f', addr: -1 }] }),
    ];
    for (const f of bad) {
      expect(f).toThrow(QemuError);
      try {
        f();
      } catch (e) {
        expect((e as QemuError).code).toBe('BAD_SPEC');
      }
    }
  });

  it('dumps the DTB with exactly the run machine flags', () => {
    const run = qemuArgv({ method: 'direct', machine: arm, xen: 'x', dtb: 'd', modules: [] });
    const dump = dumpDtbArgv(arm, '/t/virt.dtb');
    expect(dump.args.slice(0, 8)).toEqual(run.args.slice(0, 8));
    expect(dump.args).toContain('dumpdtb=/t/virt.dtb');
  });

  it('U-Boot keystrokes stop autoboot, then fetch and source the script', () => {
    expect(ubootKeystrokes()).toEqual([
      { when: 'Hit any key to stop autoboot', send: ' ' },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: U-Boot's own variable syntax
      { when: '=> ', send: 'dhcp ${scriptaddr} boot.scr.uimg; source ${scriptaddr}\r' },
    ]);
    expect(() => ubootKeystrokes('a;reset')).toThrow(QemuError);
  });

  it('optValue doubles commas only', () => {
    expect(optValue('a,b,,c')).toBe('a,,b,,,,c');
    expect(optValue('plain')).toBe('plain');
  });
});
