// The checks whose rules live in later pipeline stages (the files a config names, the Xen binary
// it names) each fire on a failing fixture and stay silent on a passing one, through validate,
// like the schema's checks (test/schema/checks). The fixtures are real files on disk.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pipelineChecks } from '../../builder/pipeline/checks.js';
import { cacheRootFrom, locateAsset, readManifest } from '../../qemu/assets.js';
import { runCliCaptured } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { inCI } from '../support/tools.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A stand-in Xen for Arm: what the release check reads is the "xen,xen-X.Y" string. */
const fakeXen = (release: string) =>
  new Uint8Array([...new Uint8Array(4096), ...new TextEncoder().encode(`xen,xen-${release}\0xen,xen\0`)]);

interface Case {
  /** Files to create (path → bytes), then the config's YAML. */
  files: Record<string, Uint8Array | 'dir'>;
  yaml: string;
}

const sys = (xen: string | undefined, kernel: string, release = '4.17') =>
  `xen: { release: "${release}"${xen ? `, image: ${xen}` : ''} }\nboard: qemu-virt-arm64\ndomains:\n  - { name: g, kernel: ${kernel}, memory: 64M }\n`;
const gz = gzipSync(new Uint8Array(8192));

const FIXTURES: Record<string, { bad: Case; good: Case }> = {
  'image-missing': {
    bad: { files: {}, yaml: sys(undefined, 'Image') },
    good: { files: { Image: gz }, yaml: sys(undefined, 'Image') },
  },
  'image-unreadable': {
    bad: { files: { Image: 'dir' }, yaml: sys(undefined, 'Image') },
    good: { files: { Image: gz }, yaml: sys(undefined, 'Image') },
  },
  'image-empty': {
    bad: { files: { Image: new Uint8Array(0) }, yaml: sys(undefined, 'Image') },
    good: { files: { Image: gz }, yaml: sys(undefined, 'Image') },
  },
  'image-unknown-format': {
    bad: { files: { Image: new Uint8Array(8192).fill(7) }, yaml: sys(undefined, 'Image') },
    good: { files: { Image: gz }, yaml: sys(undefined, 'Image') },
  },
  'xen-image-release': {
    bad: { files: { xen: fakeXen('4.20'), Image: gz }, yaml: sys('xen', 'Image', '4.17') },
    good: { files: { xen: fakeXen('4.20'), Image: gz }, yaml: sys('xen', 'Image', '4.20') },
  },
};

async function ids(c: Case): Promise<{ id: string; path: string }[]> {
  const dir = tempDir('dombuild-staged-');
  for (const [name, bytes] of Object.entries(c.files)) {
    if (bytes === 'dir') mkdirSync(join(dir, name));
    else writeFileSync(join(dir, name), bytes);
  }
  writeFileSync(join(dir, 'sys.yaml'), c.yaml);
  const r = await runCliCaptured(['validate', 'sys.yaml', '--json'], { cwd: dir });
  return JSON.parse(r.stdout).diagnostics;
}

describe('the staged image checks', () => {
  it('every image-stage check of the table has a fixture (meta)', () => {
    const staged = pipelineChecks()
      .filter((c) => c.stage === 'images')
      .map((c) => c.id);
    expect(staged.filter((id) => !(id in FIXTURES))).toEqual([]);
  });

  it.each(Object.entries(FIXTURES))(
    '%s fires on its failing fixture, not on its passing one',
    async (id, f) => {
      expect((await ids(f.bad)).map((d) => d.id)).toContain(id);
      expect((await ids(f.good)).map((d) => d.id)).not.toContain(id);
    },
  );

  it('xen-image-release points at xen.image and says which release the binary is', async () => {
    const d = (await ids(FIXTURES['xen-image-release']!.bad)).find((x) => x.id === 'xen-image-release');
    expect(d?.path).toBe('xen.image');
  });
});

describe("the Xen build's Kconfig beside its binary", () => {
  const staticMem =
    'xen: { release: "4.17", image: bin/xen }\nboard: qemu-virt-arm64\ndomains:\n' +
    '  - { name: g, kernel: probe, memory: 64M, staticMemory: [{ base: "0x60000000", size: 64M }], directMap: true }\n';

  it.each([['bin/xen.config'], ['bin/.config']])(
    '%s is used when xen.kconfig is not given',
    async (kconfig) => {
      const dir = tempDir('dombuild-kconfig-');
      mkdirSync(join(dir, 'bin'));
      writeFileSync(join(dir, 'bin', 'xen'), fakeXen('4.17'));
      writeFileSync(join(dir, 'sys.yaml'), staticMem);
      const without = await runCliCaptured(['validate', 'sys.yaml', '--json'], { cwd: dir });
      expect(JSON.parse(without.stdout).valid).toBe(true);
      writeFileSync(join(dir, kconfig), 'CONFIG_ARM=y\n# CONFIG_STATIC_MEMORY is not set\n');
      const r = await runCliCaptured(['validate', 'sys.yaml', '--json'], { cwd: dir });
      expect(JSON.parse(r.stdout).diagnostics.map((d: { id: string }) => d.id)).toContain(
        'static-memory-kconfig',
      );
      const b = await runCliCaptured(['build', 'sys.yaml', '-o', 'out'], { cwd: dir });
      expect(b.code).toBe(1);
      expect(b.stderr).toContain(`checking against the Xen build's Kconfig ${join(dir, kconfig)}`);
    },
  );
});

// `run` with Debian's cached Xen judges the config by that build's .config, so a config Debian's
// Xen cannot boot is refused before QEMU starts instead of timing out on a silent console.
function cachedXen(): string | undefined {
  const cache = cacheRootFrom(process.env, homedir());
  try {
    readManifest(cache);
    return locateAsset(cache, 'xen-4.20-arm64').configPath;
  } catch (e) {
    if (inCI) throw new Error(`CI=true and no dombuild cache at ${cache}: ${(e as Error).message}`);
    return undefined;
  }
}
const debianConfig = cachedXen();

describe.skipIf(debianConfig === undefined)("run judges the config by the cached Xen's own .config", () => {
  it('examples/static-partitioning.yaml is refused with the Kconfig ids, before any boot', async () => {
    const dir = tempDir('dombuild-run-kconfig-');
    for (const f of ['static-partitioning.yaml', 'static-partitioning.config'])
      copyFileSync(join(root, 'examples', f), join(dir, f));
    // No QEMU on PATH: reaching the boot would be a usage error (exit 2), not this refusal.
    const r = await runCliCaptured(['run', 'static-partitioning.yaml'], {
      cwd: dir,
      env: { HOME: homedir(), PATH: '' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`and its Kconfig ${debianConfig}`);
    expect(r.stderr).toMatch(/error \(static-memory-kconfig\)/);
    expect(r.stderr).not.toMatch(/booting/);
  });
});
