// `dombuild import imagebuilder` on the fixtures: every fixture imports, the YAML validates and
// builds; every ImageBuilder variable appears in some fixture and is mapped or reported with a
// reason; the mapping facts that matter (defaults written out, units, indices) hold.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { parse } from 'yaml';
import { importImageBuilderConfig, knownVariableNames } from '../../importers/imagebuilder/import.js';
import { parseImageBuilderConfig } from '../../importers/imagebuilder/parse.js';
import { DROP_REASONS } from '../../importers/report.js';
import { registry } from '../../schema/index.js';
import { runCliCaptured } from '../support/cli.js';
import { FIXTURES, stage } from './stage.js';

/** The imported YAML, read loosely: the tests look up the fields they assert. */
// biome-ignore lint/suspicious/noExplicitAny: a parsed YAML document of any shape
type Yaml = Record<string, any>;
/** A mapped or dropped entry of the JSON report. */
interface JsonEntry {
  source: string;
  at: { line: number } | null;
  reason?: string;
}

const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.cfg'))
  .sort();
const scratch = mkdtempSync(join(tmpdir(), 'dombuild-ib-import-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Imports a staged fixture in-process; returns the folder and the parsed YAML. */
async function imported(fixture: string) {
  const dir = mkdtempSync(join(scratch, `${fixture}-`));
  stage(dir, fixture);
  const r = await runCliCaptured(
    ['import', 'imagebuilder', 'config', '-o', 'system.yaml', '--report', 'report.json'],
    {
      cwd: dir,
    },
  );
  return {
    dir,
    r,
    yaml: r.code === 0 ? (parse(readFileSync(join(dir, 'system.yaml'), 'utf8')) as Yaml) : undefined,
  };
}

describe('every fixture imports, validates and builds', () => {
  for (const fixture of fixtures) {
    it(fixture, async () => {
      const { dir, r } = await imported(fixture);
      expect(r.stderr).not.toMatch(/ error \[/);
      expect(r.code).toBe(0);
      const v = await runCliCaptured(['validate', 'system.yaml'], { cwd: dir });
      expect(v.stdout + v.stderr).toMatch(/valid/);
      expect(v.code).toBe(0);
      const b = await runCliCaptured(['build', 'system.yaml', '-o', 'out'], {
        cwd: dir,
        env: { DOMBUILD_CACHE: join(dir, 'cache') },
      });
      expect(b.stderr).not.toMatch(/error \(/);
      expect(b.code).toBe(0);
      expect(readdirSync(join(dir, 'out'))).toContain('system.dtb');
      // The report accounts for every assignment in the file.
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
      const parsed = parseImageBuilderConfig(readFileSync(join(FIXTURES, fixture), 'utf8'));
      const accounted = new Set<string>([
        ...report.mapped.filter((m: JsonEntry) => m.at).map((m: JsonEntry) => m.source),
        ...report.dropped.map((d: JsonEntry) => d.source),
      ]);
      for (const v of parsed.variables.values())
        for (const [i, a] of v.elements) {
          const key = a.index === undefined ? v.name : `${v.name}[${i}]`;
          expect(accounted, `${fixture}: ${key}`).toContain(key);
        }
    });
  }
});

describe('coverage of ImageBuilder variables', () => {
  // Bare-metal Linux mode is refused as a whole (tested below), so no fixture can build with it.
  const refusedAlone = [
    'LINUX',
    'LINUX_CMD',
    'LINUX_RAMDISK',
    'LINUX_ROOTFS',
    'EFI',
    'XEN_PASSTHROUGH_PATHS',
  ];
  it('every variable the importer knows appears in a fixture', () => {
    const used = new Set<string>();
    for (const f of fixtures)
      for (const name of parseImageBuilderConfig(readFileSync(join(FIXTURES, f), 'utf8')).variables.keys())
        used.add(name);
    const missing = knownVariableNames().filter((n) => !used.has(n) && !refusedAlone.includes(n));
    expect(missing).toEqual([]);
  });

  it('every registry control that names an ImageBuilder variable is one the importer reads', () => {
    const known = new Set(knownVariableNames());
    for (const f of registry)
      for (const name of (f.imagebuilder ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean))
        expect(known, f.key).toContain(name);
  });

  it('the refused-alone variables are reported, not dropped silently', () => {
    const r = importImageBuilderConfig('LINUX=Image\nLINUX_CMD=x\nDEVICE_TREE=virt.dtb\n', { file: 'l.cfg' });
    expect(r.config).toBeUndefined();
    expect(r.report.diagnostics.map((d) => d.id)).toContain('ib-no-xen');
    const r2 = importImageBuilderConfig(
      'XEN=xen\nDEVICE_TREE=virt.dtb\nNUM_DOMUS=1\nDOMU_KERNEL[0]=Image\nEFI=y\nXEN_PASSTHROUGH_PATHS=/x\nLINUX_ROOTFS=r\nLINUX_RAMDISK=r\n',
      { file: 'e.cfg' },
    );
    const dropped = Object.fromEntries(r2.report.dropped.map((d) => [d.source, d.reason]));
    expect(dropped).toMatchObject({
      EFI: 'ignored-by-source',
      XEN_PASSTHROUGH_PATHS: 'ignored-by-source',
      LINUX_ROOTFS: 'no-equivalent',
      LINUX_RAMDISK: 'no-equivalent',
    });
    for (const d of r2.report.dropped) expect(DROP_REASONS).toContain(d.reason);
  });
});

describe('mapping facts', () => {
  it('Xen CI shape: units, ImageBuilder defaults written out, index past NUM_DOMUS ignored', async () => {
    const { yaml, dir } = await imported('xen-ci-dom0less.cfg');
    expect(yaml!.board).toEqual({
      name: 'qemu-virt-arm64',
      gic: 2,
      cpus: 2,
      memory: '2048M',
      dtb: 'virt.dtb',
    });
    expect(yaml!.xen).toMatchObject({
      release: '4.17',
      image: 'xen',
      cmdline: 'console=dtuart dom0_mem=512M console_timestamps=boot',
    });
    expect(yaml!.dom0).toEqual({
      kernel: 'Image',
      ramdisk: 'dom0-rootfs.cpio.gz',
      cmdline: 'console=hvc0 earlycon=xen earlyprintk=xen clk_ignore_unused root=/dev/ram0',
    });
    expect(yaml!.domains).toEqual([
      {
        name: 'domU0',
        kernel: 'Image',
        ramdisk: 'initrd',
        cmdline: 'console=ttyAMA0',
        memory: '256M',
        vcpus: 1,
        vpl011: true,
        xenstore: 'enabled',
      },
    ]);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(
      report.dropped
        .filter((d: JsonEntry) => d.reason === 'ignored-by-source')
        .map((d: JsonEntry) => d.source),
    ).toEqual(['DOMU_KERNEL[1]', 'DOMU_RAMDISK[1]', 'DOMU_MEM[1]']);
    // The YAML names the line each field came from.
    const text = readFileSync(join(dir, 'system.yaml'), 'utf8');
    expect(text).toMatch(/memory: 256M # DOMU_MEM\[0\], line 16/);
  });

  it('without dom0: dom0 words leave XEN_CMD; quoting and comments are read', async () => {
    const { yaml } = await imported('xen-ci-without-dom0.cfg');
    expect(yaml!.dom0).toBeUndefined();
    expect(yaml!.xen.cmdline).toBe('loglvl=all noreboot console_timestamps=boot console=dtuart');
    expect(yaml!.domains[0]).not.toHaveProperty('xenstore');
    expect(yaml!.domains[1]).toMatchObject({ vcpus: 2, cmdline: 'console=ttyAMA0 rdinit=/bin/sh "quoted"' });
  });

  it('static memory: banks, the memory total, direct-map by default, the release that can boot it', async () => {
    const { yaml } = await imported('xen-ci-static-mem.cfg');
    expect(yaml!.domains[0]).toMatchObject({
      staticMemory: [{ base: '0x50000000', size: '256M' }],
      memory: '256M',
      directMap: true,
    });
    expect(yaml!.xen.release).toBe('4.21');
  });

  it('cpupools: CPUs by their /cpus node become numbers; the domain names its pool', async () => {
    const { yaml } = await imported('xen-ci-boot-cpupools.cfg');
    expect(yaml!.cpupools).toEqual([{ name: 'cpupool0', cpus: [1], scheduler: 'null' }]);
    expect(yaml!.domains[0].cpupool).toBe('cpupool0');
  });

  it('default Xen command line, colours in upstream spelling, disk_image domains created later', async () => {
    const { yaml } = await imported('xilinx-board-features.cfg');
    expect(yaml!.xen).toMatchObject({
      release: '4.20',
      cmdline: 'console=dtuart dtuart=serial0 bootscrub=0 vwfi=native sched=null llc-coloring=on',
      llcColors: '0-3',
    });
    expect(yaml!.dom0).toMatchObject({
      memory: '1024M',
      vcpus: 1,
      llcColors: '4-7',
      cmdline: expect.stringMatching(/ root=\/dev\/mmcblk0p2$/),
    });
    expect(yaml!.boot).toMatchObject({
      load: 'load mmc 0:1',
      command: 'booti',
      fit: true,
      overlays: ['overlay.dtbo'],
      bitstream: 'download.bit',
    });
    expect(yaml!.boot.extraCommands).toEqual(['echo booting the imported system', 'setenv bootdelay 0']);
    expect(yaml!.domains[0]).toMatchObject({
      llcColors: '8-14',
      passthrough: { dtb: 'passthrough.dtb', devices: ['/virtio_mmio@a003e00'] },
    });
    expect(yaml!.domains[0]).not.toHaveProperty('xenstore');
    expect(yaml!.domains[2]).toMatchObject({ boot: false, driverDomain: true, memory: '256M' });
    expect(yaml!.domains[2]).not.toHaveProperty('vpl011');
    expect(yaml!.domains[3]).toMatchObject({ boot: false, memory: '512M' });
  });

  it('upstream variables: load commands, caps, affinity, event channels by domain index', async () => {
    const { yaml } = await imported('upstream-2025.cfg');
    expect(yaml!.xen).toMatchObject({
      release: '4.21',
      image: { path: 'xen', load: 'load mmc 0:1' },
      xsmPolicy: 'xsm.policy',
    });
    expect(yaml!.domains[0]).toMatchObject({
      kernel: { path: 'Image', load: 'load mmc 0:2' },
      vcpus: 2,
      nrSpis: 64,
      grantVersion: 1,
      grantFrames: 32,
      maptrackFrames: 512,
      xenstore: 'no-xenstore',
      capabilities: ['control', 'xenstore'],
      vcpuAffinity: [
        { vcpu: 0, cpus: '0' },
        { vcpu: 1, cpus: '1' },
      ],
      eventChannels: [{ port: 10, peer: 'domU1', peerPort: 20 }],
      trapUnmappedAccesses: false,
      p2mPool: '8M',
      iommu: true,
    });
    expect(yaml!.domains[1]).toMatchObject({
      vpl011: false,
      eventChannels: [{ port: 20, peer: 'domU0', peerPort: 10 }],
      staticMemory: [{ base: '0x60000000', size: '128M' }],
      memory: '128M',
      directMap: false,
    });
    expect(yaml!.dom0).toEqual({
      kernel: { path: 'Image', load: 'load mmc 0:3' },
      cmdline: 'console=hvc0 root=/dev/mmcblk0p3 rw',
    });
  });

  it('located errors for values ImageBuilder cannot use; unknown names get a hint', () => {
    const r = importImageBuilderConfig(
      'XEN=xen\nDEVICE_TREE=d.dtb\nNUM_DOMUS=1\nDOMU_KERNEL[0]=I\nDOMU_MEM[0]=010\nDOMU_VCPU[0]=5\n',
      {
        file: 'x.cfg',
      },
    );
    expect(r.config).toBeUndefined();
    expect(r.report.diagnostics).toContainEqual(
      expect.objectContaining({ id: 'ib-invalid-value', line: 5, col: 1 }),
    );
    expect(r.report.dropped).toContainEqual(
      expect.objectContaining({
        source: 'DOMU_VCPU[0]',
        reason: 'unknown',
        hint: 'did you mean DOMU_VCPUS?',
      }),
    );
  });

  it('a syntax error is exit 1 with file:line:col; nothing is written', async () => {
    const dir = mkdtempSync(join(scratch, 'bad-'));
    stage(dir, 'xen-ci-dom0less.cfg');
    const { writeFileSync, existsSync } = await import('node:fs');
    writeFileSync(join(dir, 'config'), 'XEN=xen\nDOM0_CMD="$(cat cmdline)"\n');
    const r = await runCliCaptured(['import', 'imagebuilder', 'config', '-o', 'system.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/config:2:11: error \[ib-command-substitution\]/);
    expect(existsSync(join(dir, 'system.yaml'))).toBe(false);
    expect((await runCliCaptured(['import', 'imagebuilder', 'missing.cfg'], { cwd: dir })).code).toBe(2);
  });
});

describe('import xl shares the report format', () => {
  it('keys become fields or are dropped with a reason, located, in the same JSON shape', async () => {
    const dir = mkdtempSync(join(scratch, 'xl-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      join(dir, 'web.cfg'),
      'name = "web"\nmemory = 256\nkernel = "/boot/Image"\ncmdline = "console=hvc0"\nextra = "quiet"\nvif = [ "bridge=xenbr0" ]\n',
    );
    const r = await runCliCaptured(['import', 'xl', 'web.cfg', '--report', 'report.json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/web\.cfg: 5 setting\(s\) imported, 1 not imported/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({
      format: 'dombuild-import-report',
      version: 1,
      kind: 'xl',
      file: 'web.cfg',
    });
    expect(report.mapped.map((m: JsonEntry & { targets: string[] }) => [m.source, m.targets])).toEqual([
      ['name', ['name']],
      ['memory', ['memory']],
      ['kernel', ['kernel']],
      ['cmdline', ['cmdline']],
      ['vif', ['vifs']],
    ]);
    expect(report.dropped.map((d: JsonEntry) => [d.source, d.reason, d.at?.line])).toEqual([
      ['extra', 'ignored-by-source', 5],
    ]);
  });
});

describe('the CLI around the import', () => {
  it('--root: paths are relative to ImageBuilder -d folder in the config and to the YAML in the output', async () => {
    const dir = mkdtempSync(join(scratch, 'root-'));
    const { mkdirSync, renameSync } = await import('node:fs');
    mkdirSync(join(dir, 'binaries'));
    stage(join(dir, 'binaries'), 'xen-ci-dom0less.cfg');
    mkdirSync(join(dir, 'cfg'));
    renameSync(join(dir, 'binaries', 'config'), join(dir, 'cfg', 'config'));
    const r = await runCliCaptured(
      ['import', 'imagebuilder', 'cfg/config', '--root', 'binaries', '-o', 'system.yaml'],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    const y = parse(readFileSync(join(dir, 'system.yaml'), 'utf8')) as Yaml;
    expect(y.xen.image).toBe('binaries/xen');
    expect(y.board).toMatchObject({ name: 'qemu-virt-arm64', dtb: 'binaries/virt.dtb' });
    expect((await runCliCaptured(['validate', 'system.yaml'], { cwd: dir })).code).toBe(0);
  });

  it('usage errors exit 2: a bad --xen-release, an xl-only flag, an unwritable -o', async () => {
    const dir = mkdtempSync(join(scratch, 'usage-'));
    stage(dir, 'xen-ci-dom0less.cfg');
    const run = (argv: string[]) => runCliCaptured(argv, { cwd: dir });
    expect((await run(['import', 'imagebuilder', 'config', '--xen-release', '4.1'])).code).toBe(2);
    expect((await run(['import', 'imagebuilder', 'config', '--arch', 'arm64'])).code).toBe(2);
    expect((await run(['import', 'xl', 'config', '--root', '.'])).code).toBe(2);
    expect((await run(['import', 'imagebuilder', 'config', '-o', 'no/such/dir/system.yaml'])).code).toBe(2);
    const ok = await run(['import', 'imagebuilder', 'config', '--xen-release', '4.20']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ {2}release: "4\.20"$/m);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
