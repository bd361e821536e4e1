// The xl emitter's decisions (which values, which diagnostics) and the importer's reverse mapping.
// Whether Xen reads the text as meant is xl-libxlutil.test.ts's job.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emitXlConfigs, emitXlDomains } from '../../builder/xl/emit.js';
import { importXlConfig } from '../../importers/xl.js';
import type { Diagnostic } from '../../schema/index.js';
import { type Config, configSchema, domainSchema, registry } from '../../schema/index.js';
import { arbRuntimeDomain } from './xl-arbitraries.js';

function config(domains: unknown[], extra: Record<string, unknown> = {}): Config {
  return configSchema.parse({
    xen: { release: '4.20' },
    board: 'qemu-virt-arm64',
    domains,
    ...extra,
  }) as Config;
}
const x86 = (domains: unknown[]) =>
  config(domains, { arch: 'x86_64', board: { name: 'q35', arch: 'x86_64' } });
const settings = (c: Config, opts = {}) => {
  const diagnostics: Diagnostic[] = [];
  const [r] = emitXlDomains(c, { ...opts, diagnostics });
  return { map: new Map(r?.settings.map((s) => [s.key, s.value])), diagnostics, r };
};

describe('emitXlConfigs', () => {
  it('writes boot: false domains by default, any domain on request', () => {
    const c = config([
      { name: 'a', kernel: 'Image', memory: '64M' },
      { name: 'b', kernel: 'Image', memory: '64M', boot: false },
    ]);
    expect([...emitXlConfigs(c).keys()]).toEqual(['xl/b.cfg']);
    expect([...emitXlConfigs(c, { domains: ['a', 'b'] }).keys()]).toEqual(['xl/a.cfg', 'xl/b.cfg']);
    const diagnostics: Diagnostic[] = [];
    expect(emitXlConfigs(c, { domains: ['zz'], diagnostics }).size).toBe(0);
    expect(diagnostics.map((d) => d.id)).toEqual(['xl-unknown-domain']);
  });

  it('iomem in 4 KiB page numbers, exact above 4 GiB', () => {
    const { map } = settings(
      config([
        {
          name: 'io',
          boot: false,
          kernel: 'Image',
          memory: '64M',
          passthrough: {
            iomem: [
              { host: '0x8_0000_0000', size: '64K', guest: '0x1_0000_0000' },
              { host: '0x10000000', size: '4K', guest: '0x10000000' },
            ],
          },
        },
      ]),
    );
    expect(map.get('iomem')).toEqual(['800000,10@100000', '10000,1']);
  });

  it('refuses iomem that is not page aligned', () => {
    const { diagnostics, r } = settings(
      config([
        {
          name: 'io',
          boot: false,
          kernel: 'Image',
          memory: '64M',
          passthrough: { iomem: [{ host: '0x1000800', size: '4K' }] },
        },
      ]),
    );
    expect(r).toBeUndefined();
    expect(diagnostics).toMatchObject([
      { id: 'xl-iomem-unaligned', path: 'domains[0].passthrough.iomem[0]' },
    ]);
  });

  it('per-vCPU affinity keeps positions with "all"', () => {
    const { map } = settings(
      config([
        {
          name: 'g',
          boot: false,
          kernel: 'Image',
          memory: '64M',
          vcpus: 4,
          vcpuAffinity: [
            { vcpu: 2, cpus: '4-5' },
            { vcpu: 0, cpus: [1] },
          ],
        },
      ]),
    );
    expect(map.get('cpus')).toEqual(['1', 'all', '4-5']);
  });

  it('memory must be whole MiB for xl', () => {
    const { diagnostics } = settings(config([{ name: 'g', boot: false, kernel: 'Image', memory: '1500K' }]));
    expect(diagnostics.map((d) => d.id)).toEqual(['xl-size-unit']);
  });

  it('Arm: type pvh, vuart, sve; x86: type, device model, vmtrace in KiB', () => {
    const arm = settings(
      config([{ name: 'g', boot: false, kernel: 'Image', memory: '64M', vpl011: true, sve: 'max' }]),
    );
    expect(arm.map.get('type')).toBe('pvh');
    expect(arm.map.get('vuart')).toBe('sbsa_uart');
    expect(arm.map.get('sve')).toBe('hw');
    const hvm = settings(
      x86([
        {
          name: 'h',
          boot: false,
          kernel: 'hvmloader',
          memory: '1G',
          type: 'hvm',
          deviceModel: 'stubdom',
          vmtrace: '64K',
          altp2m: 'mixed',
          nestedVirt: true,
        },
      ]),
    );
    expect(Object.fromEntries(hvm.map)).toMatchObject({
      type: 'hvm',
      memory: '1024',
      device_model_stubdomain_override: '1',
      vmtrace_buf_kb: '64',
      altp2m: 'mixed',
      nestedhvm: '1',
    });
    expect(
      settings(
        x86([{ name: 'h', boot: false, kernel: 'k', memory: '1G', type: 'hvm', deviceModel: 'depriv' }]),
      ).map.get('dm_restrict'),
    ).toBe('1');
  });

  it('two controls on one xl key: the later refines, unless the earlier is off', () => {
    const k = { name: 'h', boot: false, kernel: 'k', memory: '1G' };
    expect(settings(x86([{ ...k, iommu: true, iommuNoSharePt: true }])).map.get('passthrough')).toBe(
      'sync_pt',
    );
    expect(settings(x86([{ ...k, iommu: true }])).map.get('passthrough')).toBe('enabled');
    const alone = settings(x86([{ ...k, iommuNoSharePt: false }]));
    expect(alone.map.has('passthrough')).toBe(false);
    expect(alone.diagnostics.map((d) => d.id)).toEqual(['xl-refines-nothing']);
    const off = settings(x86([{ ...k, iommu: false, iommuNoSharePt: true }]));
    expect(off.diagnostics.map((d) => d.id)).toEqual(['xl-key-conflict']);
  });

  it('warns about controls xl cannot carry, and keys newer than the target', () => {
    const c = configSchema.parse({
      xen: { release: '4.17' },
      board: 'qemu-virt-arm64',
      domains: [{ name: 'g', boot: false, kernel: 'Image', memory: '64M', xenstore: 'enabled', nrSpis: 64 }],
    }) as Config;
    const { map, diagnostics } = settings(c);
    expect(diagnostics.map((d) => d.id).sort()).toEqual(['xl-control-release', 'xl-no-equivalent']);
    expect(map.has('nr_spis')).toBe(false);
  });

  it('kernel, ramdisk and partial DTB paths point into the guest folder on dom0', () => {
    const { map } = settings(
      config([
        {
          name: 'g',
          boot: false,
          kernel: 'images/Image',
          ramdisk: 'r/initrd.gz',
          memory: '64M',
          passthrough: { dtb: 'p/g.dtb' },
        },
      ]),
      { guestDir: '/srv/guests' },
    );
    expect(map.get('kernel')).toBe('/srv/guests/Image');
    expect(map.get('ramdisk')).toBe('/srv/guests/initrd.gz');
    expect(map.get('device_tree')).toBe('/srv/guests/g.dtb');
  });

  it('every registry xl key is one the emitter can write', () => {
    // A new entry with kind custom and no values must come with a handler (else encodeXl throws).
    for (const f of registry) if (f.xl) expect(f.xl.key).toMatch(/^[a-z][._0-9a-z]*$/);
  });
});

describe('importXlConfig', () => {
  it('reads a hand-written xl config, reporting what it cannot place with line numbers', () => {
    const text = [
      'name = "web"',
      'type = "pvh"',
      'memory = 256',
      'vcpus = 2',
      'kernel = "/boot/Image"',
      'root = "/dev/xvda"',
      'extra = "console=hvc0"',
      'vuart = "sbsa_uart"',
      'iomem = [ "800000,10@100000" ]',
      'irqs = [ 53 ]',
      'dtdev = [ "/soc/eth@ff0e0000" ]',
      'vif = [ "bridge=xenbr0", "model=rtl8139" ]',
      'on_crash = "restart"',
      'memory = 512',
      '',
    ].join('\n');
    const r = importXlConfig(text, { file: 'web.cfg' });
    expect(r.arch).toBe('arm64');
    expect(r.domain).toEqual({
      name: 'web',
      boot: false,
      kernel: '/boot/Image',
      cmdline: 'root=/dev/xvda console=hvc0',
      memory: '512M',
      vcpus: 2,
      vpl011: true,
      vifs: [{ bridge: 'xenbr0' }],
      passthrough: {
        devices: ['/soc/eth@ff0e0000'],
        iomem: [{ host: '0x800000000', size: '64K', guest: '0x100000000' }],
        irqs: [53],
      },
    });
    const ids = r.diagnostics.map((d) => [d.id, d.line]);
    expect(ids).toEqual(
      expect.arrayContaining([
        ['xl-import-duplicate', 14],
        ['xl-import-value', 12],
        ['xl-import-unknown', 13],
      ]),
    );
    expect(r.diagnostics.every((d) => d.severity === 'warning')).toBe(true);
  });

  it('disks in every DISKSPEC form xl reads, and what has no field is reported', () => {
    const text = [
      'name = "store"',
      'kernel = "/boot/Image"',
      'memory = 128',
      'disk = [ "/srv/root.img,raw,xvda,rw", "format=qcow2, vdev=xvdb, access=r, backendtype=qdisk, target=/srv/a,b.qcow2", "/srv/c.img,,xvdc", "/srv/cd.iso,,hdc,cdrom" ]',
      '',
    ].join('\n');
    const r = importXlConfig(text, { file: 'store.cfg' });
    expect(r.domain?.disks).toEqual([
      { image: '/srv/root.img', vdev: 'xvda', format: 'raw', access: 'rw' },
      { image: '/srv/a,b.qcow2', vdev: 'xvdb', format: 'qcow2', access: 'ro', backend: 'qdisk' },
      { image: '/srv/c.img', vdev: 'xvdc' },
    ]);
    expect(r.diagnostics.map((d) => [d.id, d.line])).toEqual([['xl-import-value', 4]]);
    expect(r.report.mapped.map((m) => [m.source, m.targets])).toContainEqual(['disk', ['disks']]);
  });

  it('builder = "hvm" is an x86 HVM domain; builder and type must agree', () => {
    const hvm = importXlConfig('name = "w"\nkernel = "/k"\nbuilder = "hvm"\nmemory = 64\n');
    expect(hvm.arch).toBe('x86_64');
    expect(hvm.domain?.type).toBe('hvm');
    expect(hvm.report.mapped.map((m) => [m.source, m.targets])).toContainEqual(['builder', ['type']]);
    expect(importXlConfig('name = "p"\nkernel = "/k"\nbuilder = "generic"\nmemory = 64\n').domain?.type).toBe(
      'pv',
    );
    const both = importXlConfig('name = "w"\nkernel = "/k"\nbuilder = "hvm"\ntype = "pv"\n');
    expect(both.domain).toBeUndefined();
    expect(both.diagnostics.map((d) => [d.id, d.line])).toContainEqual(['xl-import-builder-type', 3]);
  });

  it('a syntax error is one located diagnostic', () => {
    const r = importXlConfig('name = "x"\nmemory = = 1\n', { file: 'bad.cfg' });
    expect(r.domain).toBeUndefined();
    expect(r.diagnostics).toMatchObject([{ id: 'xl-syntax-unexpected', file: 'bad.cfg', line: 2, col: 10 }]);
  });

  for (const arch of ['arm64', 'x86_64'] as const) {
    it(`round trip on ${arch}: config → xl → config gives the same domain`, () => {
      fc.assert(
        fc.property(arbRuntimeDomain(arch), (input) => {
          const c = configSchema.parse({
            arch,
            xen: { release: '4.21' },
            board: arch === 'x86_64' ? { name: 'q35', arch } : 'qemu-virt-arm64',
            domains: [input],
          }) as Config;
          const diagnostics: Diagnostic[] = [];
          const [r] = emitXlDomains(c, { diagnostics, guestDir: '/g' });
          expect(r).toBeDefined();
          const back = importXlConfig(r!.text, { arch });
          expect(back.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
          const original = c.domains[0]!;
          const imported = domainSchema.parse(back.domain);
          // Paths move into the guest folder; everything else is the same value.
          const strip = (d: Record<string, unknown>) => {
            const { kernel: _k, ramdisk: _r, passthrough, disks, ...rest } = d;
            const p = passthrough as Record<string, unknown> | undefined;
            const { dtb: _d, ...pt } = p ?? {};
            const base = (x: { image: string }) => ({ ...x, image: x.image.replace(/^.*\//, '') });
            return {
              ...rest,
              ...(Array.isArray(disks) ? { disks: disks.map(base) } : {}),
              ...(Object.values(pt).some((v) => v !== undefined) ? { passthrough: pt } : {}),
            };
          };
          const norm = (d: Record<string, unknown>) =>
            JSON.parse(
              JSON.stringify(strip(d), (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)),
            );
          // Controls written as Xen's default with no xl form (vpl011 false) come back absent, and
          // so do the ones the emitter left out with a warning.
          const o = norm(original as Record<string, unknown>);
          for (const d of diagnostics) delete o[d.path.replace(/^domains\[0\]\./, '')];
          // iomem guest == host is the default, written without @GFN.
          for (const r of o.passthrough?.iomem ?? []) if (r.guest === r.host) delete r.guest;
          if (Array.isArray(o.vcpuAffinity))
            o.vcpuAffinity.sort((a: { vcpu: number }, b: { vcpu: number }) => a.vcpu - b.vcpu);
          for (const f of registry)
            if (o[f.key] === f.xenDefault.value && f.xl?.kind === 'enum' && !f.xl.values?.[String(o[f.key])])
              delete o[f.key];
          expect(norm(imported as Record<string, unknown>)).toEqual(o);
        }),
        { numRuns: 200, endOnFailure: true },
      );
    });
  }
});
