import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ASSET_IDS,
  cacheRootFrom,
  locateAsset,
  readManifest,
  xenAssetId,
  xenX86Elf,
} from '../../qemu/assets.js';
import { QemuError } from '../../qemu/errors.js';
import { tempDir } from '../support/tmp.js';
import { inCI } from '../support/tools.js';

const scratch = tempDir;

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof QemuError) return e.code;
    throw e;
  }
  return undefined;
}

function fakeCache(packages: unknown): string {
  const root = scratch('dombuild-cache-');
  mkdirSync(join(root, 'debs'));
  writeFileSync(join(root, 'debs', 'manifest.json'), JSON.stringify({ packages }));
  return root;
}

const entry = (key: string, pkg: string) => ({
  key,
  package: pkg,
  arch: 'arm64',
  suite: 'bookworm',
  version: '1.0',
  path: key,
});

describe('assets', () => {
  it('resolves the cache root as setup-system.sh does', () => {
    expect(cacheRootFrom({ DOMBUILD_CACHE: '/c' }, '/h')).toBe('/c');
    expect(cacheRootFrom({ XDG_CACHE_HOME: '/x' }, '/h')).toBe('/x/dombuild');
    expect(cacheRootFrom({}, '/h')).toBe('/h/.cache/dombuild');
  });

  it('finds files through the manifest, kernel version from the package name', () => {
    const root = fakeCache([entry('linux-image-arm64-bookworm', 'linux-image-6.1.0-9-arm64')]);
    mkdirSync(join(root, 'debs/linux-image-arm64-bookworm/boot'), { recursive: true });
    writeFileSync(join(root, 'debs/linux-image-arm64-bookworm/boot/vmlinuz-6.1.0-9-arm64'), 'k');
    const a = locateAsset(root, 'linux-arm64');
    expect(a.path).toBe(join(root, 'debs/linux-image-arm64-bookworm/boot/vmlinuz-6.1.0-9-arm64'));
    expect(a).toMatchObject({ package: 'linux-image-6.1.0-9-arm64', version: '1.0', suite: 'bookworm' });
  });

  it('says MISSING_ASSET for an absent manifest, entry or file', () => {
    const empty = scratch('dombuild-cache-');
    expect(code(() => locateAsset(empty, 'busybox-arm64'))).toBe('MISSING_ASSET');
    const root = fakeCache([entry('busybox-static-arm64-bookworm', 'busybox-static')]);
    expect(code(() => locateAsset(root, 'busybox-arm64'))).toBe('MISSING_ASSET');
    expect(code(() => locateAsset(root, 'xen-4.17-arm64'))).toBe('MISSING_ASSET');
  });

  it('says BAD_MANIFEST for a manifest setup did not write', () => {
    for (const bad of [
      null,
      [{}],
      [{ ...entry('k', 'p'), path: '../../etc' }],
      [{ ...entry('k', 'p'), version: 3 }],
    ]) {
      expect(code(() => readManifest(fakeCache(bad)))).toBe('BAD_MANIFEST');
    }
    const root = scratch('dombuild-cache-');
    mkdirSync(join(root, 'debs'));
    writeFileSync(join(root, 'debs', 'manifest.json'), '{');
    expect(code(() => readManifest(root))).toBe('BAD_MANIFEST');
  });

  it('unpacks the gzipped x86 Xen once into derived/', () => {
    const root = fakeCache([
      { ...entry('xen-hypervisor-4.17-amd64-bookworm', 'xen-hypervisor-4.17-amd64'), arch: 'amd64' },
    ]);
    mkdirSync(join(root, 'debs/xen-hypervisor-4.17-amd64-bookworm/boot'), { recursive: true });
    writeFileSync(
      join(root, 'debs/xen-hypervisor-4.17-amd64-bookworm/boot/xen-4.17-amd64.gz'),
      gzipSync('\x7fELF!'),
    );
    const elf = xenX86Elf(root);
    expect(elf.startsWith(join(root, 'derived'))).toBe(true);
    expect(xenX86Elf(root)).toBe(elf);
  });

  it('maps releases to cached Xen builds', () => {
    expect(xenAssetId('4.20', 'arm64')).toBe('xen-4.20-arm64');
    expect(code(() => xenAssetId('4.20', 'amd64'))).toBe('MISSING_ASSET');
  });
});

// The real cache that scripts/setup-system.sh fills: every asset must be there, Xen with its
// Kconfig. Under CI this must pass; elsewhere it is skipped when setup has not been run.
const realRoot = cacheRootFrom(process.env, process.env.HOME ?? '/root');
const haveCache = (() => {
  try {
    readManifest(realRoot);
    return true;
  } catch {
    return false;
  }
})();
if (inCI && !haveCache)
  throw new Error(`CI=true and the dombuild cache ${realRoot} has no manifest: run scripts/setup-system.sh`);

describe.skipIf(!haveCache)('the cache setup-system.sh filled', () => {
  it('holds every asset, and Xen with the .config Debian ships beside it', () => {
    for (const id of ASSET_IDS) {
      const a = locateAsset(realRoot, id);
      if (id.startsWith('xen-4')) expect(a.configPath).toMatch(/\.config$/);
    }
    expect(locateAsset(realRoot, 'xen-4.20-arm64').version).toMatch(/^4\.20\./);
    expect(locateAsset(realRoot, 'xen-4.17-arm64').version).toMatch(/^4\.17\./);
  });
});
