// Random systems built from registry examples: loading and every check stay total (no throw) and
// every finding is a typed, located diagnostic.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ARCHES, loadConfig, registry, validate, XEN_RELEASES } from '../../schema/index.js';
import { testBoard } from './helpers.js';

const featureSet = fc.subarray(registry.map((f) => f.key));
const domain = (i: number) =>
  fc.record({ keys: featureSet, boot: fc.boolean() }).map(({ keys, boot }) => {
    const d: Record<string, unknown> = { name: `d${i}`, kernel: 'probe', memory: '64M', boot };
    for (const k of keys) d[k] = registry.find((f) => f.key === k)!.example;
    return d;
  });

describe('validate on random systems', () => {
  it('never throws and only reports typed diagnostics', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...XEN_RELEASES),
        fc.option(fc.constantFrom(...ARCHES), { nil: undefined }),
        fc.boolean(),
        fc.boolean(),
        fc.tuple(domain(0), domain(1), domain(2)),
        (release, arch, withDom0, withBoard, domains) => {
          const cfg: Record<string, unknown> = { xen: { release }, board: 'qemu-virt-arm64', domains };
          if (arch) cfg.arch = arch;
          if (withDom0) cfg.dom0 = { kernel: 'vmlinuz' };
          const r = loadConfig(stringify(cfg), 'fuzz.yaml');
          if (!r.config) {
            expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
            return;
          }
          const opts: Parameters<typeof validate>[1] = { source: r.source };
          if (withBoard) opts.board = testBoard();
          for (const d of validate(r.config, opts)) {
            expect(d.id).toMatch(/^[a-z0-9-]+$/);
            expect(d.file).toBe('fuzz.yaml');
            expect(d.line).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
