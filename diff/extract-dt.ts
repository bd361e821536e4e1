// system.dtb → items: each domain node under /chosen (and its child nodes), dom0's modules at the
// top of /chosen, and the rest of /chosen (Xen's command line, cpupools) for the system group.
// Node names that carry addresses (module@40800000) and phandle numbers are allocation details,
// not meaning: modules are matched by what they are, phandles by the node they point at.
import { readDtb } from '../devicetree/dtb.js';
import { printDtsValue } from '../devicetree/dts-print.js';
import type { Node, Property, Tree } from '../devicetree/tree.js';
import { read } from '../devicetree/tree.js';
import { registry } from '../schema/registry.js';
import { XEN_CMDLINE_CONTROLS } from './controls.js';
import { DOM0, type Grouped, type Item, SYSTEM } from './model.js';

const MODULE_CONTROL: Readonly<Record<string, string>> = {
  'multiboot,kernel': 'kernel',
  'multiboot,ramdisk': 'ramdisk',
  'xen,xsm-policy': 'xen.xsmPolicy',
  // The partial device tree's module: the registry entry whose DT encoding is that module.
  ...Object.fromEntries(
    registry.filter((f) => f.dt?.kind === 'module' && f.dt.compatible).map((f) => [f.dt?.compatible, f.key]),
  ),
};

/**
 * Properties whose cells hold phandles (all cells, or the listed ones): the cpupool a domain
 * starts in (the registry's cpupool-phandle encoding), a pool's CPUs (xen-dt-bindings.md §3.1)
 * and the peer of a static event channel (§3.5: `<local-port peer-phandle>`).
 */
const PHANDLE_CELLS: Readonly<Record<string, 'all' | readonly number[]>> = {
  ...Object.fromEntries(
    registry.filter((f) => f.dt?.kind === 'cpupool-phandle').map((f) => [f.dt?.prop, 'all']),
  ),
  'cpupool-cpus': 'all',
  'xen,evtchn': [1],
};

/** Domain-node properties every domain has; they change only with the domain itself. */
const NODE_FRAME = new Set(['compatible', '#address-cells', '#size-cells']);

/** /chosen's own properties → the config fields that write them. */
const CHOSEN_CONTROL: Readonly<Record<string, readonly string[]>> = {
  'xen,xen-bootargs': XEN_CMDLINE_CONTROLS,
  'xen,dom0-bootargs': ['dom0.cmdline'],
  'xen,static-heap': ['xen.staticHeap'],
};

function strings(p: Property | undefined): string[] {
  const v = p?.value;
  return p && v && v.length > 0 && v[v.length - 1] === 0 ? read.strings(p) : [];
}

/** The value as dtc prints it, without the ` = ` and `;` around it. */
function dtsValue(p: Property): string {
  return printDtsValue(p)
    .replace(/^\s*=\s*/, '')
    .replace(/;$/, '');
}

function render(p: Property, phandles: Map<number, Node>): string {
  const which = PHANDLE_CELLS[p.name];
  if (!which || p.value.length % 4 !== 0) return p.value.length === 0 ? '(empty)' : dtsValue(p);
  const out = read.cells(p).map((c, i) => {
    if (which !== 'all' && !which.includes(i)) return `0x${c.toString(16)}`;
    const target = phandles.get(c);
    return target ? `&{${target.path}}` : `0x${c.toString(16)}`;
  });
  return `<${out.join(' ')}>`;
}

/** Controls for a property of a domain node: the registry entries that write it. */
function propControls(prop: string): string[] {
  if (NODE_FRAME.has(prop)) return ['name'];
  return registry.filter((f) => f.dt && f.dt.prop === prop && f.dt.kind !== 'child-nodes').map((f) => f.key);
}

/** Controls for a child node: modules by their compatible, the rest by the registry's compatible. */
function childControls(child: Node, prop: string): { label: string; controls: string[] } {
  const compatible = strings(child.prop('compatible'));
  const module = compatible.find((c) => MODULE_CONTROL[c] !== undefined);
  if (module) {
    const kind = module.replace(/^(multiboot|xen),/, '');
    const control = MODULE_CONTROL[module] as string;
    return {
      label: `module ${kind}`,
      controls: prop === 'bootargs' && control === 'kernel' ? ['cmdline'] : [control],
    };
  }
  const byCompat = registry.filter(
    (f) => f.dt?.kind === 'child-nodes' && compatible.includes(f.dt.compatible ?? ''),
  );
  return { label: child.name, controls: byCompat.map((f) => f.key) };
}

function nodeItems(node: Node, phandles: Map<number, Node>): Item[] {
  const items: Item[] = [];
  for (const p of node.props) {
    if (p.name === 'phandle') continue;
    items.push({ kind: 'dt', item: p.name, value: render(p, phandles), controls: propControls(p.name) });
  }
  for (const child of node.children) {
    for (const p of child.props) {
      // A module's reg is where the plan put it: the plan items say that, by image.
      if (p.name === 'phandle') continue;
      const { label, controls } = childControls(child, p.name);
      if (label.startsWith('module ') && p.name === 'reg') continue;
      items.push({ kind: 'dt', item: `${label}: ${p.name}`, value: render(p, phandles), controls });
    }
  }
  return items;
}

/** The DT items of a built system.dtb, grouped by domain. */
export function dtItems(systemDtb: Uint8Array, into: Grouped): void {
  const tree: Tree = readDtb(systemDtb);
  const chosen = tree.lookup('/chosen');
  if (!chosen) return;
  const phandles = tree.phandles();
  const add = (group: string, items: Item[]) => into.set(group, [...(into.get(group) ?? []), ...items]);
  for (const p of chosen.props) {
    const controls = CHOSEN_CONTROL[p.name];
    // Everything else on /chosen is the board's or the loader's (#cells, stdout-path, kaslr-seed).
    if (controls)
      add(SYSTEM, [{ kind: 'dt', item: `/chosen: ${p.name}`, value: render(p, phandles), controls }]);
  }
  for (const child of chosen.children) {
    const compatible = strings(child.prop('compatible'));
    if (compatible.includes('xen,domain')) {
      add(child.name, nodeItems(child, phandles));
      continue;
    }
    const module = compatible.find((c) => MODULE_CONTROL[c] !== undefined);
    if (module) {
      // Outside any domain node: dom0's kernel and ramdisk, or Xen's XSM policy.
      const { label, controls } = childControls(child, 'bootargs');
      const group = module === 'xen,xsm-policy' ? SYSTEM : DOM0;
      for (const p of child.props) {
        if (p.name === 'reg') continue;
        const c = p.name === 'bootargs' ? controls : [MODULE_CONTROL[module] as string];
        add(group, [{ kind: 'dt', item: `${label}: ${p.name}`, value: render(p, phandles), controls: c }]);
      }
      continue;
    }
    const pool = compatible.includes('xen,cpupool');
    for (const p of child.props) {
      if (p.name === 'phandle') continue;
      const item = {
        kind: 'dt' as const,
        item: `/chosen/${child.name}: ${p.name}`,
        value: render(p, phandles),
      };
      // dom0's end of a static event channel is written from the peer domain's eventChannels.
      if (pool) add(SYSTEM, [{ ...item, controls: ['cpupools'] }]);
      else add(DOM0, [{ ...item, controls: childControls(child, p.name).controls }]);
    }
  }
}
