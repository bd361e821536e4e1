// Domains matched by name: one present on a side only is one change, the domain itself, at its
// name's line; a domain that moves from boot time to the toolstack shows in every output it
// changes (its DT node goes, its xl config comes), attributed to `boot`.
import { describe, expect, it } from 'vitest';
import { diffFiles, scratch, writeConfig } from './sides.js';

const dir = scratch();
const config = (domains: string) =>
  `xen: { release: "4.20" }\nboard: qemu-virt-arm64\ndom0: { kernel: dom0.img, memory: 256M }\ndomains:\n${domains}`;
const g1 = '  - name: g1\n    kernel: { probe: "g1 up" }\n    memory: 64M\n';
const g2 = (boot: boolean) =>
  `  - name: g2\n    kernel: { probe: "g2 up" }\n    memory: 64M\n    boot: ${boot}\n`;

describe('domains', () => {
  it('a domain on one side only is one guest-visible change at its name, either way round', async () => {
    const a = writeConfig(dir, config(g1));
    const b = writeConfig(dir, config(g1 + g2(true)));
    const d = await diffFiles(a, b);
    expect(d.groups.map((g) => g.name)).toEqual(['g2']);
    const [c] = d.groups[0]?.changes ?? [];
    expect(c).toMatchObject({
      kind: 'domain',
      a: null,
      b: 'boot domain',
      control: 'name',
      guestVisible: true,
    });
    expect(c?.at.a).toBeUndefined();
    expect(c?.at.b).toMatchObject({ file: b, line: 8 });
    const back = await diffFiles(b, a);
    expect(back.groups[0]?.changes[0]).toMatchObject({ a: 'boot domain', b: null });
  });

  it('boot: true -> false: the DT node goes, the xl config comes, all at the boot line', async () => {
    const a = writeConfig(dir, config(g1 + g2(true)));
    const b = writeConfig(dir, config(g1 + g2(false)));
    const d = await diffFiles(a, b);
    const changes = d.groups.find((g) => g.name === 'g2')?.changes ?? [];
    const kinds = new Set(changes.map((c) => c.kind));
    for (const k of ['dt', 'blob', 'xl']) expect(kinds.has(k as never), k).toBe(true);
    expect(changes.find((c) => c.item === 'created by')).toMatchObject({
      a: 'Xen at boot',
      b: 'the toolstack',
      control: 'boot',
      guestVisible: true,
    });
    // Every output of the domain changed because of its boot line (its load addresses are placement).
    for (const c of changes) expect(c.control, `${c.kind} ${c.item}`).toBe('boot');
    for (const c of changes.filter((x) => x.kind !== 'plan'))
      expect(c.at.b).toMatchObject({ file: b, line: 11 });
    // The DT node's properties are all gone on b, the xl keys all new.
    for (const c of changes.filter((x) => x.kind === 'dt')) expect(c.b).toBeNull();
    for (const c of changes.filter((x) => x.kind === 'xl')) expect(c.a).toBeNull();
    expect(d.groups.some((g) => g.name === 'g1')).toBe(false);
  });
});
