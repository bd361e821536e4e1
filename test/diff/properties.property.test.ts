// Properties of diff over random valid configs: a config compared with itself has no change, and
// diff(a, b) lists exactly what diff(b, a) lists, with the two values swapped and the same cause.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { DiffResult } from '../../diff/index.js';
import { releaseAtLeast, XEN_RELEASES } from '../../schema/releases.js';
import { diffFiles, scratch, writeConfig } from './sides.js';

const dir = scratch();

const domain = (release: string) =>
  fc.record(
    {
      memory: fc.integer({ min: 1, max: 8 }).map((n) => `${n * 16}M`),
      vcpus: fc.integer({ min: 1, max: 4 }),
      vpl011: fc.boolean(),
      cmdline: fc.constantFrom('console=ttyAMA0', 'console=hvc0 quiet', 'loglevel=8'),
      // max_grant_frames is a DT property from 4.18 (registry dt.since).
      grantFrames: releaseAtLeast(release as '4.17', '4.18')
        ? fc.integer({ min: 1, max: 64 })
        : fc.constant(undefined),
      nrSpis: fc.constantFrom(undefined, 32, 64),
    },
    { requiredKeys: ['memory', 'vcpus'] },
  );

const system = fc.constantFrom(...XEN_RELEASES).chain((release) =>
  fc.record({
    release: fc.constant(release),
    domains: fc.array(domain(release), { minLength: 1, maxLength: 3 }),
  }),
);

function yaml(s: { release: string; domains: Record<string, unknown>[] }): string {
  return stringify({
    xen: { release: s.release, cmdline: 'console=dtuart dtuart=/pl011@9000000' },
    board: 'qemu-virt-arm64',
    domains: s.domains.map((d, i) => ({
      name: `g${i}`,
      kernel: { probe: `g${i} up` },
      ...Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)),
    })),
  });
}

/** What a diff lists, as comparable rows: group, kind, item, both values, cause, verdict. */
function rows(d: DiffResult, swap: boolean): string[] {
  return d.groups
    .flatMap((g) =>
      g.changes.map((c) =>
        JSON.stringify([
          g.name,
          c.kind,
          c.item,
          swap ? c.b : c.a,
          swap ? c.a : c.b,
          c.control,
          c.guestVisible,
        ]),
      ),
    )
    .sort();
}

describe('diff over random valid configs', () => {
  it('diff(a, a) is empty', async () => {
    await fc.assert(
      fc.asyncProperty(system, async (s) => {
        const a = writeConfig(dir, yaml(s));
        const d = await diffFiles(a, a);
        expect(d.groups).toEqual([]);
        expect(d.guestVisible).toBe(false);
      }),
      { numRuns: 10 },
    );
  });

  it('diff(a, b) and diff(b, a) list the same changes, values swapped', async () => {
    await fc.assert(
      fc.asyncProperty(system, system, async (x, y) => {
        const a = writeConfig(dir, yaml(x));
        const b = writeConfig(dir, yaml(y));
        const ab = await diffFiles(a, b);
        const ba = await diffFiles(b, a);
        expect(rows(ba, true)).toEqual(rows(ab, false));
        expect(ba.guestVisible).toBe(ab.guestVisible);
      }),
      { numRuns: 10 },
    );
  });
});
