import { describe, expect, it } from 'vitest';
import {
  bootCpupoolIds,
  buildBlobFromConfig,
  createDomainDiagnostics,
  createDomainSpecFromConfig,
  FromConfigError,
} from '../../builder/createdomain-args.js';
import type { BoardFacts } from '../../schema/index.js';
import { loadConfigOrThrow } from '../../schema/index.js';
import {
  blobSpecOf,
  createDomainProblems,
  decodeCreateDomain,
  domainHandle,
  encodeCreateDomain,
  explainBlob,
  readBlob,
} from '../../xen-formats/index.js';

const facts = (extra: Partial<BoardFacts>): BoardFacts => ({
  name: 'b',
  arch: 'arm64',
  ramBanks: [{ base: 0x40000000n, size: 0x80000000n }],
  cpuIds: [0, 1, 2, 3],
  ...extra,
});

const arm = (release: string, domains: string, extra = '') =>
  loadConfigOrThrow(
    `xen: { release: "${release}" }\nboard: qemu-virt\narch: arm64\n${extra}domains:\n${domains}`,
    'test.yaml',
  );

describe('createDomainSpecFromConfig (registry-driven)', () => {
  it('arm64 domain: registry controls land in their createdomain fields', () => {
    const config = arm(
      '4.21',
      `  - name: g1
    kernel: probe
    memory: 256M
    vcpus: 3
    grantVersion: 1
    grantFrames: 32
    nrSpis: 64
    sve: 256
    capabilities: [xenstore]
    params: ["vpmu=on", "x-vendor-knob=5"]
    allowUnknownParams: true
    cpupool: p1
`,
      'cpupools:\n  - { name: p0, cpus: "0-1" }\n  - { name: p1, cpus: "2-3" }\n',
    );
    const d = config.domains[0]!;
    const spec = createDomainSpecFromConfig(config, d, { arch: 'arm64' });
    // trapUnmappedAccesses defaults to true from 4.21 (registry xenDefault.value), as in Xen.
    expect(spec.flags).toEqual([
      'XEN_DOMCTL_CDF_hvm',
      'XEN_DOMCTL_CDF_hap',
      'XEN_DOMCTL_CDF_xs_domain',
      'XEN_DOMCTL_CDF_vpmu',
      'XEN_DOMCTL_CDF_trap_unmapped_accesses',
    ]);
    expect(spec).toMatchObject({ max_vcpus: 3, grant_version: 1, max_grant_frames: 32, cpupool_id: 1 });
    expect(spec.arch).toMatchObject({
      kind: 'arm64',
      nr_spis: 64,
      sve_vl: 2,
      gic_version: 'XEN_DOMCTL_CONFIG_GIC_NATIVE',
    });
    expect(spec.handle).toEqual(domainHandle('g1'));
    expect(createDomainProblems(spec, { release: '4.21', arch: 'arm64' })).toEqual([]);
  });

  it('x86_64: type and altp2m come from the registry values tables', () => {
    const config = loadConfigOrThrow(
      `xen: { release: "4.21" }
board: { name: pc, arch: x86_64 }
arch: x86_64
domains:
  - { name: h, kernel: probe, memory: 1G, type: hvm, altp2m: external, vmtrace: 64K, boot: false }
  - { name: p, kernel: probe, memory: 1G, type: pv }
`,
      'x.yaml',
    );
    const [h, p] = config.domains.map((d) => createDomainSpecFromConfig(config, d, { arch: 'x86_64' }));
    expect(h!.flags).toEqual(['XEN_DOMCTL_CDF_hvm', 'XEN_DOMCTL_CDF_hap']);
    expect(h!.arch).toMatchObject({ kind: 'x86_64' });
    expect(h!.arch.kind === 'x86_64' && h!.arch.emulation_flags.length).toBe(10);
    expect(h!.altp2m.mode).toBe('XEN_DOMCTL_ALTP2M_external');
    expect(h!.vmtrace_size).toBe(65536);
    expect(p!.flags).toEqual([]);
    expect(p!.arch.kind === 'x86_64' && p!.arch.emulation_flags).toEqual([]);
    // altp2m on 4.21 needs altp2m.nr >= 1: without altp2mCount it is libxl's default of 10.
    expect(h!.altp2m.nr).toBe(10);
    expect(p!.altp2m.nr).toBe(0);
    expect(createDomainProblems(h!, { release: '4.21', arch: 'x86_64' }).map((x) => x.id)).toEqual([]);
  });

  it('x86_64: altp2mCount sets altp2m.nr on 4.21+, and only there', () => {
    const x86 = (release: string, dom: string) =>
      loadConfigOrThrow(
        `xen: { release: "${release}" }\nboard: { name: pc, arch: x86_64 }\narch: x86_64\ndomains:\n  - ${dom}\n`,
        'x.yaml',
      );
    const spec = (c: ReturnType<typeof x86>) =>
      createDomainSpecFromConfig(c, c.domains[0]!, { arch: 'x86_64' });
    const hvm = '{ name: h, kernel: probe, memory: 1G, type: hvm, boot: false';
    expect(spec(x86('4.21', `${hvm}, altp2m: mixed, altp2mCount: 4 }`)).altp2m).toEqual({
      mode: 'XEN_DOMCTL_ALTP2M_mixed',
      nr: 4,
    });
    // 4.19/4.20 have no nr field: neither the count nor the toolstack default is written.
    expect(spec(x86('4.20', `${hvm}, altp2m: mixed, altp2mCount: 4 }`)).altp2m.nr).toBe(0);
    expect(spec(x86('4.20', `${hvm}, altp2m: mixed }`)).altp2m.nr).toBe(0);
    // A count with altp2m off is what Xen refuses; the diagnostic sits on altp2mCount.
    const off = x86('4.21', `${hvm}, altp2mCount: 4 }`);
    expect(createDomainDiagnostics(off, { arch: 'x86_64' })).toEqual([
      expect.objectContaining({ id: 'createdomain-altp2m-nr', path: 'domains[0].altp2mCount' }),
    ]);
  });

  it('x86_64: a domain without type is PV, as xl.cfg(5) says xl does', () => {
    const c = loadConfigOrThrow(
      'xen: { release: "4.19" }\narch: x86_64\nboard: { name: pc, arch: x86_64 }\ndomains:\n  - { name: d, kernel: probe, memory: 1G, boot: false }\n',
      'x.yaml',
    );
    const s = createDomainSpecFromConfig(c, c.domains[0]!, { arch: 'x86_64' });
    expect(s.flags).toEqual([]);
    expect(s.arch).toEqual({ kind: 'x86_64', emulation_flags: [], misc_flags: [] });
  });

  it('sve: max needs the hardware length', () => {
    const config = arm('4.20', '  - { name: s, kernel: probe, memory: 64M, sve: max }\n');
    expect(() => createDomainSpecFromConfig(config, config.domains[0]!, { arch: 'arm64' })).toThrow(
      FromConfigError,
    );
    expect(
      createDomainSpecFromConfig(config, config.domains[0]!, {
        arch: 'arm64',
        board: facts({ sveMaxBits: 512 }),
      }).arch,
    ).toMatchObject({ sve_vl: 4 });
  });

  it('a boot domain without nrSpis gets the host GIC SPI count, as Xen does; a runtime one keeps 0', () => {
    const config = arm(
      '4.20',
      '  - { name: b, kernel: probe, memory: 64M }\n  - { name: r, kernel: probe, memory: 64M, boot: false }\n  - { name: n, kernel: probe, memory: 64M, nrSpis: 3 }\n',
    );
    const board = facts({ gic: { version: 3, maxSpis: 288 } });
    const spis = config.domains.map((d) => {
      const a = createDomainSpecFromConfig(config, d, { arch: 'arm64', board }).arch;
      return a.kind === 'arm64' ? a.nr_spis : -1;
    });
    expect(spis).toEqual([288, 0, 3]);
  });

  it('boot cpupool ids follow Xen: /chosen order, the pool holding CPU 0 is pool 0', () => {
    const config = arm(
      '4.20',
      '  - { name: s, kernel: probe, memory: 64M }\n',
      'cpupools:\n  - { name: a, cpus: "2-3" }\n  - { name: b, cpus: "0-1" }\n  - { name: c, cpus: "4" }\n',
    );
    expect(Object.fromEntries(bootCpupoolIds(config))).toEqual({ a: 1, b: 0, c: 2 });
    const none = arm(
      '4.20',
      '  - { name: s, kernel: probe, memory: 64M }\n',
      'cpupools:\n  - { name: a, cpus: "2-3" }\n',
    );
    // CPU 0 is in no pool: it forms pool 1 and swaps with a.
    expect(Object.fromEntries(bootCpupoolIds(none))).toEqual({ a: 1 });
  });

  it('createDomainDiagnostics puts the problem on the control that sets the field', () => {
    const config = arm('4.20', '  - { name: g, kernel: probe, memory: 64M, grantVersion: 2 }\n');
    expect(createDomainDiagnostics(config, { arch: 'arm64' })).toEqual([
      expect.objectContaining({
        id: 'createdomain-grant-version',
        path: 'domains[0].grantVersion',
        severity: 'error',
      }),
    ]);
  });
});

describe('buildBlobFromConfig', () => {
  it('config → blob → read/inspect gives back the same domain settings', () => {
    const config = arm(
      '4.20',
      `  - name: g1
    kernel: probe
    memory: 256M
    vcpus: 2
    cmdline: "console=hvc0"
    params: ["vpmu=on", "x-vendor-knob=5"]
    allowUnknownParams: true
  - { name: later, kernel: probe, memory: 128M, boot: false }
`,
    );
    const images = [
      { role: 'kernel', domain: 'g1', address: 0x4800_0000n, size: 4096n, sha256: '11'.repeat(32) },
      { role: 'kernel', domain: 'later', address: 0x5000_0000n, size: 100n, sha256: '22'.repeat(32) },
      { role: 'xen', address: 0x4000_0000n, size: 1n, sha256: '33'.repeat(32) },
    ];
    const { spec, bytes } = buildBlobFromConfig(config, { arch: 'arm64', images });
    const blob = readBlob(bytes);
    expect(blobSpecOf(blob)).toEqual(spec);
    const [g1, later] = blob.domains;
    expect(g1).toMatchObject({
      name: 'g1',
      kind: 'boot',
      memoryKiB: 262144,
      cmdline: 'console=hvc0',
      modules: [{ kind: 'kernel', loadAddress: 0x48000000, size: 4096, sha256: '11'.repeat(32) }],
    });
    expect(g1!.params).toEqual([
      { text: 'vpmu=on', known: true },
      { text: 'x-vendor-knob=5', known: false },
    ]);
    expect(later).toMatchObject({ kind: 'runtime', modules: [{ loadAddress: null }] });
    for (const [i, d] of config.domains.entries()) {
      const want = createDomainSpecFromConfig(config, d, { arch: 'arm64' });
      expect(blob.domains[i]!.domctl).toEqual(encodeCreateDomain(want, { release: '4.20', arch: 'arm64' }));
      expect(decodeCreateDomain(blob.domains[i]!.domctl, { release: '4.20', arch: 'arm64' })).toEqual(want);
    }
    const flags = explainBlob(blob).domains[0]!.domctl.find((f) => f.field === 'u.createdomain.flags');
    expect(flags!.meaning).toBe('XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_vpmu');
  });
});
