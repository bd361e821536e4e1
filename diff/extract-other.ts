// The remaining outputs as items: each runtime domain's xl config (xl/<name>.cfg, read with Xen's
// config grammar), where the boot plan loads every image, and what Xen does differently with an
// identical description from one release to the next (the release table's per-domain facts).
import type { BootPlan, ResolvedImage } from '../builder/plan/types.js';
import type { Config } from '../schema/config.js';
import { registry } from '../schema/registry.js';
import { releaseFacts, type XenRelease } from '../schema/releases.js';
import { parseXlConfig } from '../xen-formats/xl/parse.js';
import { formatXlValue } from '../xen-formats/xl/value.js';
import { XEN_CMDLINE_CONTROLS } from './controls.js';
import { DOM0, type Grouped, type Item, SYSTEM } from './model.js';

/** xl keys the emitter writes for every domain, outside the registry. */
const XL_STRUCTURAL: Readonly<Record<string, string>> = {
  name: 'name',
  kernel: 'kernel',
  ramdisk: 'ramdisk',
  extra: 'cmdline',
  cmdline: 'cmdline',
  device_tree: 'passthrough',
  dtdev: 'passthrough',
  iomem: 'passthrough',
  irqs: 'passthrough',
};

/** xl key → registry entries writing it: the entry's key, and the keys its custom `k=v` values name. */
const XL_BY_KEY = new Map<string, string[]>();
for (const f of registry) {
  if (!f.xl) continue;
  const keys = new Set([f.xl.key]);
  if (f.xl.kind === 'custom')
    for (const v of Object.values(f.xl.values ?? {})) keys.add(v.split('=')[0] as string);
  for (const k of keys) XL_BY_KEY.set(k, [...(XL_BY_KEY.get(k) ?? []), f.key]);
}

/** The xl configs of the build, one group per domain. */
export function xlItems(files: ReadonlyMap<string, Uint8Array>, into: Grouped): void {
  for (const [name, bytes] of files) {
    const m = /^xl\/(.+)\.cfg$/.exec(name);
    if (!m) continue;
    const parsed = parseXlConfig(new TextDecoder().decode(bytes));
    const items: Item[] = [];
    for (const [key, v] of parsed.values) {
      const controls = XL_BY_KEY.get(key) ?? [XL_STRUCTURAL[key] ?? 'name'];
      items.push({ kind: 'xl', item: key, value: formatXlValue(v.value), controls });
    }
    const group = m[1] as string;
    into.set(group, [...(into.get(group) ?? []), ...items]);
  }
}

const ROLE_CONTROL: Readonly<Record<string, string>> = {
  kernel: 'kernel',
  ramdisk: 'ramdisk',
  'device-tree': registry.find((f) => f.dt?.kind === 'module')?.key ?? 'passthrough',
  xen: 'xen.image',
  'xsm-policy': 'xen.xsmPolicy',
};

/** Every image the plan places: load address and size, judged as host placement. */
export function planItems(plan: BootPlan, into: Grouped): void {
  for (const img of plan.images) {
    const group = img.domain === undefined ? SYSTEM : img.domain === DOM0 ? DOM0 : img.domain;
    const control = ROLE_CONTROL[img.role] ?? 'boot_files';
    const where = `0x${img.address.toString(16)}, ${img.size} bytes${img.placeholder ? ' (placeholder size)' : ''}`;
    const item: Item = {
      kind: 'plan',
      item: `load ${img.domain === undefined ? img.name : img.role}`,
      value: where,
      controls: [control],
      judge: control === 'boot_files' ? 'boot_files' : 'placement',
    };
    into.set(group, [...(into.get(group) ?? []), item]);
  }
}

/**
 * What the release makes of the same description: from 4.21 Xen allocates the xenstore page of a
 * `xen,enhanced = "enabled"` domain itself; before, that meant what 4.21 calls "legacy", a page
 * init-dom0less sets up from dom0 (xen-dt-bindings.md §1.1).
 */
export function releaseItems(config: Config, into: Grouped): void {
  const facts = releaseFacts(config.xen.release as XenRelease);
  for (const d of config.domains) {
    if (!d.boot || d.xenstore !== 'enabled') continue;
    const value = facts.enhancedEnabledIsLegacy
      ? 'xenstore page set up later by init-dom0less (legacy)'
      : 'xenstore page allocated by Xen at boot';
    const item: Item = { kind: 'release', item: 'xen,enhanced = "enabled"', value, controls: ['xenstore'] };
    into.set(d.name, [...(into.get(d.name) ?? []), item]);
  }
}

/**
 * The bytes of dom0's and Xen's files (a domain's are in the blob's MODULE records): on x86 there
 * is no plan and no DT, so this is where a new dom0 kernel shows.
 */
export function imageItems(images: readonly ResolvedImage[], into: Grouped): void {
  for (const img of images) {
    if (img.domain !== undefined && img.domain !== DOM0) continue;
    if (img.sha256 === undefined) continue;
    const group = img.domain === DOM0 ? DOM0 : SYSTEM;
    const control = img.domain === DOM0 ? img.role : (ROLE_CONTROL[img.role] ?? 'boot_files');
    const item: Item = { kind: 'image', item: `${img.name}: sha256`, value: img.sha256, controls: [control] };
    into.set(group, [...(into.get(group) ?? []), item]);
  }
}

/**
 * x86: the EFI loader's xen.cfg (builder/x86/efi.ts), `key=value` lines under `[section]`s; its
 * boot section says what grub.cfg says. `options` is Xen's command line; `kernel` is dom0's
 * kernel followed by its command line; `ramdisk` and `xsm` name files.
 */
export function xenCfgItems(text: string, into: Grouped): void {
  let section = '';
  const add = (group: string, item: Item) => into.set(group, [...(into.get(group) ?? []), item]);
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1] as string;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || section === 'global') continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    const at = `xen.cfg ${key}`;
    if (key === 'options') add(SYSTEM, { kind: 'boot', item: at, value, controls: XEN_CMDLINE_CONTROLS });
    else if (key === 'kernel') {
      const space = value.indexOf(' ');
      const file = space < 0 ? value : value.slice(0, space);
      add(DOM0, { kind: 'boot', item: `${at}: file`, value: file, controls: ['kernel'] });
      add(DOM0, {
        kind: 'boot',
        item: `${at}: command line`,
        value: space < 0 ? '' : value.slice(space + 1),
        controls: ['cmdline'],
      });
    } else if (key === 'ramdisk') add(DOM0, { kind: 'boot', item: at, value, controls: ['ramdisk'] });
    else
      add(SYSTEM, {
        kind: 'boot',
        item: at,
        value,
        controls: [key === 'xsm' ? 'xen.xsmPolicy' : 'boot_files'],
      });
  }
}
