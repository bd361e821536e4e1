// Small bootable dom0less systems for the boot benchmark and the end-to-end suites, by the recipe
// in recipes/qemu.md: QEMU's own tree dumped with the run's machine flags, dom0less nodes added
// under /chosen with our device-tree codec, modules placed from 0x50000000 (clear of QEMU's DTB at
// 0x48000000 and of U-Boot near the top of RAM). This is scaffolding around the runner, not the
// builder: `dombuild build` makes these artifacts from a config. It lives here, not under test/,
// because bench/ uses it too and benchmarks import no test code.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Node, readDtb, value, writeDtb } from '../devicetree/index.js';
import { probeGuestImage } from '../images/probe.js';
import { writeScriptImage } from '../images/uimage.js';
import { type ArmMachine, type LoaderModule, UBOOT_DHCP_SCRIPT } from './argv.js';
import { cacheRootFrom } from './assets.js';
import { dumpMachineDtb } from './machine-dtb.js';

/** The asset cache scripts/setup-system.sh fills, for the current user. */
export const CACHE = cacheRootFrom(process.env, homedir());

export const ARM_MACHINE: ArmMachine = { arch: 'arm64', gicVersion: 3, memoryMiB: 2048, cpus: 2 };
export const MODULE_BASE = 0x5000_0000n;
const ALIGN = 0x20_0000n;

export interface GuestModules {
  /** The guest's kernel file. */
  kernel: string;
  ramdisk?: string;
}

export interface DomainSpec extends GuestModules {
  name: string;
  memoryKiB: number;
  cpus: number;
  bootargs?: string;
}

export interface ArmSystem {
  dir: string;
  dtb: string;
  modules: LoaderModule[];
  /** Per domain, in /chosen order (Xen gives them domid 1, 2, ... in that order). */
  domains: DomainSpec[];
  cleanup: () => void;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `dombuild-${prefix}-`));
}

/** Writes probe guests printing `markers` into `dir`; returns their paths. */
export function writeProbes(dir: string, markers: string[]): string[] {
  return markers.map((marker, i) => {
    const file = join(dir, `probe${i + 1}`);
    writeFileSync(file, probeGuestImage({ marker }));
    return file;
  });
}

/** system.dtb for a dom0less boot of `domains` on `machine` (no dom0). */
export async function armSystem(
  dir: string,
  domains: DomainSpec[],
  opts: { machine?: ArmMachine; xenBootargs?: string } = {},
): Promise<ArmSystem> {
  const machine = opts.machine ?? ARM_MACHINE;
  const tree = readDtb(await dumpMachineDtb(machine, join(dir, 'virt.dtb')));
  const chosen = tree.ensurePath('/chosen');
  chosen.setProp('#address-cells', value.u32(2));
  chosen.setProp('#size-cells', value.u32(2));
  chosen.setProp(
    'xen,xen-bootargs',
    value.string(opts.xenBootargs ?? 'console=dtuart dtuart=/pl011@9000000 bootscrub=0'),
  );
  let next = MODULE_BASE;
  const modules: LoaderModule[] = [];
  const place = (file: string): bigint => {
    const addr = next;
    next += ((BigInt(statSync(file).size) + ALIGN - 1n) / ALIGN) * ALIGN;
    modules.push({ file, addr });
    return addr;
  };
  for (const d of domains) {
    const dom = chosen.addChild(new Node(d.name));
    dom.setProp('compatible', value.string('xen,domain'));
    dom.setProp('#address-cells', value.u32(2));
    dom.setProp('#size-cells', value.u32(2));
    dom.setProp('memory', value.u64(BigInt(d.memoryKiB)));
    dom.setProp('cpus', value.u32(d.cpus));
    dom.setProp('vpl011', value.empty());
    const kaddr = place(d.kernel);
    const k = dom.addChild(new Node(`module@${kaddr.toString(16)}`));
    k.setProp('compatible', value.strings('multiboot,kernel', 'multiboot,module'));
    k.setProp('reg', value.u64(kaddr, BigInt(statSync(d.kernel).size)));
    if (d.bootargs !== undefined) k.setProp('bootargs', value.string(d.bootargs));
    if (d.ramdisk) {
      const raddr = place(d.ramdisk);
      const r = dom.addChild(new Node(`module@${raddr.toString(16)}`));
      r.setProp('compatible', value.strings('multiboot,ramdisk', 'multiboot,module'));
      r.setProp('reg', value.u64(raddr, BigInt(statSync(d.ramdisk).size)));
    }
  }
  const dtb = join(dir, 'system.dtb');
  writeFileSync(dtb, writeDtb(tree));
  return { dir, dtb, modules, domains, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Fixed load addresses for the U-Boot script: Xen low in RAM, the DTB below the modules. */
const UBOOT_XEN_ADDR = 0x4020_0000n;
const UBOOT_DTB_ADDR = 0x4400_0000n;

/**
 * A TFTP root for the same system booted through U-Boot: Xen, the DTB and each module copied in,
 * and a script image (written by images/uimage.ts) that loads them at the direct-boot addresses
 * and runs `booti`. Returns the folder.
 */
export function ubootTftpRoot(sys: ArmSystem, xen: string): string {
  const root = join(sys.dir, 'tftp');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root);
  const lines: string[] = [];
  const put = (file: string, name: string, addr: bigint) => {
    copyFileSync(file, join(root, name));
    lines.push(`tftpb 0x${addr.toString(16)} ${name}`);
  };
  put(xen, 'xen', UBOOT_XEN_ADDR);
  put(sys.dtb, 'system.dtb', UBOOT_DTB_ADDR);
  for (const [i, m] of sys.modules.entries()) put(m.file, `m${i}-${basename(m.file)}`, BigInt(m.addr));
  lines.push(`booti 0x${UBOOT_XEN_ADDR.toString(16)} - 0x${UBOOT_DTB_ADDR.toString(16)}`);
  const source = `${lines.join('\n')}\n`;
  writeFileSync(join(root, 'boot.source'), source);
  writeFileSync(join(root, UBOOT_DHCP_SCRIPT), writeScriptImage(source, { timestamp: 0 }));
  return root;
}
