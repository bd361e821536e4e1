// `dombuild doctor`: every external tool and cached binary dombuild uses, present (with its
// version and path) or missing (with the exact command that gets it). Exit 0 when all are there.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SBIN } from '../../builder/media/tools.js';
import {
  ASSET_IDS,
  type AssetId,
  cacheRootFrom,
  locateAsset,
  readManifest,
  UBOOT_QEMU_ARM64,
} from '../../qemu/assets.js';
import { QemuError } from '../../qemu/errors.js';
import { EDK2_QEMU_ARM64 } from '../../qemu/system.js';
import type { CliIO } from '../io.js';

export interface DoctorItem {
  name: string;
  /** What dombuild uses it for. */
  purpose: string;
  present: boolean;
  version?: string;
  path?: string;
  /** The command that installs or fetches it (only when missing). */
  fix?: string;
}

interface ToolCheck {
  cmd: string;
  pkg: string;
  purpose: string;
  versionArgs: string[];
  version: RegExp;
}

const TOOLS: ToolCheck[] = [
  {
    cmd: 'dtc',
    pkg: 'device-tree-compiler',
    purpose: 'judge DTBs (tests), `dombuild dtc` reference',
    versionArgs: ['--version'],
    version: /DTC\s+(\S+)/,
  },
  {
    cmd: 'fdtoverlay',
    pkg: 'device-tree-compiler',
    purpose: 'judge overlays (tests)',
    versionArgs: ['--version'],
    version: /(?:Version:\s*)?(\S*\d\S*)/,
  },
  {
    cmd: 'mkimage',
    pkg: 'u-boot-tools',
    purpose: 'judge boot.scr and FIT images',
    versionArgs: ['-V'],
    version: /version\s+(\S+)/,
  },
  {
    cmd: 'mkfs.vfat',
    pkg: 'dosfstools',
    purpose: 'the FAT partitions of disk.img and efi.img',
    versionArgs: ['--help'],
    version: /mkfs\.fat\s+(\S+)/,
  },
  {
    cmd: 'mcopy',
    pkg: 'mtools',
    purpose: 'fill disk.img and efi.img without mounting them',
    versionArgs: ['--version'],
    version: /mtools\)\s+(\S+)/,
  },
  {
    cmd: 'sfdisk',
    pkg: 'fdisk',
    purpose: 'the partition tables of disk.img and efi.img',
    versionArgs: ['--version'],
    version: /util-linux\s+(\S+)/,
  },
  {
    cmd: 'qemu-system-aarch64',
    pkg: 'qemu-system-arm',
    purpose: '`dombuild run` on Arm',
    versionArgs: ['--version'],
    version: /version\s+(\S+)/,
  },
  {
    cmd: 'qemu-system-x86_64',
    pkg: 'qemu-system-x86',
    purpose: '`dombuild run` on x86',
    versionArgs: ['--version'],
    version: /version\s+(\S+)/,
  },
];

const ASSET_PURPOSE: Record<AssetId, string> = {
  'xen-4.17-arm64': 'Xen 4.17 for Arm boots',
  'xen-4.20-arm64': 'Xen 4.20 for Arm boots',
  'xen-4.17-amd64': 'Xen 4.17 for x86 boots',
  'linux-arm64': 'Linux test guest kernel (Arm)',
  'linux-amd64': 'Linux dom0 kernel (x86)',
  'busybox-arm64': 'Linux test guest initramfs (Arm)',
  'busybox-amd64': 'Linux dom0 initramfs (x86)',
  'xen-headers-4.20': 'Xen 4.20 public headers (createdomain judge)',
  'xen-toolstack-4.17-arm64': "Xen 4.17's toolstack (xl) for the dom0 that creates runtime domains",
  'xen-toolstack-4.20-arm64': "Xen 4.20's toolstack (xl) for the dom0 that creates runtime domains",
  'xen-toolstack-4.17-amd64': "Xen 4.17's x86 toolstack (xl) for the dom0 that creates runtime domains",
  'linux-xen-modules-arm64': "the dom0 kernel's Xen drivers (evtchn, privcmd, gntdev) as modules",
  'linux-xen-modules-amd64': "the x86 dom0 kernel's Xen drivers (evtchn, privcmd, gntdev) as modules",
};

/** setup-system.sh beside this checkout (source tree or bundled dist/), when there is one. */
function setupScript(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const up of ['../..', '..']) {
    const p = resolve(here, up, 'scripts', 'setup-system.sh');
    if (existsSync(p)) return `sudo bash ${p}`;
  }
  return 'sudo bash scripts/setup-system.sh   (from the dombuild repository)';
}

function which(cmd: string, pathVar: string): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return undefined;
}

export function doctorReport(env: CliIO['env']): DoctorItem[] {
  const items: DoctorItem[] = [];
  // The media tools are found in /usr/sbin even off PATH, as `build` finds them (builder/media/tools.ts).
  const pathVar = [env.PATH ?? '', ...SBIN].filter(Boolean).join(delimiter);
  for (const t of TOOLS) {
    const path = which(t.cmd, pathVar);
    const item: DoctorItem = { name: t.cmd, purpose: t.purpose, present: path !== undefined };
    if (path) {
      item.path = path;
      const out = spawnSync(path, t.versionArgs, { encoding: 'utf8', timeout: 10_000 });
      const text = `${out.stdout ?? ''}\n${out.stderr ?? ''}`;
      const v = t.version.exec(text)?.[1];
      if (v) item.version = v;
    } else {
      item.fix = `sudo apt-get install -y ${t.pkg}`;
    }
    items.push(item);
  }
  const uboot: DoctorItem = {
    name: 'u-boot.bin (qemu_arm64)',
    purpose: '`dombuild run --method uboot`',
    present: existsSync(UBOOT_QEMU_ARM64),
  };
  if (uboot.present) uboot.path = UBOOT_QEMU_ARM64;
  else uboot.fix = 'sudo apt-get install -y u-boot-qemu';
  items.push(uboot);
  const edk2: DoctorItem = {
    name: 'QEMU_EFI.fd (EDK2, arm64)',
    purpose: '`dombuild run --method efi`',
    present: existsSync(EDK2_QEMU_ARM64),
  };
  if (edk2.present) edk2.path = EDK2_QEMU_ARM64;
  else edk2.fix = 'sudo apt-get install -y qemu-efi-aarch64';
  items.push(edk2);

  const cacheRoot = cacheRootFrom(env, env.HOME ?? homedir());
  const fix = setupScript();
  let manifest: ReturnType<typeof readManifest> | undefined;
  try {
    manifest = readManifest(cacheRoot);
  } catch (err) {
    if (!(err instanceof QemuError)) throw err;
  }
  for (const id of ASSET_IDS) {
    const item: DoctorItem = { name: id, purpose: ASSET_PURPOSE[id], present: false };
    if (manifest) {
      try {
        const a = locateAsset(cacheRoot, id, manifest);
        item.present = true;
        item.version = `${a.package} ${a.version} (${a.suite})`;
        item.path = a.path;
      } catch (err) {
        if (!(err instanceof QemuError)) throw err;
      }
    }
    if (!item.present) item.fix = fix;
    items.push(item);
  }
  return items;
}

export async function runDoctor(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const items = doctorReport(io.env);
  const missing = items.filter((i) => !i.present);
  if (args.json) {
    io.stdout(`${JSON.stringify({ ok: missing.length === 0, items }, null, 2)}\n`);
    return missing.length ? 1 : 0;
  }
  const width = Math.max(...items.map((i) => i.name.length));
  for (const i of items) {
    const what = i.present
      ? `${i.version ?? ''}${i.version && i.path ? '  ' : ''}${i.path ?? ''}`
      : `missing: ${i.fix}`;
    io.stdout(`${i.present ? 'ok     ' : 'MISSING'}  ${i.name.padEnd(width)}  ${what}\n`);
  }
  const fixes = [...new Set(missing.map((i) => i.fix))];
  io.stdout(
    missing.length === 0
      ? '\nEverything dombuild build and run use is present.\n'
      : `\n${missing.length} missing. To get them:\n${fixes.map((f) => `  ${f}`).join('\n')}\n`,
  );
  return missing.length ? 1 : 0;
}
