// Generated from the registry: for every control, two configs that differ in that control alone
// (the registry's own example value), on a domain Xen builds at boot where the dom0less builder
// reads the control (it has a DT encoding) and on a runtime domain where xl does (an xl key).
// A guest-visible control must make diff say so (exit 1) naming that control's encodings; a
// control the registry calls invisible must leave the verdict at "no guest-visible change" (exit 0).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { writeDtb } from '../../devicetree/dtb.js';
import { Tree, value } from '../../devicetree/tree.js';
import { type Change, isKnownControl, itemsOf } from '../../diff/index.js';
import { type Feature, registry } from '../../schema/registry.js';
import { diffFiles, scratch, sideOf, writeConfig } from './sides.js';

const dir = scratch();
{
  // A partial device tree for `passthrough: { dtb: partial.dtb }`, the registry's example.
  const t = new Tree();
  t.root.setProp('#address-cells', value.u32(2));
  t.root.setProp('#size-cells', value.u32(2));
  t.root.ensureChild('passthrough').setProp('ranges', value.empty());
  writeFileSync(join(dir, 'partial.dtb'), writeDtb(t));
}

type Settings = Record<string, unknown>;

/**
 * What a control needs besides itself to validate, on both sides, with the rule that asks for it:
 * the diff then isolates the control. Anything not listed validates alone.
 */
const NEEDS: Readonly<Record<string, { domain?: Settings; xenCmdline?: string; system?: Settings }>> = {
  // direct-map-needs-static-mem; v8r-mpu: an MPU guest has staticMemory and directMap.
  // static-mem-sum: the banks add up to the domain's memory (the registry's example bank is 64M).
  staticMemory: { domain: { memory: '64M' } },
  directMap: { domain: { memory: '64M', staticMemory: [{ base: '0x60000000', size: '64M' }] } },
  v8rEl1Msa: {
    domain: { memory: '64M', staticMemory: [{ base: '0x60000000', size: '64M' }], directMap: true },
  },
  // cpupool-known: the pool must exist.
  cpupool: { system: { cpupools: [{ name: 'pool1', cpus: '1' }] } },
  // createdomain-iommu-opts-without-iommu.
  iommuNoSharePt: { domain: { iommu: true } },
  // llc-coloring-on, sci-scmi-smc: Xen's own command line must enable the feature.
  llcColors: { xenCmdline: 'llc-coloring=on' },
  sci: { xenCmdline: 'scmi-smc-passthrough' },
  // nested virt, altp2m and vmtrace are x86 HVM features (createdomain-*-needs-hap, -vmtrace).
  nestedVirt: { domain: { type: 'hvm' } },
  altp2m: { domain: { type: 'hvm' } },
  vmtrace: { domain: { type: 'hvm' } },
  // createdomain-altp2m-nr: a view count needs altp2m on.
  altp2mCount: { domain: { type: 'hvm', altp2m: 'mixed' } },
};

/** The example is the base value for memory; the base then asks for another amount. */
const BASE_MEMORY = '96M';

function config(f: Feature, boot: boolean, withControl: boolean): Settings {
  const x86 = !f.arches.includes('arm64');
  const need = NEEDS[f.key] ?? {};
  const g1: Settings = { name: 'g1', kernel: { probe: 'g1 up' }, memory: BASE_MEMORY, boot, ...need.domain };
  const domains: Settings[] = [g1];
  if (withControl) g1[f.key] = f.example;
  if (withControl && f.key === 'eventChannels') {
    // evtchn-peer: a channel is declared on both ends; the peer is a second boot domain.
    domains.push({
      name: 'other',
      kernel: { probe: 'other up' },
      memory: '32M',
      eventChannels: [{ port: 20, peer: 'g1', peerPort: 10 }],
    });
  } else if (f.key === 'eventChannels') {
    domains.push({ name: 'other', kernel: { probe: 'other up' }, memory: '32M' });
  }
  const cmdline = [x86 ? 'console=com1' : 'console=dtuart dtuart=/pl011@9000000', need.xenCmdline]
    .filter(Boolean)
    .join(' ');
  return {
    ...(x86 ? { arch: 'x86_64' } : {}),
    xen: { release: '4.22', cmdline },
    board: x86 ? { name: 'qemu-q35-x86_64', arch: 'x86_64', memory: '2G', cpus: 2 } : 'qemu-virt-arm64',
    ...(x86 ? { boot: { method: 'direct' } } : {}),
    dom0: { kernel: 'dom0.img', memory: '256M' },
    ...need.system,
    domains,
  };
}

/**
 * Controls no config can use on the boards dombuild builds for, with the check that refuses them:
 * the test holds them to that refusal (diff exits 2 on a side that does not build), so adding
 * support makes it fail here and ask for the real case.
 */
const UNBUILDABLE: Readonly<Record<string, string>> = {
  // Only an MPU (Armv8-R) build of Xen accepts v8r_el1_msa; dombuild's Arm targets are MMU builds.
  v8rEl1Msa: 'createdomain-arm-v8r-needs-mpu',
};

/**
 * Members a control changes through a default of the toolstack rather than its own encoding:
 * libxl asks for 10 altp2m views when altp2m is on and altp2m_count is unset (createdomain-args.ts).
 */
const DERIVED: Readonly<Record<string, readonly string[]>> = { altp2m: ['altp2m.nr'] };

/**
 * Keys a `custom` xl encoding writes besides the one the registry names (builder/xl/encode.ts):
 * passthrough gives the partial DTB as device_tree and the host devices as dtdev, iomem, irqs.
 */
const CUSTOM_XL: Readonly<Record<string, readonly string[]>> = {
  passthrough: ['device_tree', 'dtdev', 'iomem', 'irqs'],
};

/** Whether a change is one of the control's own encodings (the outputs its registry entry names). */
function isEncodingOf(f: Feature, c: Change): boolean {
  switch (c.kind) {
    case 'dt':
      if (!f.dt) return false;
      if (f.dt.kind === 'child-nodes') return c.item.includes(': ');
      if (f.dt.kind === 'module') return c.item.startsWith('module device-tree');
      return c.item === f.dt.prop;
    case 'createdomain': {
      const field = c.item.split(' ')[0] as string;
      return (f.createdomain ?? []).some((e) => field === e.field) || (DERIVED[f.key] ?? []).includes(field);
    }
    case 'xl': {
      if (!f.xl) return false;
      const custom = Object.values(f.xl.values ?? {}).map((v) => v.split('=')[0]);
      const extra = CUSTOM_XL[f.key] ?? [];
      return c.item === f.xl.key || (f.xl.kind === 'custom' && [...custom, ...extra].includes(c.item));
    }
    case 'blob':
      // The blob's MEMORY record is the domain's memory (docs/blob-format.md); the partial device
      // tree is a boot module, whose size and sha256 the blob records.
      if (f.key === 'memory') return c.item === 'memory';
      // The probe guest is built for its domain's memory map: a control that moves guest RAM
      // (direct-map, static banks) rebuilds the kernel image the blob hashes.
      if (c.item.startsWith('module kernel:')) return f.key === 'directMap' || f.key === 'staticMemory';
      return f.dt?.kind === 'module' && c.item.startsWith('module device-tree');
    case 'release':
      return c.control === f.key;
    default:
      return false;
  }
}

const cases: [string, Feature, boolean][] = [];
for (const f of registry) {
  const arm = f.arches.includes('arm64');
  // Xen's dom0less builder reads only the DT (the `*-expressible` checks); xl only its keys.
  if (arm && f.dt) cases.push([`${f.key} on a boot domain`, f, true]);
  if (f.xl) cases.push([`${f.key} on a runtime domain`, f, false]);
}

describe('one control changed, for every registry entry', () => {
  it('covers every registry entry at least once', () => {
    expect(new Set(cases.map(([, f]) => f.key))).toEqual(new Set(registry.map((f) => f.key)));
  });

  it.each(cases)('%s', async (_name, f, boot) => {
    const a = writeConfig(dir, stringify(config(f, boot, false)));
    const b = writeConfig(dir, stringify(config(f, boot, true)));
    const refused = UNBUILDABLE[f.key];
    if (refused) {
      const r = await sideOf(b);
      expect(r.reached).not.toBe('emit');
      expect(r.diagnostics.filter((x) => x.severity === 'error').map((x) => x.id)).toContain(refused);
      return;
    }
    const d = await diffFiles(a, b);
    // Every output item of both sides names fields the registry or diff's own table knows: none
    // falls back to "no config field is known to cause it".
    for (const file of [a, b]) {
      for (const item of [...itemsOf(await sideOf(file)).values()].flat()) {
        for (const c of [...item.controls, ...(item.judge ? [item.judge] : [])])
          expect(isKnownControl(c), `${item.kind} ${item.item} -> ${c}`).toBe(true);
      }
    }
    const all = d.groups.flatMap((g) => g.changes);
    // Host placement the control moves (a partial DTB is loaded too) is judged as placement.
    const own = all.filter((c) => c.control === f.key && c.kind !== 'plan');
    expect(own.length, 'the control is named').toBeGreaterThan(0);
    for (const c of own) {
      expect(isEncodingOf(f, c), `${c.kind} ${c.item} is an encoding of ${f.key}`).toBe(true);
      expect(c.registry).toBe(true);
      expect(c.guestVisible).toBe(f.guestVisible);
      expect(c.at.b?.file).toBe(b);
    }
    // Every other change is host placement moved by the control (never guest-visible).
    for (const c of all.filter((x) => !own.includes(x)))
      expect(c).toMatchObject({ kind: 'plan', guestVisible: false });
    expect(d.guestVisible).toBe(f.guestVisible);
    // Each output the registry says carries the control shows it.
    if (boot && f.dt) expect(own.some((c) => c.kind === 'dt')).toBe(true);
    if (!boot && f.xl) expect(own.some((c) => c.kind === 'xl')).toBe(true);
    // A scalar example other than Xen's default changes the createdomain member it encodes to.
    const dflt = f.xenDefault.value;
    const scalar = typeof f.example !== 'object';
    if (f.createdomain && scalar && dflt !== undefined && JSON.stringify(dflt) !== JSON.stringify(f.example))
      expect(own.some((c) => c.kind === 'createdomain')).toBe(true);
  });
});
