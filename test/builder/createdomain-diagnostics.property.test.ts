// createDomainDiagnostics (what `dombuild validate` adds after the schema's checks) on random
// systems built from registry examples, valid or not: it never throws, and every finding carries
// a createdomain check id and a path into the domain it is about.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createDomainDiagnostics } from '../../builder/createdomain-args.js';
import { loadConfig, registry, XEN_RELEASES } from '../../schema/index.js';
import { CREATEDOMAIN_CHECKS } from '../../xen-formats/index.js';

const ids = new Set(CREATEDOMAIN_CHECKS.map((c) => c.id as string));
const featureSet = fc.subarray(registry.map((f) => f.key));
const domain = (i: number) =>
  fc.record({ keys: featureSet, boot: fc.boolean() }).map(({ keys, boot }) => {
    const d: Record<string, unknown> = { name: `d${i}`, kernel: 'probe', memory: '64M', boot };
    for (const k of keys) d[k] = registry.find((f) => f.key === k)!.example;
    return d;
  });

describe('createDomainDiagnostics on random systems', () => {
  it('never throws; findings have a createdomain id and a domain path', () => {
    let loaded = 0;
    let found = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...XEN_RELEASES),
        fc.constantFrom('arm64' as const, 'x86_64' as const),
        fc.tuple(domain(0), domain(1)),
        (release, arch, domains) => {
          const cfg = { xen: { release }, arch, board: 'qemu-virt-arm64', cpupools: [], domains };
          const r = loadConfig(stringify(cfg), 'fuzz.yaml');
          if (!r.config) return;
          loaded++;
          for (const d of createDomainDiagnostics(r.config, { arch })) {
            found++;
            expect(ids.has(d.id)).toBe(true);
            expect(d.path).toMatch(/^domains\[[01]\]/);
            expect(d.hint).toBeTruthy();
          }
        },
      ),
      { numRuns: 200 },
    );
    // The generator reaches loadable configs and ones Xen would refuse.
    expect(loaded).toBeGreaterThan(20);
    expect(found).toBeGreaterThan(0);
  });
});
