// The census on x86, replayed from a real run: examples/x86-pvh.yaml on Debian's Xen 4.17 amd64
// under QEMU q35 (+svm,+npt), a PV dom0 with Debian's amd64 toolstack xl-creating the PVH guest
// (test/e2e/dom0-toolstack-x86.e2e.ts recorded it). What differs from Arm: no init-dom0less step,
// dom0's max_pages is ~0U, and Xen's own dump says what kind of guest it built.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCensus } from '../../qemu/dom0/census.js';
import { compareCensus, X86_PV_DOM0_MAX_PAGES } from '../../qemu/dom0/compare.js';
import { readDom0Records } from '../../qemu/dom0/records.js';
import type { Config } from '../../schema/config.js';
import { loadConfig } from '../../schema/load.js';

const here = import.meta.dirname;
const example = loadConfig(readFileSync(join(here, '../../examples/x86-pvh.yaml'), 'utf8'), 'x86-pvh.yaml')
  .config as Config;
const report = readDom0Records(
  readFileSync(join(here, 'fixtures/dom0-x86-pvh-4.17.console'), 'utf8').split('\n'),
);
const census = parseCensus(report.records);

describe('recorded census, Xen 4.17 x86_64', () => {
  it('reads every step (no init-dom0less on x86) and both domains', () => {
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
      'start:xenconsoled',
      'xl-create:pvh1',
      'up:pvh1',
    ]);
    expect(census.domains.map((d) => [d.domid, d.name])).toEqual([
      [0, 'Domain-0'],
      [1, 'pvh1'],
    ]);
    // The domain's paging line, not a vCPU's ("hap, 4 levels"), which follows it in the dump.
    expect(census.domains[0]?.paging).toBeUndefined();
    expect(census.domains[1]?.paging).toBe('hap refcounts translate external');
    expect(census.domains[0]?.maxPages).toBe(X86_PV_DOM0_MAX_PAGES);
  });

  it('matches the config field by field', () => {
    const cmp = compareCensus(example, census, { bootOrder: [] });
    expect(cmp.flatMap((c) => c.mismatches)).toEqual([]);
    expect(cmp.find((c) => c.domain === 'pvh1')?.matched).toContain('guest-type');
    expect(cmp.find((c) => c.domain === 'dom0')?.matched).toEqual(
      expect.arrayContaining(['max-memory', 'guest-type']),
    );
  });

  it('a config declaring the guest PV is caught on guest-type alone', () => {
    const wrong: Config = {
      ...example,
      domains: example.domains.map((d) => (d.name === 'pvh1' ? { ...d, type: 'pv' } : d)),
    };
    const mismatches = compareCensus(wrong, census, { bootOrder: [] }).flatMap((c) => c.mismatches);
    expect(mismatches.map((m) => [m.domain, m.field, m.observed])).toEqual([
      ['pvh1', 'guest-type', 'hvm container, hap'],
    ]);
  });
});
