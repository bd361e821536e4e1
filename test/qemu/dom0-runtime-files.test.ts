// What the toolstack dom0 carries for a runtime domain: the xl config build wrote and every file it
// names, disk images included, at the path xl reads them from (a disk's target=).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitXlConfigs } from '../../builder/xl/emit.js';
import { runtimeDomainFiles } from '../../qemu/dom0/runtime.js';
import { QemuError } from '../../qemu/errors.js';
import { type Config, configSchema } from '../../schema/index.js';
import { tempDir } from '../support/tmp.js';

function system(disks: { image: string; vdev: string }[]): Config {
  return configSchema.parse({
    xen: { release: '4.17' },
    board: 'qemu-virt-arm64',
    domains: [{ name: 'r1', boot: false, kernel: 'Image', memory: '64M', disks }],
  }) as Config;
}

function built(config: Config): { configDir: string; outDir: string } {
  const configDir = tempDir('dombuild-rt-cfg-');
  const outDir = tempDir('dombuild-rt-out-');
  mkdirSync(join(outDir, 'xl'));
  for (const [file, text] of emitXlConfigs(config)) writeFileSync(join(outDir, file), text);
  writeFileSync(join(configDir, 'Image'), 'kernel');
  return { configDir, outDir };
}

describe('runtimeDomainFiles', () => {
  it('carries each disk image to its xl target, from where the config names it', () => {
    const config = system([
      { image: 'disks/root.img', vdev: 'xvda' },
      { image: 'data,1.img', vdev: 'xvdb' },
    ]);
    const { configDir, outDir } = built(config);
    mkdirSync(join(configDir, 'disks'));
    writeFileSync(join(configDir, 'disks', 'root.img'), 'root');
    writeFileSync(join(configDir, 'data,1.img'), 'data');
    const [r] = runtimeDomainFiles(config, configDir, outDir);
    const files = Object.fromEntries(r!.files.map((f) => [f.path, new TextDecoder().decode(f.data)]));
    expect(files).toEqual({
      '/var/lib/xen/images/Image': 'kernel',
      '/var/lib/xen/images/root.img': 'root',
      '/var/lib/xen/images/data,1.img': 'data',
    });
  });

  it('a disk image that is not there is a missing asset at the file the config names', () => {
    const config = system([{ image: 'gone.img', vdev: 'xvda' }]);
    const { configDir, outDir } = built(config);
    let caught: unknown;
    try {
      runtimeDomainFiles(config, configDir, outDir);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(QemuError);
    expect(caught).toMatchObject({ code: 'MISSING_ASSET', location: join(configDir, 'gone.img') });
  });
});
