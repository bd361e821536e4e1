// What the import needs from the board's device tree: the CPU nodes by name (CPUPOOL names them,
// dombuild numbers them as the board facts do), and enough to recognise a board dombuild knows.
import type { Node } from '../../devicetree/tree.js';
import { read } from '../../devicetree/tree.js';

/** Names of the CPU nodes under /cpus, in the order the board facts number them. */
export function cpuNodeNames(tree: { root: Node }): string[] {
  const cpus = tree.root.child('cpus');
  if (!cpus) return [];
  return cpus.children
    .filter((c) => {
      const t = c.prop('device_type');
      const isCpu = t ? read.string(t) === 'cpu' : c.baseName === 'cpu';
      const s = c.prop('status');
      const off = s ? !['okay', 'ok'].includes(read.string(s)) : false;
      return isCpu && !off;
    })
    .map((c) => c.name);
}

/** What the board choice needs from a DTB: root compatible, GIC version, CPU count, RAM. */
export function dtbSummary(tree: { root: Node }): {
  compatible: string[];
  gic?: 2 | 3;
  cpus: number;
  ram: bigint;
} {
  const root = tree.root;
  const c = root.prop('compatible');
  const compatible = c ? read.strings(c) : [];
  let gic: 2 | 3 | undefined;
  const cells = (n: Node, name: string, d: number) => {
    const p = n.prop(name);
    return p ? read.u32(p) : d;
  };
  const ac = cells(root, '#address-cells', 2);
  const sc = cells(root, '#size-cells', 1);
  let ram = 0n;
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const cp = n.prop('compatible');
    const list = cp ? read.strings(cp) : [];
    if (list.includes('arm,gic-v3')) gic = 3;
    else if (gic === undefined && list.some((x) => x === 'arm,cortex-a15-gic' || x === 'arm,gic-400'))
      gic = 2;
    stack.push(...n.children);
  }
  for (const n of root.children) {
    const t = n.prop('device_type');
    if (!t || read.string(t) !== 'memory') continue;
    const reg = n.prop('reg');
    if (!reg) continue;
    const g = read.cellGroups(reg, 1);
    for (let i = 0; i + ac + sc <= g.length; i += ac + sc)
      ram += g.slice(i + ac, i + ac + sc).reduce((v, x) => (v << 32n) | x, 0n);
  }
  const out: { compatible: string[]; gic?: 2 | 3; cpus: number; ram: bigint } = {
    compatible,
    cpus: cpuNodeNames(tree).length,
    ram,
  };
  if (gic) out.gic = gic;
  return out;
}

/** The built-in board a DTB is, by its root compatible, for the U-Boot defaults it brings. */
export function knownBoard(compatible: readonly string[], arch: 'arm64' | 'arm32'): string | undefined {
  if (arch === 'arm64' && compatible.includes('linux,dummy-virt')) return 'qemu-virt-arm64';
  if (compatible.includes('xlnx,zynqmp-zcu102')) return 'zcu102';
  if (compatible.includes('raspberrypi,4-model-b')) return 'rpi4';
  return undefined;
}
