// The partial device tree for a domain's `passthrough.devices` (reference/xen-dt-bindings.md §3.6):
//   /gic          placeholder; the guest GIC keeps Xen's phandle 65000 (GUEST_PHANDLE_GIC), which
//                 every copied interrupt-parent names (the placeholder itself carries no phandle,
//                 since 4.22 rejects partial DTBs whose phandles reach 65000)
//   /passthrough  simple-bus, 2/2 cells: each device node copied from the host tree, its `reg` moved
//                 to guest addresses, with `xen,path` (the host node: IRQs and IOMMU) and `xen,reg`
//                 (<host size guest>, page-granular, 64-bit cells) for Xen to map.
// Guest addresses come from a window of Xen's Arm guest map that holds neither RAM nor an
// emulated device (GIC, vpl011, grant table, magic pages, ACPI, virtio), or equal the host's for
// direct-mapped domains. Clock providers without registers (fixed clocks) are copied along with
// fresh phandles; references to anything else (resets, power domains, pinctrl) cannot work in a
// guest and are dropped with a warning.
import { writeDtb } from '../../devicetree/dtb.js';
import { Node, type Property, read, Tree, value } from '../../devicetree/tree.js';
import type { Config, Domain } from '../../schema/config.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import type { BootPlan } from '../plan/types.js';

/** GUEST_PHANDLE_GIC in xen/include/public/device_tree_defs.h. */
export const GUEST_PHANDLE_GIC = 65000;
const PAGE = 0x1000n;
/** Free in Xen's Arm guest memory map (xen/include/public/arch-arm.h): after vpl011, before virtio-PCI. */
export const PASSTHROUGH_WINDOW = { start: 0x2300_0000n, end: 0x3300_0000n };

/** Phandle-with-arguments properties and the provider's cell-count property. */
const PHANDLE_LISTS: Record<string, string> = {
  clocks: '#clock-cells',
  resets: '#reset-cells',
  'power-domains': '#power-domain-cells',
  phys: '#phy-cells',
  dmas: '#dma-cells',
  iommus: '#iommu-cells',
};
/** Host-only properties not copied into a guest. */
const DROP = new Set(['xen,passthrough', 'phandle', 'linux,phandle', 'interrupt-parent', 'status']);

export interface PartialInput {
  config: Config;
  hostTree: Tree;
  plan: BootPlan;
}

export interface PartialResult {
  /** Plan image name (`<domain>/device-tree`) → partial DTB bytes. */
  dtbs: Map<string, Uint8Array>;
  trees: Map<string, Tree>;
  diagnostics: Diagnostic[];
}

export function buildPartialDtbs(input: PartialInput): PartialResult {
  const out: PartialResult = { dtbs: new Map(), trees: new Map(), diagnostics: [] };
  input.config.domains.forEach((d, i) => {
    if (!d.boot || !generatesPartialDtb(d)) return;
    const t = partialTree(d, `domains[${i}].passthrough`, input.hostTree, out.diagnostics);
    if (!t) return;
    out.trees.set(`${d.name}/device-tree`, t);
    out.dtbs.set(`${d.name}/device-tree`, writeDtb(t));
  });
  return out;
}

/**
 * Whether the build writes this domain's partial DTB: devices or MMIO ranges are given and no
 * partial DTB of the user's. Dom0less has no other way to hand either to a boot-time domain.
 */
export function generatesPartialDtb(d: Domain): boolean {
  const pt = d.passthrough;
  return !pt?.dtb && Boolean(pt?.devices?.length || pt?.iomem?.length);
}

function cellsOf(node: Node | undefined, name: string, dflt: number): number {
  const p = node?.prop(name);
  return p && p.value.length === 4 ? read.u32(p) : dflt;
}

export function partialTree(d: Domain, at: string, host: Tree, diags: Diagnostic[]): Tree | undefined {
  const err = (
    message: string,
    severity: 'error' | 'warning' = 'error',
    hint?: string,
    where = `${at}.devices`,
  ) => diags.push({ id: 'passthrough-partial', severity, message, path: where, ...(hint ? { hint } : {}) });
  const t = new Tree();
  t.root.setProp('#address-cells', value.u32(2), { hint: { kind: 'cells', bits: 32 } });
  t.root.setProp('#size-cells', value.u32(2), { hint: { kind: 'cells', bits: 32 } });
  const gic = t.root.addChild(new Node('gic'));
  const hostGic = findGic(host);
  gic.setProp('#interrupt-cells', value.u32(cellsOf(hostGic, '#interrupt-cells', 3)), {
    hint: { kind: 'cells', bits: 32 },
  });
  gic.setProp('interrupt-controller', value.empty());
  const bus = t.root.addChild(new Node('passthrough'));
  bus.setProp('compatible', value.string('simple-bus'), { hint: { kind: 'string' } });
  bus.setProp('ranges', value.empty());
  bus.setProp('#address-cells', value.u32(2), { hint: { kind: 'cells', bits: 32 } });
  bus.setProp('#size-cells', value.u32(2), { hint: { kind: 'cells', bits: 32 } });

  let next = PASSTHROUGH_WINDOW.start;
  let nextPhandle = 1;
  const copiedProviders = new Map<Node, number>();
  const before = diags.length;

  for (const path of d.passthrough?.devices ?? []) {
    const hn = host.lookup(path);
    if (!hn) {
      err(`${path} is not in the board device tree`);
      continue;
    }
    const parent = hn.parent;
    const ac = cellsOf(parent, '#address-cells', 2);
    const sc = cellsOf(parent, '#size-cells', 1);
    const regProp = hn.prop('reg');
    const regs: { addr: bigint; size: bigint }[] = [];
    if (regProp) {
      const cells = read.cells(regProp);
      if (cells.length % (ac + sc) !== 0 || ac < 1 || ac > 2 || sc < 1 || sc > 2) {
        err(`${path}: reg does not fit the parent's ${ac}/${sc} cells`);
        continue;
      }
      const groups = read.cellGroups(regProp, 1).map(Number);
      for (let k = 0; k < groups.length; k += ac + sc) {
        const num = (o: number, n: number) =>
          groups.slice(o, o + n).reduce((v, c) => (v << 32n) | BigInt(c), 0n);
        regs.push({ addr: num(k, ac), size: num(k + ac, sc) });
      }
    }
    const ip = interruptParent(hn, host);
    if (hn.prop('interrupts') && ip !== hostGic) {
      err(
        `${path}: its interrupts go to ${ip?.path ?? 'no controller'}, not the GIC; Xen routes only GIC SPIs`,
      );
      continue;
    }

    // Guest placement: 1:1 for direct-mapped domains, else packed page-aligned into the window.
    const guestReg: bigint[] = [];
    const xenReg: bigint[] = [];
    for (const r of regs) {
      const hostBase = r.addr & ~(PAGE - 1n);
      const offset = r.addr - hostBase;
      const span = alignUp(offset + r.size, PAGE);
      let guestBase: bigint;
      if (d.directMap) guestBase = hostBase;
      else {
        guestBase = next;
        next += span;
        if (next > PASSTHROUGH_WINDOW.end) {
          err(`${path}: device registers do not fit the guest passthrough window`);
          return undefined;
        }
      }
      guestReg.push(guestBase + offset, r.size);
      xenReg.push(hostBase, span, guestBase);
    }
    const name = guestReg.length > 0 ? `${hn.baseName}@${guestReg[0]!.toString(16)}` : hn.name;
    if (bus.child(name)) {
      err(`${path} is listed twice`);
      continue;
    }
    const dev = bus.addChild(new Node(name));
    for (const p of hn.props) {
      if (DROP.has(p.name) || p.name === 'reg') continue;
      if (p.name.startsWith('pinctrl-')) {
        err(`${path}: ${p.name} dropped (the host owns pin muxing)`, 'warning');
        continue;
      }
      const cellsName = PHANDLE_LISTS[p.name];
      if (cellsName) {
        const rewritten = rewritePhandles(p, cellsName, host, bus, copiedProviders, () => nextPhandle++);
        if (rewritten) dev.setProp(p.name, rewritten, { hint: { kind: 'cells', bits: 32 } });
        else err(`${path}: ${p.name} dropped (it names a device the guest does not get)`, 'warning');
        continue;
      }
      dev.setProp(p.name, p.value.slice(), p.hint ? { hint: p.hint } : {});
    }
    if (guestReg.length > 0)
      dev.setProp('reg', value.u64(...guestReg), { hint: { kind: 'cells', bits: 32 } });
    if (hn.prop('interrupts')) {
      dev.setProp('interrupt-parent', value.u32(GUEST_PHANDLE_GIC), { hint: { kind: 'cells', bits: 32 } });
    }
    dev.setProp('xen,path', value.string(hn.path), { hint: { kind: 'string' } });
    if (xenReg.length > 0)
      dev.setProp('xen,reg', value.u64(...xenReg), { hint: { kind: 'cells', bits: 32 } });
    // A device no IOMMU translates for (no `iommus`): Xen's handle_passthrough_prop() assigns it
    // only with this flag, and otherwise fails the domain ("Could not set up domain"). What the
    // flag costs in isolation is the passthrough-no-iommu check's warning.
    if (!hn.prop('iommus')) dev.setProp('xen,force-assign-without-iommu', value.empty());
    for (const c of hn.children) dev.addChild(stripHostOnly(c.clone()));
  }
  // MMIO ranges with no device node: only mapped (xen,reg) with the force flag, which Xen requires
  // in place of xen,path; the guest sees a node with the range as its reg and nothing else.
  d.passthrough?.iomem?.forEach((r, k) => {
    const guest = r.guest ?? r.host;
    const name = `iomem@${guest.toString(16)}`;
    if (bus.child(name)) {
      err(
        `MMIO range ${k} is mapped at 0x${guest.toString(16)} twice`,
        'error',
        undefined,
        `${at}.iomem[${k}]`,
      );
      return;
    }
    const n = bus.addChild(new Node(name));
    n.setProp('reg', value.u64(guest, r.size), { hint: { kind: 'cells', bits: 32 } });
    n.setProp('xen,reg', value.u64(r.host, r.size, guest), { hint: { kind: 'cells', bits: 32 } });
    n.setProp('xen,force-assign-without-iommu', value.empty());
  });
  if (diags.slice(before).some((x) => x.severity === 'error')) return undefined;
  return t;
}

function stripHostOnly(n: Node): Node {
  for (const name of ['phandle', 'linux,phandle', 'xen,passthrough']) n.deleteProp(name);
  for (const c of n.children) stripHostOnly(c);
  return n;
}

/** Copies register-less providers (fixed clocks) into the partial DTB and renumbers the references. */
function rewritePhandles(
  p: Property,
  cellsName: string,
  host: Tree,
  bus: Node,
  copied: Map<Node, number>,
  alloc: () => number,
): Uint8Array | undefined {
  const cells = read.cells(p);
  const byPhandle = host.phandles();
  const out: number[] = [];
  let i = 0;
  while (i < cells.length) {
    const provider = byPhandle.get(cells[i]!);
    if (!provider || provider.prop('reg')) return undefined;
    const n = cellsOf(provider, cellsName, 0);
    if (i + 1 + n > cells.length) return undefined;
    let ph = copied.get(provider);
    if (ph === undefined) {
      ph = alloc();
      copied.set(provider, ph);
      const copy = stripHostOnly(provider.clone());
      copy.name = uniqueName(bus, provider.name);
      copy.setProp('phandle', value.u32(ph), { hint: { kind: 'cells', bits: 32 } });
      bus.addChild(copy);
    }
    out.push(ph, ...cells.slice(i + 1, i + 1 + n));
    i += 1 + n;
  }
  return value.u32(...out);
}

function uniqueName(bus: Node, name: string): string {
  let n = name;
  for (let k = 1; bus.child(n); k++) n = `${name}-${k}`;
  return n;
}

function interruptParent(n: Node, host: Tree): Node | undefined {
  const byPhandle = host.phandles();
  for (let at: Node | undefined = n; at; at = at.parent) {
    const ip = at.prop('interrupt-parent');
    if (ip && ip.value.length === 4) return byPhandle.get(read.u32(ip));
  }
  return undefined;
}

function findGic(host: Tree): Node | undefined {
  const rootIp = host.root.prop('interrupt-parent');
  if (rootIp && rootIp.value.length === 4) return host.phandles().get(read.u32(rootIp));
  for (const n of host.root.walk())
    if (n.prop('interrupt-controller') && !n.prop('interrupt-parent')) return n;
  return undefined;
}

function alignUp(v: bigint, a: bigint): bigint {
  return (v + a - 1n) & ~(a - 1n);
}
