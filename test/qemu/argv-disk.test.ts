import { describe, expect, it } from 'vitest';
import { qemuArgv } from '../../qemu/argv.js';

describe('qemuArgv: disk', () => {
  it('U-Boot as firmware, disk.img as a read-only-in-effect virtio disk, and no network at all', () => {
    const { command, args } = qemuArgv({
      method: 'disk',
      machine: { arch: 'arm64', gicVersion: 3, memoryMiB: 2048, cpus: 2 },
      firmware: '/usr/lib/u-boot/qemu_arm64/u-boot.bin',
      disk: '/tmp/a,b/disk.img',
    });
    expect(command).toBe('qemu-system-aarch64');
    const tail = args.slice(args.indexOf('-nographic'));
    expect(tail).toEqual([
      '-nographic',
      '-no-reboot',
      '-bios',
      '/usr/lib/u-boot/qemu_arm64/u-boot.bin',
      '-drive',
      'if=none,format=raw,snapshot=on,id=disk0,file=/tmp/a,,b/disk.img',
      '-device',
      'virtio-blk-pci,drive=disk0',
      '-nic',
      'none',
    ]);
  });
});
