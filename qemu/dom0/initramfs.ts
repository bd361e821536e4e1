// The toolstack dom0's initramfs, written by dombuild's own cpio writer: Debian's busybox-static,
// the toolstack root setup-system.sh unpacked for the Xen release (xl, xenstored, xenconsoled,
// xen-init-dom0, init-dom0less, the xenstore client and every shared library in the root, with the
// root's own libc and loader), the Xen driver modules of the dom0's kernel, and every runtime
// domain's xl config with the images it names, at the paths it names them.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type CpioEntry, writeCpio } from '../../images/cpio.js';
import { gzip } from '../../images/gzip.js';
import { QemuError } from '../errors.js';
import { dom0Init, dom0XlConfigPath } from './init.js';

/** The Xen drivers a toolstack dom0 loads, in an order that satisfies their dependencies. */
export const DOM0_MODULES = [
  'xen-privcmd.ko',
  'xenfs.ko', // needs xen-privcmd
  'xen-evtchn.ko',
  'xen-gntdev.ko',
  'xen-gntalloc.ko',
] as const;

/**
 * The block backend an arm64 dom0 also loads (after the Xen drivers): loop, which our `block`
 * script attaches a disk image to, and xen-blkback, which serves the loop device to the guest's
 * xen-blkfront. By path under the kernel's module tree (`kernel/`); Debian builds both as modules.
 * Not on amd64: its kernel cache keeps only drivers/xen, and no x86 guest has a disk yet.
 */
export const DOM0_BLOCK_MODULES = [
  'drivers/block/loop.ko',
  'drivers/block/xen-blkback/xen-blkback.ko',
  // The network backend: a vif's backend interface (vif<domid>.<devid>) in dom0.
  'drivers/net/xen-netback/xen-netback.ko',
] as const;

/**
 * Xen's hotplug script for a `phy` disk, run by libxl (`run_hotplug_scripts`, xl.conf's default)
 * as `/etc/xen/scripts/block add|remove` with the backend's xenstore folder in XENBUS_PATH. libxl
 * picks the phy backend for a raw image that is a regular file (libxl__try_phy_backend) and names
 * `block` unless the disk says `script=`. Xen's own `block` is a bash script (xen-hotplug-common.sh,
 * locking.sh) and this dom0 has busybox sh only; this replaces it for what dombuild's disks are,
 * a raw image file: the same steps Xen's script takes for one (its "file" case, without the
 * sharing check and the lock, since one xl create attaches one disk at a time here): attach the
 * file to a free loop device (read-only for mode r), and write the device's major:minor in hex to
 * `physical-device` (what xen-blkback waits for before it opens the device), its path to
 * `physical-device-path`, and `hotplug-status` connected. On remove it detaches the loop device.
 */
export const DOM0_BLOCK_SCRIPT = `#!/bin/sh
# dombuild: /etc/xen/scripts/block for a raw image file (busybox sh; see qemu/dom0/initramfs.ts).
P="$XENBUS_PATH"
[ -n "$P" ] || { echo "block: no XENBUS_PATH" >&2; exit 1; }
case "$1" in
add)
  file=$(xenstore-read "$P/params") || exit 1
  mode=$(xenstore-read "$P/mode") || exit 1
  [ -f "$file" ] || { echo "block: $file is not a file" >&2; exit 1; }
  ro=
  [ "$mode" = r ] && ro=-r
  dev=$(losetup -f) || { echo "block: no free loop device" >&2; exit 1; }
  losetup $ro "$dev" "$file" || exit 1
  mm=$(stat -L -c '%t:%T' "$dev") || exit 1
  xenstore-write "$P/physical-device" "$mm" "$P/physical-device-path" "$dev" || exit 1
  xenstore-write "$P/hotplug-status" connected
  ;;
remove)
  dev=$(xenstore-read "$P/physical-device-path" 2>/dev/null) && losetup -d "$dev"
  exit 0
  ;;
*)
  exit 0
  ;;
esac
`;

/**
 * dombuild's vif hotplug script, at /etc/xen/scripts/vif-dombuild (a config names it with
 * `script: vif-dombuild`): libxl runs it as it runs Xen's vif-bridge (`add`/`remove`, with
 * XENBUS_PATH and the backend interface's name in `vif`), but it joins no bridge: it brings the
 * backend interface up and reports `hotplug-status` connected, so a guest's netfront connects to
 * xen-netback without a bridge in dom0 (Xen's vif scripts are bash, and vif-bridge needs one).
 */
export const DOM0_VIF_SCRIPT = `#!/bin/sh
# dombuild: /etc/xen/scripts/vif-dombuild, a vif with no bridge (busybox sh; qemu/dom0/initramfs.ts).
P="$XENBUS_PATH"
[ -n "$P" ] || { echo "vif-dombuild: no XENBUS_PATH" >&2; exit 1; }
case "$1" in
add|online)
  dev="$vif"
  [ -n "$dev" ] || dev="vif$(basename "$(dirname "$P")").$(basename "$P")"
  ip link set dev "$dev" up || exit 1
  xenstore-write "$P/hotplug-status" connected
  ;;
*)
  exit 0
  ;;
esac
`;

const XENSTORE_CLIENTS = [
  'xenstore-ls',
  'xenstore-read',
  'xenstore-list',
  'xenstore-write',
  'xenstore-exists',
];
const APPLETS = ['sh', 'mount', 'mkdir', 'sleep'];

export interface RuntimeDomainFiles {
  name: string;
  /** The xl config as `build` wrote it. */
  config: Uint8Array;
  /** Every file the config names (kernel, ramdisk), at its absolute path in the dom0. */
  files: { path: string; data: Uint8Array }[];
  /** What its console log must match (grep BRE) before the census is read. */
  waitFor?: string;
}

/** The architectures Debian ships a Xen toolstack for that dombuild boots. */
export type ToolstackArch = 'arm64' | 'amd64';

/** Where each architecture's root keeps its loader and libraries (Debian's multiarch triplet). */
const ARCH_LIBS: Record<ToolstackArch, { triplet: string; loader: string; dom0less: boolean }> = {
  arm64: { triplet: 'aarch64-linux-gnu', loader: 'ld-linux-aarch64.so.1', dom0less: true },
  // amd64's binaries ask for /lib64/ld-linux-x86-64.so.2 (a symlink libc6 ships); no init-dom0less.
  amd64: { triplet: 'x86_64-linux-gnu', loader: 'ld-linux-x86-64.so.2', dom0less: false },
};

export interface Dom0InitramfsInput {
  /** The architecture of the dom0 (busybox, toolstack, modules); arm64 when not given. */
  arch?: ToolstackArch;
  /** Debian's static busybox for the dom0's architecture. */
  busybox: Uint8Array;
  /** The unpacked toolstack root (`<cache>/debs/xen-toolstack-<release>-arm64-<suite>`). */
  toolstackRoot: string;
  /** The release whose binaries the root holds, e.g. "4.17". */
  release: string;
  /** The kernel's `drivers/xen` module folder (arm64: its `kernel/` also has DOM0_BLOCK_MODULES). */
  modulesDir: string;
  /** In creation order. */
  runtime: readonly RuntimeDomainFiles[];
}

/** Files of the root the dom0 runs, by path relative to the root. */
function wanted(release: string, arch: ToolstackArch): (rel: string) => boolean {
  const bin = new RegExp(
    `^usr/lib/xen-${release.replace('.', '\\.')}/bin/(xl|xenstored|xenconsoled|xen-init-dom0|init-dom0less)$`,
  );
  const { triplet, loader } = ARCH_LIBS[arch];
  const esc = (t: string) => t.replace(/[.]/g, '\\.');
  const lib = new RegExp(
    `^(usr/)?lib${arch === 'amd64' ? '(64)?' : ''}/(${esc(triplet)}/)?(${esc(loader)}|lib[^/]+\\.so(\\.[0-9.]+)?)$`,
  );
  return (rel) => bin.test(rel) || lib.test(rel) || rel === 'usr/bin/xenstore' || rel === 'etc/xen/xl.conf';
}

function walk(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(root, path));
    if (st.isDirectory()) out.push(...walk(root, path));
    else out.push(path);
  }
  return out;
}

/** Adds an entry after its missing parent directories. */
class Tree {
  readonly entries: CpioEntry[] = [];
  private readonly seen = new Set<string>();

  dir(path: string): void {
    if (path === '' || this.seen.has(path)) return;
    const at = path.lastIndexOf('/');
    if (at > 0) this.dir(path.slice(0, at));
    this.seen.add(path);
    this.entries.push({ path, type: 'dir', mode: 0o755 });
  }

  add(e: CpioEntry): void {
    if (this.seen.has(e.path)) throw new QemuError('BAD_SPEC', `${e.path} is in the dom0 twice`);
    const at = e.path.lastIndexOf('/');
    if (at > 0) this.dir(e.path.slice(0, at));
    this.seen.add(e.path);
    this.entries.push(e);
  }

  has(path: string): boolean {
    return this.seen.has(path);
  }
}

export function dom0Initramfs(input: Dom0InitramfsInput): Uint8Array {
  if (input.busybox.length < 4 || input.busybox[0] !== 0x7f || input.busybox[1] !== 0x45) {
    throw new QemuError('BAD_SPEC', 'busybox is not an ELF binary', 'busybox');
  }
  const t = new Tree();
  for (const d of ['bin', 'sbin', 'dev', 'proc', 'sys', 'tmp', 'run', 'usr/bin', 'usr/sbin']) t.dir(d);
  t.add({ path: 'dev/console', type: 'chardev', mode: 0o600, major: 5, minor: 1 });
  t.add({ path: 'bin/busybox', type: 'file', mode: 0o755, data: input.busybox });
  for (const a of APPLETS) t.add({ path: `bin/${a}`, type: 'symlink', mode: 0o777, linkTarget: 'busybox' });

  const arch = input.arch ?? 'arm64';
  const keep = wanted(input.release, arch);
  const files = walk(input.toolstackRoot).filter(keep);
  if (!files.includes(`usr/lib/xen-${input.release}/bin/xl`)) {
    throw new QemuError('MISSING_ASSET', `no xl for Xen ${input.release}`, input.toolstackRoot);
  }
  // A merged-/usr root (trixie) keeps its loader in usr/lib; binaries ask for /lib/ld-linux-*.
  if (!files.some((f) => f.startsWith('lib/'))) {
    t.add({ path: 'lib', type: 'symlink', mode: 0o777, linkTarget: 'usr/lib' });
  }
  for (const rel of files) {
    const abs = join(input.toolstackRoot, rel);
    const st = lstatSync(abs);
    if (st.isSymbolicLink()) {
      t.add({ path: rel, type: 'symlink', mode: 0o777, linkTarget: readlinkSync(abs) });
    } else {
      t.add({ path: rel, type: 'file', mode: st.mode & 0o7777, data: readFileSync(abs) });
    }
  }
  // The client picks its operation from the name it is called by.
  for (const c of XENSTORE_CLIENTS) {
    t.add({ path: `usr/bin/${c}`, type: 'symlink', mode: 0o777, linkTarget: 'xenstore' });
  }

  for (const m of DOM0_MODULES) {
    const file = m === 'xenfs.ko' ? join(input.modulesDir, 'xenfs', m) : join(input.modulesDir, m);
    let data: Uint8Array;
    try {
      data = readFileSync(file);
    } catch {
      throw new QemuError('MISSING_ASSET', `module ${m} is absent`, file);
    }
    t.add({ path: `dombuild/modules/${m}`, type: 'file', mode: 0o644, data });
  }
  const blockModules = arch === 'arm64' ? DOM0_BLOCK_MODULES : [];
  for (const m of blockModules) {
    // <kernel>/drivers/xen -> <kernel>
    const file = join(input.modulesDir, '..', '..', m);
    let data: Uint8Array;
    try {
      data = readFileSync(file);
    } catch {
      throw new QemuError(
        'MISSING_ASSET',
        `module ${m} is absent (a kernel cache from before it was kept: run scripts/setup-system.sh)`,
        file,
      );
    }
    t.add({ path: `dombuild/modules/${basename(m)}`, type: 'file', mode: 0o644, data });
  }
  if (arch === 'arm64') {
    t.add({
      path: 'etc/xen/scripts/block',
      type: 'file',
      mode: 0o755,
      data: new TextEncoder().encode(DOM0_BLOCK_SCRIPT),
    });
    t.add({
      path: 'etc/xen/scripts/vif-dombuild',
      type: 'file',
      mode: 0o755,
      data: new TextEncoder().encode(DOM0_VIF_SCRIPT),
    });
  }

  for (const r of input.runtime) {
    t.add({ path: dom0XlConfigPath(r.name).slice(1), type: 'file', mode: 0o644, data: r.config });
    for (const f of r.files) {
      if (!f.path.startsWith('/') || f.path.split('/').some((p) => p === '..')) {
        throw new QemuError('BAD_SPEC', `${r.name}: ${f.path} is not an absolute path`, f.path);
      }
      // Two runtime domains may name one image; the second copy is the same file.
      if (!t.has(f.path.slice(1))) t.add({ path: f.path.slice(1), type: 'file', mode: 0o644, data: f.data });
    }
  }

  const { triplet, dom0less } = ARCH_LIBS[arch];
  const init = dom0Init({
    xenBin: `/usr/lib/xen-${input.release}/bin`,
    ...(arch === 'arm64' ? {} : { libPath: `/lib/${triplet}:/usr/lib/${triplet}`, dom0less }),
    modules: [...DOM0_MODULES, ...blockModules.map((m) => basename(m))],
    runtime: input.runtime.map((r) =>
      r.waitFor === undefined ? { name: r.name } : { name: r.name, waitFor: r.waitFor },
    ),
  });
  t.add({ path: 'init', type: 'file', mode: 0o755, data: new TextEncoder().encode(init) });
  return gzip(writeCpio(t.entries));
}
