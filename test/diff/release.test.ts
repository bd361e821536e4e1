// `dombuild diff examples/minimal.yaml examples/minimal.yaml --release 4.17 --release 4.20` (the
// issue's done-when), and the same for every pair of neighbouring releases: each listed change is
// checked against the ABI tables (xen-formats/createdomain/releases.ts, layout.ts), the registry's
// `since`, and, for 4.17 → 4.20, the offsets of reference/createdomain-abi.md §1 written out here.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Change, DiffResult } from '../../diff/index.js';
import { registry } from '../../schema/registry.js';
import { releaseAtLeast, releaseFacts, XEN_RELEASES, type XenRelease } from '../../schema/releases.js';
import {
  CREATEDOMAIN_RELEASES,
  type CreateDomainTarget,
  type FieldKey,
  fieldFor,
  layoutFor,
} from '../../xen-formats/index.js';
import { diffFiles, root, scratch, writeConfig } from './sides.js';

const minimal = join(root, 'examples', 'minimal.yaml');
const hex = (n: number) => `0x${n.toString(16)}`;
const system = (d: DiffResult) => d.groups.find((g) => g.name === null)?.changes ?? [];

/** The registry controls minimal.yaml's domains use, by the keys its YAML writes (params included). */
const USED = ['memory', 'vcpus', 'vpl011'];

/** What the ABI tables say must differ between two releases on arm64, as (item → [a, b]). */
function expectedAbi(ra: XenRelease, rb: XenRelease): Map<string, [string | null, string | null]> {
  const ta: CreateDomainTarget = { release: ra, arch: 'arm64' };
  const tb: CreateDomainTarget = { release: rb, arch: 'arm64' };
  const out = new Map<string, [string | null, string | null]>();
  const fa = CREATEDOMAIN_RELEASES[ra];
  const fb = CREATEDOMAIN_RELEASES[rb];
  if (fa.interfaceVersion !== fb.interfaceVersion)
    out.set('interface_version', [hex(fa.interfaceVersion), hex(fb.interfaceVersion)]);
  const keys = new Set<FieldKey>([...layoutFor(ta), ...layoutFor(tb)].map((f) => f.key));
  for (const k of keys) {
    const x = fieldFor(ta, k);
    const y = fieldFor(tb, k);
    const show = (f: typeof x) => (f ? `@${f.offset} ${f.type} (${f.cName})` : null);
    if (show(x) !== show(y)) out.set(`layout ${k}`, [show(x), show(y)]);
  }
  for (const flag of new Set([...fa.cdfFlags, ...fb.cdfFlags])) {
    const x = fa.cdfFlags.includes(flag) ? 'yes' : null;
    const y = fb.cdfFlags.includes(flag) ? 'yes' : null;
    if (x !== y) out.set(`defines ${flag}`, [x, y]);
  }
  return out;
}

describe('diff minimal.yaml --release 4.17 --release 4.20', () => {
  it('lists the ABI changes of reference/createdomain-abi.md §1 and nothing a guest sees', async () => {
    const d = await diffFiles(minimal, minimal, '4.17', '4.20');
    expect(d.guestVisible).toBe(false);
    // No domain group: the guests' device-tree nodes, createdomain values, blob records and load
    // addresses are the same; only how the hypercall argument is laid out changes.
    expect(d.groups.map((g) => g.name)).toEqual([null]);
    const listed = Object.fromEntries(system(d).map((c) => [c.item, [c.a, c.b]]));
    // Read off the reference's offset table (L1 → L2, arm arch struct at 72 → 76, sve_vl since 4.18).
    const at = (off: number, type: string, c: string) => `@${off} ${type} (u.createdomain.${c})`;
    expect(listed).toEqual({
      interface_version: ['0x15', '0x17'],
      'layout altp2m.opts': [null, at(64, 'u32', 'altp2m_opts')],
      'layout vmtrace_size': [at(64, 'u32', 'vmtrace_size'), at(68, 'u32', 'vmtrace_size')],
      'layout cpupool_id': [at(68, 'u32', 'cpupool_id'), at(72, 'u32', 'cpupool_id')],
      'layout arch.gic_version': [at(72, 'u8', 'arch.gic_version'), at(76, 'u8', 'arch.gic_version')],
      'layout arch.sve_vl': [null, at(77, 'u8', 'arch.sve_vl')],
      'layout arch.tee_type': [at(74, 'u16', 'arch.tee_type'), at(78, 'u16', 'arch.tee_type')],
      'layout arch.nr_spis': [at(76, 'u32', 'arch.nr_spis'), at(80, 'u32', 'arch.nr_spis')],
      'layout arch.clock_frequency': [
        at(80, 'u32', 'arch.clock_frequency'),
        at(84, 'u32', 'arch.clock_frequency'),
      ],
    });
    for (const c of system(d)) {
      expect(c).toMatchObject({ kind: 'abi', control: 'xen.release', guestVisible: false });
      // Located at the config's xen.release (line 6 of examples/minimal.yaml) on both sides.
      expect(c.at.a).toMatchObject({ file: minimal, line: 6 });
      expect(c.at.b).toMatchObject({ file: minimal, line: 6 });
    }
  });
});

describe('every pair of neighbouring releases, minimal.yaml', () => {
  const pairs = XEN_RELEASES.slice(1).map((r, i) => [XEN_RELEASES[i], r] as [XenRelease, XenRelease]);
  it.each(pairs)('%s -> %s: exactly what the ABI tables and the registry say', async (ra, rb) => {
    const d = await diffFiles(minimal, minimal, ra, rb);
    const listed = new Map(system(d).map((c: Change) => [c.item, [c.a, c.b]]));
    expect(listed).toEqual(expectedAbi(ra, rb));
    // A DT property of a control the config uses can appear or go only where the registry says
    // Xen starts reading it between the two releases; minimal.yaml's controls are all 4.17's.
    const gated = registry.filter((f) => {
      const since = f.dt?.since ?? f.since;
      return USED.includes(f.key) && !releaseAtLeast(ra, since) && releaseAtLeast(rb, since);
    });
    const dtChanges = d.groups.flatMap((g) => g.changes.filter((c) => c.kind === 'dt'));
    expect(dtChanges.map((c) => c.control).sort()).toEqual(gated.map((f) => f.key).sort());
    expect(d.guestVisible).toBe(false);
  });
});

describe('what a release does with the same description', () => {
  it('xen,enhanced = "enabled" from 4.20 to 4.21: the release table says who makes the xenstore page', async () => {
    const dir = scratch();
    const file = writeConfig(
      dir,
      'xen: { release: "4.20" }\nboard: qemu-virt-arm64\ndom0: { kernel: dom0.img, memory: 256M }\n' +
        'domains:\n  - name: g1\n    kernel: { probe: "g1 up" }\n    memory: 64M\n    xenstore: enabled\n',
    );
    const d = await diffFiles(file, file, '4.20', '4.21');
    const g1 = d.groups.find((g) => g.name === 'g1')?.changes ?? [];
    // The device tree is the same; what differs is the table's enhancedEnabledIsLegacy.
    expect(g1.map((c) => c.kind)).toEqual(['release']);
    const [c] = g1;
    const legacy = (r: XenRelease) => releaseFacts(r).enhancedEnabledIsLegacy;
    expect(legacy('4.20')).not.toBe(legacy('4.21'));
    expect(c?.a).toMatch(legacy('4.20') ? /init-dom0less/ : /allocated by Xen/);
    expect(c?.b).toMatch(legacy('4.21') ? /init-dom0less/ : /allocated by Xen/);
    expect(c).toMatchObject({ control: 'xenstore', registry: true, guestVisible: true });
    expect(c?.at.a).toMatchObject({ file, line: 8 });
    expect(d.guestVisible).toBe(true);
  });
});
