// The census parser and comparison on consoles recorded from real runs: examples/dom0-runtime.yaml
// booted on Debian's Xen 4.17 and 4.20 with dombuild's toolstack dom0 (qemu/dom0/boot.ts), every
// runtime domain created by Debian's xl. The recorded census must match the config field by field,
// and a config that says otherwise must be caught on exactly the field that differs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCensus } from '../../qemu/dom0/census.js';
import { compareCensus } from '../../qemu/dom0/compare.js';
import { readDom0Records } from '../../qemu/dom0/records.js';
import { judgeToolstackRun } from '../../qemu/dom0/verdicts.js';
import type { Config } from '../../schema/config.js';
import { loadConfig } from '../../schema/load.js';

const here = import.meta.dirname;
const example = loadConfig(
  readFileSync(join(here, '../../examples/dom0-runtime.yaml'), 'utf8'),
  'dom0-runtime.yaml',
).config as Config;

const recorded = (release: string) =>
  readFileSync(join(here, `fixtures/dom0-runtime-${release}.console`), 'utf8').split('\n');

describe.each(['4.17', '4.20'])('recorded census, Xen %s', (release) => {
  const report = readDom0Records(recorded(release));
  const census = parseCensus(report.records);

  it('reads every step and every domain', () => {
    expect(report.incomplete).toEqual([]);
    expect(report.records.flatMap((r) => (r.kind === 'step' ? [r.step] : []))).toEqual([
      'insmod:xen-privcmd',
      'insmod:xenfs',
      'insmod:xen-evtchn',
      'insmod:xen-gntdev',
      'insmod:xen-gntalloc',
      'mount:xenfs',
      'start:xenstored',
      'init:xen-init-dom0',
      'init:init-dom0less',
      'start:xenconsoled',
      'xl-create:runtime1',
      'xl-create:runtime2',
      'up:runtime1',
    ]);
    expect(report.records.filter((r) => r.kind === 'step').every((r) => r.kind === 'step' && r.ok)).toBe(
      true,
    );
    expect(census.xenVersion).toMatch(new RegExp(`^${release.replace('.', '\\.')}\\.`));
    expect(census.nrCpus).toBe(2);
    expect(census.domains.map((d) => [d.domid, d.name])).toEqual([
      [0, 'Domain-0'],
      [1, 'dom0less-1'],
      [2, 'runtime1'],
      [3, 'runtime2'],
    ]);
    const r2 = census.domains[3];
    expect(r2?.vcpus.map((v) => v.hard)).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(r2?.grant).toMatchObject({ maxFrames: 64, maxMaptrackFrames: 256 });
    expect(census.domains[2]?.grant).toMatchObject({ maxFrames: 32, maxMaptrackFrames: 1024 });
    expect(census.domains[1]?.maxPages).toBe(16385);
    expect(census.domains[2]?.maxPages).toBe(16640);
    expect(census.pools).toEqual([{ name: 'Pool-0', sched: 'credit2', cpus: [0, 1] }]);
    expect(census.consoles.get('guest-runtime1-vuart0.log')).toBe('runtime1 up');
  });

  it('matches examples/dom0-runtime.yaml field by field', () => {
    const cmp = compareCensus(example, census, { bootOrder: ['boottime'] });
    expect(cmp.flatMap((c) => c.mismatches)).toEqual([]);
    expect(cmp.map((c) => [c.domain, c.path, c.domid])).toEqual([
      ['dom0', 'dom0', 0],
      ['boottime', 'boot', 1],
      ['runtime1', 'xl', 2],
      ['runtime2', 'xl', 3],
    ]);
    const runtime1 = cmp.find((c) => c.domain === 'runtime1');
    expect(runtime1?.matched).toEqual(
      expect.arrayContaining([
        'vcpus',
        'affinity',
        'max-memory',
        'cpupool',
        'scheduler',
        'grant-frames',
        'xenstore',
        'vuart',
      ]),
    );
    expect(runtime1?.checks.find((c) => c.field === 'max-memory')).toEqual({
      field: 'max-memory',
      declared: '65536 KiB',
      observed: '66560 KiB',
      expected: '66560 KiB (+1024 KiB: LIBXL_MAXMEM_CONSTANT)',
      ok: true,
    });
    expect(
      cmp.find((c) => c.domain === 'boottime')?.checks.find((c) => c.field === 'max-memory'),
    ).toMatchObject({
      observed: '65540 KiB',
      ok: true,
    });
    const v = judgeToolstackRun(example, report, census, ['boottime']);
    expect(v.ok).toBe(true);
    expect(v.runtime).toEqual([
      { domain: 'runtime1', path: 'xl', created: true, console: 'runtime1 up', markerSeen: true },
      { domain: 'runtime2', path: 'xl', created: true },
    ]);
  });

  it('catches a config that differs, on that field alone', () => {
    const wrong: Config = {
      ...example,
      domains: example.domains.map((d) =>
        d.name === 'runtime2'
          ? { ...d, vcpus: 3, maptrackFrames: 512 }
          : d.name === 'boottime'
            ? { ...d, memory: 128n << 20n }
            : d,
      ),
    };
    const found = compareCensus(wrong, census, { bootOrder: ['boottime'] }).flatMap((c) => c.mismatches);
    expect(found.map((m) => [m.domain, m.field, m.declared, m.observed])).toEqual([
      ['boottime', 'max-memory', '131072 KiB', '65540 KiB'],
      ['runtime2', 'vcpus', '3', '2'],
      ['runtime2', 'maptrack-frames', '512', '256'],
    ]);
  });

  it('a domain the toolstack never created is absent, and its verdict carries no success', () => {
    const cut = report.records.filter((r) => !(r.kind === 'read' && r.cmd.startsWith('xl ')));
    const v = judgeToolstackRun(example, { records: cut, incomplete: [] }, parseCensus(cut), ['boottime']);
    expect(v.ok).toBe(false);
    expect(v.mismatches.filter((m) => m.field === 'present').map((m) => m.domain)).toEqual([
      'dom0',
      'boottime',
      'runtime1',
      'runtime2',
    ]);
  });
});
