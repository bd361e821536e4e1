// QEMU command lines for the three ways dombuild boots a system. Pure: a spec in, argv out, so the
// exact flags are unit-tested and the DTB dump uses the same machine flags as the run (QEMU's
// generated tree depends on -m, -smp and the GIC version).
import { QemuError } from './errors.js';

export interface ArmMachine {
  arch: 'arm64';
  gicVersion: 2 | 3;
  memoryMiB: number;
  cpus: number;
}

export interface X86Machine {
  arch: 'x86_64';
  memoryMiB: number;
  cpus: number;
  /**
   * Emulate AMD's SVM with nested paging, so Xen can build HVM and PVH guests (it reports "HAP
   * detected"); without it TCG offers no virtualization extensions and only PV guests run.
   */
  hvm?: boolean;
}

/** A machine given by its exact QEMU flags (a board descriptor's `qemu.args`). */
export interface RawMachine {
  arch: 'arm64' | 'x86_64';
  args: string[];
}

export interface LoaderModule {
  file: string;
  /** Guest-physical load address. */
  addr: bigint | number;
}

/** Arm64 with no firmware: QEMU loads Xen as the kernel and each module at its address. */
export interface ArmDirectBoot {
  method: 'direct';
  machine: ArmMachine | RawMachine;
  xen: string;
  dtb: string;
  modules: LoaderModule[];
}

/**
 * The script name Debian's qemu_arm64 U-Boot asks DHCP/TFTP for in its default boot order
 * (`boot_script_dhcp`): its `dhcp` command names this file itself, so whatever QEMU's DHCP offers
 * as `bootfile`, the script image must exist under this name in the TFTP root.
 */
export const UBOOT_DHCP_SCRIPT = 'boot.scr.uimg';

/**
 * Keystrokes that skip U-Boot's autoboot countdown and its disk/USB probing: stop at the prompt,
 * then fetch the script image by DHCP + TFTP and run it (as Xen's own CI does). Without them the
 * default boot order reaches the same script about two seconds later.
 */
export function ubootKeystrokes(script: string = UBOOT_DHCP_SCRIPT): Array<{ when: string; send: string }> {
  if (!/^[A-Za-z0-9._-]+$/.test(script)) {
    throw new QemuError('BAD_SPEC', 'the script name must be a plain file name', script);
  }
  return [
    { when: 'Hit any key to stop autoboot', send: ' ' },
    { when: '=> ', send: `dhcp \${scriptaddr} ${script}; source \${scriptaddr}\r` },
  ];
}

/** Arm64 through U-Boot: its autoboot runs DHCP and the script image from QEMU's TFTP server. */
export interface ArmUbootBoot {
  method: 'uboot';
  machine: ArmMachine | RawMachine;
  firmware: string;
  /** Folder QEMU serves over TFTP; must hold the script image as UBOOT_DHCP_SCRIPT. */
  tftpRoot: string;
  /** The DHCP boot file name offered; defaults to UBOOT_DHCP_SCRIPT. */
  bootfile?: string;
}

/**
 * Arm64 through U-Boot from a disk image alone: no network, so nothing can come over TFTP;
 * U-Boot's distro boot scans the disk's partitions and runs the /boot.scr it finds.
 */
export interface ArmDiskBoot {
  method: 'disk';
  machine: ArmMachine | RawMachine;
  firmware: string;
  /** The raw disk image, attached as a virtio-blk disk and never written (snapshot). */
  disk: string;
}

export interface MultibootModule {
  file: string;
  cmdline?: string;
}

/** x86_64 through QEMU's multiboot (v1) loader: Xen plus a module list (dom0 kernel first). */
export interface X86MultibootBoot {
  method: 'multiboot';
  machine: X86Machine | RawMachine;
  xen: string;
  xenCmdline: string;
  modules: MultibootModule[];
}

export type BootSpec = ArmDirectBoot | ArmUbootBoot | ArmDiskBoot | X86MultibootBoot;

export interface QemuCommand {
  command: string;
  args: string[];
}

export function qemuBinary(arch: 'arm64' | 'x86_64'): string {
  return arch === 'arm64' ? 'qemu-system-aarch64' : 'qemu-system-x86_64';
}

function checkMachine(m: ArmMachine | X86Machine): void {
  if (!Number.isInteger(m.memoryMiB) || m.memoryMiB < 16 || m.memoryMiB > 1 << 20) {
    throw new QemuError('BAD_SPEC', `memory ${m.memoryMiB} MiB is out of range`, 'machine.memoryMiB');
  }
  if (!Number.isInteger(m.cpus) || m.cpus < 1 || m.cpus > 64) {
    throw new QemuError('BAD_SPEC', `cpus ${m.cpus} is out of range`, 'machine.cpus');
  }
}

/** Flags that define the emulated machine, shared by the run and the DTB dump. */
export function machineArgs(m: ArmMachine | X86Machine | RawMachine): string[] {
  if ('args' in m) {
    // The run adds its own display, firmware and loader flags; a board's flags must not.
    const clash = m.args.find((a) => ['-kernel', '-bios', '-dtb', '-nographic', '-initrd'].includes(a));
    if (clash) throw new QemuError('BAD_SPEC', `machine flags may not contain ${clash}`, 'machine.args');
    return [...m.args];
  }
  checkMachine(m);
  if (m.arch === 'arm64') {
    return [
      '-machine',
      `virt,gic-version=${m.gicVersion},virtualization=true`,
      '-cpu',
      'cortex-a57',
      '-m',
      `${m.memoryMiB}M`,
      '-smp',
      String(m.cpus),
    ];
  }
  // -cpu max crashes a PV dom0 under TCG; qemu64 works (recipes/qemu.md).
  const cpu = m.hvm ? 'qemu64,+svm,+npt' : 'qemu64';
  return ['-machine', 'q35', '-cpu', cpu, '-m', `${m.memoryMiB}M`, '-smp', String(m.cpus)];
}

/** A value inside a QemuOpts list (`-device a=b,c=d`): commas are escaped by doubling. */
export function optValue(v: string): string {
  return v.replaceAll(',', ',,');
}

function hex(addr: bigint | number): string {
  const a = BigInt(addr);
  if (a < 0n || a > 0xffff_ffff_ffff_ffffn) {
    throw new QemuError('BAD_SPEC', `address ${addr} is out of range`, 'modules.addr');
  }
  return `0x${a.toString(16)}`;
}

const COMMON = ['-nographic', '-no-reboot'];

export function qemuArgv(spec: BootSpec): QemuCommand {
  const command = qemuBinary(spec.machine.arch);
  const args = machineArgs(spec.machine);
  switch (spec.method) {
    case 'direct':
      args.push(...COMMON, '-kernel', spec.xen, '-dtb', spec.dtb);
      for (const m of spec.modules) {
        args.push('-device', `loader,file=${optValue(m.file)},addr=${hex(m.addr)}`);
      }
      break;
    case 'uboot': {
      const bootfile = spec.bootfile ?? UBOOT_DHCP_SCRIPT;
      if (bootfile.includes('/') || bootfile === '') {
        throw new QemuError('BAD_SPEC', 'bootfile must be a plain file name', bootfile);
      }
      args.push(
        ...COMMON,
        '-bios',
        spec.firmware,
        '-netdev',
        `user,id=n0,tftp=${optValue(spec.tftpRoot)},bootfile=${optValue(bootfile)}`,
        '-device',
        'virtio-net-pci,netdev=n0',
      );
      break;
    }
    case 'disk':
      args.push(
        ...COMMON,
        '-bios',
        spec.firmware,
        '-drive',
        `if=none,format=raw,snapshot=on,id=disk0,file=${optValue(spec.disk)}`,
        '-device',
        'virtio-blk-pci,drive=disk0',
        '-nic',
        'none',
      );
      break;
    case 'multiboot': {
      // -initrd is "file args,file args": QEMU splits it at single commas, ",," is a literal one.
      const list = spec.modules.map((m) => {
        if (m.file.includes(' ')) {
          throw new QemuError('BAD_SPEC', 'a multiboot module path cannot contain a space', m.file);
        }
        return optValue(m.cmdline ? `${m.file} ${m.cmdline}` : m.file);
      });
      args.push(...COMMON, '-kernel', spec.xen, '-append', spec.xenCmdline);
      if (list.length > 0) args.push('-initrd', list.join(','));
      break;
    }
  }
  return { command, args };
}

/** The command that makes QEMU write the tree it would give this machine, then exit. */
export function dumpDtbArgv(machine: ArmMachine, outFile: string): QemuCommand {
  return {
    command: qemuBinary('arm64'),
    args: [...machineArgs(machine), '-machine', `dumpdtb=${optValue(outFile)}`, '-nographic'],
  };
}
