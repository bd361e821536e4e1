// EXPERIMENTAL: the x86 "hyperlaunch" device tree as proposed in the unmerged series
// "Hyperlaunch device tree for dom0" (v6, 2025-04; reference/xen-dt-bindings.md §4.3). No Xen
// release parses it, and the bindings may still change. It describes dom0 only (the series
// supports one domain) and travels as the first multiboot module, so dom0's kernel and ramdisk
// are found by `module-index` 1 and 2.
//   /chosen/hypervisor  compatible "hypervisor,xen"
//     <dom0>            compatible "xen,domain"; domid, mode (bit0 PV), memory (u64 KiB), cpus,
//                       capabilities (control | hardware, as on Arm)
//       kernel/ramdisk  compatible "multiboot,kernel"|"multiboot,ramdisk", "multiboot,module";
//                       module-index; bootargs (used only when the loader gave no string)

import { writeDtb } from '../../devicetree/dtb.js';
import { printDts } from '../../devicetree/dts-print.js';
import { Node, Tree, value } from '../../devicetree/tree.js';
import type { Config } from '../../schema/config.js';
import { DT_CONSTANTS } from '../../schema/registry.js';
import type { X86BootList } from './modules.js';

export const HYPERLAUNCH_STATUS =
  'EXPERIMENTAL: proposed x86 hyperlaunch bindings (unmerged series, v6 2025-04); no Xen release reads this tree';

/** `mode` bits of the proposed binding. */
const BUILD_MODE_PARAVIRT = 0x1;

export interface Hyperlaunch {
  tree: Tree;
  dts: string;
  dtb: Uint8Array;
  /** The module list when the tree leads it (index 0), as a loader passes it. */
  modules: X86BootList['modules'];
}

export function hyperlaunchTree(config: Config, list: X86BootList): Hyperlaunch | undefined {
  const dom0 = config.dom0;
  if (!dom0) return undefined;
  const t = new Tree();
  t.root.setProp('#address-cells', value.u32(2), { hint: { kind: 'cells', bits: 32 } });
  t.root.setProp('#size-cells', value.u32(1), { hint: { kind: 'cells', bits: 32 } });
  const chosen = t.ensurePath('/chosen');
  const hv = chosen.addChild(new Node('hypervisor'));
  hv.setProp('compatible', value.string('hypervisor,xen'), { hint: { kind: 'string' } });
  hv.setProp('dombuild,status', value.string(HYPERLAUNCH_STATUS), { hint: { kind: 'string' } });
  const d = hv.addChild(new Node('dom0'));
  d.setProp('compatible', value.string('xen,domain'), { hint: { kind: 'string' } });
  d.setProp('domid', value.u32(0), { hint: { kind: 'cells', bits: 32 } });
  d.setProp('mode', value.u32(dom0.type === 'pvh' ? 0 : BUILD_MODE_PARAVIRT), {
    hint: { kind: 'cells', bits: 32 },
  });
  if (dom0.memory !== undefined)
    d.setProp('memory', value.u64(dom0.memory / 1024n), { hint: { kind: 'cells', bits: 64 } });
  if (dom0.vcpus !== undefined)
    d.setProp('cpus', value.u32(dom0.vcpus), { hint: { kind: 'cells', bits: 32 } });
  const caps = (DT_CONSTANTS.DOMAIN_CAPS_CONTROL ?? 0) | (DT_CONSTANTS.DOMAIN_CAPS_HARDWARE ?? 0);
  d.setProp('capabilities', value.u32(caps), { hint: { kind: 'cells', bits: 32 } });
  list.modules.forEach((m, i) => {
    if (m.kind === 'xsm-policy') return;
    const n = d.addChild(new Node(m.kind));
    n.setProp('compatible', value.strings(`multiboot,${m.kind}`, 'multiboot,module'), {
      hint: { kind: 'strings' },
    });
    n.setProp('module-index', value.u32(i + 1), { hint: { kind: 'cells', bits: 32 } });
    if (m.cmdline) n.setProp('bootargs', value.string(m.cmdline), { hint: { kind: 'string' } });
  });
  const dts = `// ${HYPERLAUNCH_STATUS}\n${printDts(t)}`;
  return { tree: t, dts, dtb: writeDtb(t), modules: list.modules };
}
