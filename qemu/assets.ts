// Where the binaries a boot needs live. scripts/setup-system.sh unpacks Debian packages into
// `<cache>/debs/<key>/` and lists them in `<cache>/debs/manifest.json`; this module reads that
// manifest instead of globbing, and turns anything absent into a typed error that says how to get
// it. The cache root is a parameter: only cli/ looks at the environment.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { QemuError } from './errors.js';

export const SETUP_HINT = 'run scripts/setup-system.sh (as root) to install and cache it';

/** The firmware `-bios` image Debian's u-boot-qemu ships for QEMU's arm64 virt machine. */
export const UBOOT_QEMU_ARM64 = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';

export type AssetId =
  | 'xen-4.17-arm64'
  | 'xen-4.20-arm64'
  | 'xen-4.17-amd64'
  | 'linux-arm64'
  | 'linux-amd64'
  | 'busybox-arm64'
  | 'busybox-amd64'
  | 'xen-headers-4.20'
  | 'xen-toolstack-4.17-arm64'
  | 'xen-toolstack-4.20-arm64'
  | 'xen-toolstack-4.17-amd64'
  | 'linux-xen-modules-arm64'
  | 'linux-xen-modules-amd64';

interface AssetRule {
  /** The manifest key (and cache folder) setup-system.sh uses. */
  key: string;
  /** The file inside the unpacked package; `{kver}` is the kernel version from the package name. */
  file: string;
  /** The Kconfig Debian ships beside a Xen binary. */
  config?: string;
}

// One table: adding a cached binary is one row here and one line in setup-system.sh.
const ASSETS: Record<AssetId, AssetRule> = {
  'xen-4.17-arm64': {
    key: 'xen-hypervisor-4.17-arm64-bookworm',
    file: 'boot/xen-4.17-arm64',
    config: 'boot/xen-4.17-arm64.config',
  },
  'xen-4.20-arm64': {
    key: 'xen-hypervisor-4.20-arm64-trixie',
    file: 'boot/xen-4.20-arm64',
    config: 'boot/xen-4.20-arm64.config',
  },
  'xen-4.17-amd64': {
    key: 'xen-hypervisor-4.17-amd64-bookworm',
    file: 'boot/xen-4.17-amd64.gz',
    config: 'boot/xen-4.17-amd64.config',
  },
  'linux-arm64': { key: 'linux-image-arm64-bookworm', file: 'boot/vmlinuz-{kver}' },
  'linux-amd64': { key: 'linux-image-amd64-bookworm', file: 'boot/vmlinuz-{kver}' },
  'busybox-arm64': { key: 'busybox-static-arm64-bookworm', file: 'bin/busybox' },
  'busybox-amd64': { key: 'busybox-static-amd64-bookworm', file: 'bin/busybox' },
  'xen-headers-4.20': { key: 'libxen-dev-trixie', file: 'usr/include/xen/domctl.h' },
  // A dom0's toolstack: each release's xl with its own libc, one unpacked root per suite.
  'xen-toolstack-4.17-arm64': { key: 'xen-toolstack-4.17-arm64-bookworm', file: 'usr/lib/xen-4.17/bin/xl' },
  'xen-toolstack-4.20-arm64': { key: 'xen-toolstack-4.20-arm64-trixie', file: 'usr/lib/xen-4.20/bin/xl' },
  'xen-toolstack-4.17-amd64': { key: 'xen-toolstack-4.17-amd64-bookworm', file: 'usr/lib/xen-4.17/bin/xl' },
  // The Xen drivers Debian builds as modules, from the same package as linux-arm64's kernel.
  'linux-xen-modules-arm64': {
    key: 'linux-image-arm64-bookworm',
    file: 'lib/modules/{kver}/kernel/drivers/xen',
  },
  'linux-xen-modules-amd64': {
    key: 'linux-image-amd64-bookworm',
    file: 'lib/modules/{kver}/kernel/drivers/xen',
  },
};

export const ASSET_IDS = Object.keys(ASSETS) as AssetId[];

export interface ManifestEntry {
  key: string;
  package: string;
  arch: string;
  suite: string;
  version: string;
  /** Folder relative to `<cache>/debs`. */
  path: string;
}

export interface Asset {
  id: AssetId;
  /** Absolute path of the file. */
  path: string;
  /** Absolute path of the Kconfig shipped beside it (Xen only). */
  configPath?: string;
  package: string;
  version: string;
  suite: string;
  arch: string;
}

/**
 * The cache root setup-system.sh uses: `$DOMBUILD_CACHE`, else `$XDG_CACHE_HOME/dombuild`, else
 * `~/.cache/dombuild`. The caller passes the environment in.
 */
export function cacheRootFrom(env: Record<string, string | undefined>, homeDir: string): string {
  if (env.DOMBUILD_CACHE) return env.DOMBUILD_CACHE;
  return join(env.XDG_CACHE_HOME || join(homeDir, '.cache'), 'dombuild');
}

const MAX_MANIFEST_BYTES = 1 << 20;

export function readManifest(cacheRoot: string): ManifestEntry[] {
  const file = join(cacheRoot, 'debs', 'manifest.json');
  if (!existsSync(file)) {
    throw new QemuError('MISSING_ASSET', 'no cache manifest', file, SETUP_HINT);
  }
  if (statSync(file).size > MAX_MANIFEST_BYTES) {
    throw new QemuError('BAD_MANIFEST', 'manifest is implausibly large', file, SETUP_HINT);
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new QemuError('BAD_MANIFEST', `not JSON: ${(err as Error).message}`, file, SETUP_HINT);
  }
  const pkgs = (data as { packages?: unknown } | null)?.packages;
  if (!Array.isArray(pkgs)) {
    throw new QemuError('BAD_MANIFEST', 'no "packages" array', file, SETUP_HINT);
  }
  const fields = ['key', 'package', 'arch', 'suite', 'version', 'path'] as const;
  return pkgs.map((p, i) => {
    for (const f of fields) {
      const v = (p as Record<string, unknown> | null)?.[f];
      // A path that climbs out of debs/ is not something setup wrote.
      if (typeof v !== 'string' || v === '' || (f === 'path' && /(^|\/)\.\.(\/|$)|^\//.test(v))) {
        throw new QemuError('BAD_MANIFEST', `packages[${i}].${f} is missing or invalid`, file);
      }
    }
    return p as ManifestEntry;
  });
}

/** Finds one cached binary; throws MISSING_ASSET with the setup hint when it is not there. */
export function locateAsset(cacheRoot: string, id: AssetId, manifest?: ManifestEntry[]): Asset {
  const rule = ASSETS[id];
  const entries = manifest ?? readManifest(cacheRoot);
  const entry = entries.find((e) => e.key === rule.key);
  if (!entry) {
    throw new QemuError('MISSING_ASSET', `${rule.key} is not in the cache manifest`, id, SETUP_HINT);
  }
  const dir = join(cacheRoot, 'debs', entry.path);
  const kver = entry.package.replace(/^linux-image-/, '');
  const path = join(dir, rule.file.replace('{kver}', kver));
  if (!existsSync(path)) {
    throw new QemuError('MISSING_ASSET', `expected file ${path} is absent`, id, SETUP_HINT);
  }
  const asset: Asset = {
    id,
    path,
    package: entry.package,
    version: entry.version,
    suite: entry.suite,
    arch: entry.arch,
  };
  if (rule.config) {
    const cfg = join(dir, rule.config);
    if (existsSync(cfg)) asset.configPath = cfg;
  }
  return asset;
}

export type CachedXenRelease = '4.17' | '4.20';

/** The cached Xen for a release and architecture (only the ones setup-system.sh fetches). */
export function xenAssetId(release: CachedXenRelease, arch: 'arm64' | 'amd64'): AssetId {
  const id = `xen-${release}-${arch}`;
  if (!(id in ASSETS)) {
    throw new QemuError('MISSING_ASSET', `no cached Xen ${release} for ${arch}`, id, SETUP_HINT);
  }
  return id as AssetId;
}

/**
 * Debian ships x86 Xen gzipped; QEMU's multiboot loader needs the ELF. The unpacked copy is kept
 * at `<cache>/derived/` and rewritten when the package is newer than it.
 */
export function xenX86Elf(cacheRoot: string, manifest?: ManifestEntry[]): string {
  const gz = locateAsset(cacheRoot, 'xen-4.17-amd64', manifest);
  const dir = join(cacheRoot, 'derived');
  const out = join(dir, `xen-4.17-amd64-${gz.version.replace(/[^A-Za-z0-9.+-]/g, '_')}`);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, gunzipSync(readFileSync(gz.path)));
    renameSync(tmp, out);
  }
  return out;
}
