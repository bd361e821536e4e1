// The disk side of the census on a console recorded from a real run (test/e2e/dom0-toolstack.e2e.ts,
// the vfat disk case, Debian's Xen 4.17): dom0 loads loop, xen-blkback and xen-netback, xl creates
// `withdisk` with one raw image on xvda through dombuild's block script and one vif through its
// vif-dombuild script (no bridge), and `xl block-list` / `xl network-list` show both connected. The
// recorded census must match the config, and a config that says otherwise must be caught on
// `disks` or `vifs` alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCensus } from '../../qemu/dom0/census.js';
import { compareCensus, vdevNumber } from '../../qemu/dom0/compare.js';
import { readDom0Records } from '../../qemu/dom0/records.js';
import type { Config } from '../../schema/config.js';
import { loadConfig } from '../../schema/load.js';

const here = import.meta.dirname;
const records = readDom0Records(
  readFileSync(join(here, 'fixtures/dom0-disk-4.17.console'), 'utf8').split('\n'),
).records;
const census = parseCensus(records);

/** The e2e's config, with `disks` as given (the kernel paths do not matter to the comparison). */
const VIF = '{ mac: "00:16:3E:00:00:01", script: vif-dombuild }';
const DISK = '{ image: data.img, vdev: xvda, access: ro }';
const config = (disks: string[], vifs: string[] = [VIF]): Config =>
  loadConfig(
    [
      'xen:',
      '  release: "4.17"',
      '  cmdline: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M bootscrub=0"',
      'board: qemu-virt-arm64',
      'dom0:',
      '  kernel: Image',
      '  ramdisk: disk.cpio.gz',
      '  memory: 512M',
      '  vcpus: 1',
      'domains:',
      '  - name: withdisk',
      '    boot: false',
      '    kernel: Image',
      '    ramdisk: disk.cpio.gz',
      '    memory: 192M',
      '    vcpus: 1',
      '    vpl011: true',
      ...(disks.length ? ['    disks:', ...disks.map((d) => `      - ${d}`)] : []),
      ...(vifs.length ? ['    vifs:', ...vifs.map((v) => `      - ${v}`)] : []),
      '',
    ].join('\n'),
    'disk.yaml',
  ).config as Config;

describe('recorded disk census, Xen 4.17', () => {
  it('dom0 loaded the block backend and xl created the guest', () => {
    const steps = records.flatMap((r) => (r.kind === 'step' ? [[r.step, r.ok]] : []));
    expect(steps).toContainEqual(['insmod:loop', true]);
    expect(steps).toContainEqual(['insmod:xen-blkback', true]);
    expect(steps).toContainEqual(['insmod:xen-netback', true]);
    expect(steps).toContainEqual(['xl-create:withdisk', true]);
    expect(steps).toContainEqual(['up:withdisk', true]);
  });

  it('reads xvda (51712) from xl block-list, served by dom0 and connected', () => {
    expect(census.domains.find((d) => d.name === 'withdisk')?.disks).toEqual([
      { vdev: 51712, backend: 0, state: 4 },
    ]);
    // Every domain is read by domid: dom0 serves the disk but has none of its own.
    const read = records.find((r) => r.kind === 'read' && r.cmd.startsWith('xl block-list'));
    expect(read?.kind === 'read' && read.cmd).toBe('xl block-list 0 1');
    expect(census.domains.find((d) => d.domid === 0)?.disks).toEqual([]);
    expect(census.domains.find((d) => d.domid === 0)?.vifs).toEqual([]);
  });

  it('matches the declared disk and nothing else', () => {
    const ok = compareCensus(config([DISK]), census, {
      bootOrder: [],
    });
    const w = ok.find((c) => c.domain === 'withdisk');
    expect(w?.mismatches).toEqual([]);
    expect(w?.checks.find((c) => c.field === 'disks')).toMatchObject({
      declared: 'xvda',
      observed: '51712 be 0 connected',
      ok: true,
    });
  });

  it('reads the vif from xl network-list: its MAC, served by dom0, connected to the guest', () => {
    expect(census.domains.find((d) => d.name === 'withdisk')?.vifs).toEqual([
      { idx: 0, backend: 0, mac: '00:16:3e:00:00:01', state: 4 },
    ]);
    const w = compareCensus(config([DISK]), census, { bootOrder: [] }).find((c) => c.domain === 'withdisk');
    expect(w?.checks.find((c) => c.field === 'vifs')).toMatchObject({
      declared: '0 00:16:3e:00:00:01',
      observed: '0 00:16:3e:00:00:01 be 0 connected',
      ok: true,
    });
    // Without a declared MAC, xl's choice is expected.
    const any = compareCensus(config([DISK], ['{ script: vif-dombuild }']), census, { bootOrder: [] });
    expect(any.flatMap((c) => c.mismatches)).toEqual([]);
  });

  it.each([
    [['{ mac: "00:16:3e:00:00:02", script: vif-dombuild }'], '0 00:16:3e:00:00:02'],
    [[], 'none'],
    [[VIF, '{ script: vif-dombuild }'], '0 00:16:3e:00:00:01 1 any-mac'],
  ])('a config with vifs %j is caught on vifs alone', (vifs, declared) => {
    const cmp = compareCensus(config([DISK], vifs), census, { bootOrder: [] });
    expect(cmp.flatMap((c) => c.mismatches).map((m) => [m.domain, m.field, m.declared])).toEqual([
      ['withdisk', 'vifs', declared],
    ]);
  });

  it.each([
    [['{ image: data.img, vdev: xvdb }'], 'xvdb'],
    [[], 'none'],
    [['{ image: data.img, vdev: xvda }', '{ image: more.img, vdev: xvdb }'], 'xvda xvdb'],
  ])('a config with disks %j is caught on disks alone', (disks, declared) => {
    const cmp = compareCensus(config(disks), census, { bootOrder: [] });
    expect(cmp.flatMap((c) => c.mismatches).map((m) => [m.domain, m.field, m.declared])).toEqual([
      ['withdisk', 'disks', declared],
    ]);
  });
});

describe('vdevNumber (libxl__device_disk_dev_number)', () => {
  it.each([
    ['xvda', 51712],
    ['xvdb', 51728],
    ['xvdp', (202 << 8) | (15 << 4)],
    ['xvdq', (1 << 28) | (16 << 8)],
    ['xvdaa', (1 << 28) | (26 << 8)],
    ['sda', 2048],
    ['hda', 768],
    ['hdb', 832],
    ['hdc', 5632],
  ])('%s is %i', (vdev, n) => {
    expect(vdevNumber(vdev)).toBe(n);
  });
});
