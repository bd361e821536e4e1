// The dom0less description under /chosen (reference/xen-dt-bindings.md §1–§3), as TreeEdits on the
// board's tree: /chosen's cells and command lines, dom0's modules at the top of /chosen, the
// cpupools, then one node per boot-time domain in config order (Xen numbers them 1, 2, ... in
// DT order). Per-domain properties come from looping over the feature registry; the only
// hand-written parts are the structural ones (modules, and the child nodes each compatible needs).

import type { Board } from '../../boards/types.js';
import { Node, type Property, read, type Tree, value } from '../../devicetree/tree.js';
import type { Config, Domain } from '../../schema/config.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import { formatRangeList } from '../../schema/fields.js';
import { type Feature, registry } from '../../schema/registry.js';
import { releaseAtLeast } from '../../schema/releases.js';
import { generatesPartialDtb } from '../passthrough/partial.js';
import type { BootPlan, PlannedImage } from '../plan/types.js';
import { maxPhandle, PhandleAllocator, type PhandleRef, type TreeEdits } from './edits.js';
import { EncodeError, encodeDtValue } from './encode.js';

export interface Dom0lessInput {
  config: Config;
  board: Board;
  /** The board's device tree, before anything is added. */
  base: Tree;
  plan: BootPlan;
}

export interface Dom0lessResult {
  edits: TreeEdits;
  /** Module node per plan image name (`domU1/kernel`), for boot-time `reg` in dynamic mode. */
  modules: Map<string, Node>;
  /** Host nodes marked xen,passthrough, by domain. */
  passthroughPaths: Map<string, string[]>;
  diagnostics: Diagnostic[];
}

const CELLS = 2;
const MODULE = 'multiboot,module';
const MODULE_KIND: Record<string, string> = {
  kernel: 'multiboot,kernel',
  ramdisk: 'multiboot,ramdisk',
  'device-tree': 'multiboot,device-tree',
  'xsm-policy': 'xen,xsm-policy',
};

const setStr = (n: Node, name: string, ...v: string[]) =>
  n.setProp(name, value.strings(...v), { hint: { kind: v.length > 1 ? 'strings' : 'string' } });
const setCells = (n: Node, name: string, v: Uint8Array) =>
  n.setProp(name, v, { hint: { kind: 'cells', bits: 32 } });
const hex = (v: bigint) => v.toString(16);

export function buildDom0less(input: Dom0lessInput): Dom0lessResult {
  const { config, board, base, plan } = input;
  const release = config.xen.release;
  const diagnostics: Diagnostic[] = [];
  const error = (id: string, path: string, message: string, hint?: string) => {
    const d: Diagnostic = { id, severity: 'error', path, message };
    if (hint) d.hint = hint;
    diagnostics.push(d);
  };
  const phandles = new PhandleAllocator(maxPhandle(base));
  const refs: PhandleRef[] = [];
  const modules = new Map<string, Node>();
  const fragments: TreeEdits['fragments'] = [];
  const imageByName = new Map(plan.images.map((i) => [i.name, i]));

  const chosen = new Node('');
  setCells(chosen, '#address-cells', value.u32(CELLS));
  setCells(chosen, '#size-cells', value.u32(CELLS));
  setStr(chosen, 'xen,xen-bootargs', xenCmdline(config, board));
  if (config.dom0?.cmdline !== undefined) setStr(chosen, 'xen,dom0-bootargs', config.dom0.cmdline);
  if (config.xen.staticHeap) {
    // xen,static-heap is read with the ROOT's cells (§3.2), not /chosen's.
    // A malformed count in the board's root is reported, not replaced by the default.
    const rootCount = (name: string, dflt: number): number => {
      const p = base.root.prop(name);
      if (!p) return dflt;
      const v = boardU32(p);
      if (v !== undefined && v >= 1 && v <= 2) return v;
      error(
        'dt-board-cells',
        'xen.staticHeap',
        `/:${name} in the board DTB is ${v === undefined ? `${p.value.length} byte(s)` : `<${v}>`}, not 1 or 2 cells`,
        'fix the board device tree: the root node gives #address-cells and #size-cells as one cell, 1 or 2',
      );
      return dflt;
    };
    const rootCells = rootCount('#address-cells', 2);
    const rootSize = rootCount('#size-cells', 1);
    const parts = config.xen.staticHeap.flatMap((b) => [
      value.cellsOf(b.base, rootCells),
      value.cellsOf(b.size, rootSize),
    ]);
    setCells(chosen, 'xen,static-heap', value.concat(...parts));
  }

  const addModule = (
    parent: Node,
    img: PlannedImage | undefined,
    kind: string,
    path: string,
    bootargs?: string,
  ) => {
    if (!img) {
      error(
        'dt-module-unplanned',
        path,
        `no planned image for ${kind}`,
        'the boot plan must place every module',
      );
      return;
    }
    const m = parent.addChild(new Node(`module@${hex(img.address)}`));
    setStr(m, 'compatible', MODULE_KIND[kind]!, MODULE);
    setCells(m, 'reg', value.concat(value.cellsOf(img.address, CELLS), value.cellsOf(img.size, CELLS)));
    if (bootargs !== undefined) setStr(m, 'bootargs', bootargs);
    modules.set(img.name, m);
  };

  // Event-channel ends get their phandles first: each end names the other.
  const bootDomains = config.domains.filter((d) => d.boot);
  const evtchnPhandle = new Map<string, number>();
  for (const d of bootDomains)
    for (const e of d.eventChannels ?? []) evtchnPhandle.set(`${d.name}:${e.port}`, phandles.alloc());

  // dom0 and Xen's own modules sit directly under /chosen (outside any xen,domain node).
  if (config.xen.xsmPolicy) addModule(chosen, imageByName.get('xsm-policy'), 'xsm-policy', 'xen.xsmPolicy');
  if (config.dom0) {
    addModule(chosen, imageByName.get('dom0/kernel'), 'kernel', 'dom0.kernel');
    if (config.dom0.ramdisk) addModule(chosen, imageByName.get('dom0/ramdisk'), 'ramdisk', 'dom0.ramdisk');
  }

  // dom0's ends of static event channels sit directly under /chosen (§3.5); each is declared by
  // the domU at the other end (peer "dom0"), which also says dom0's port.
  for (const d of bootDomains) {
    for (const e of d.eventChannels ?? []) {
      if (e.peer !== 'dom0') continue;
      const key = `dom0:${e.peerPort}`;
      if (!config.dom0 || evtchnPhandle.has(key)) continue;
      const own = phandles.alloc();
      evtchnPhandle.set(key, own);
      const n = chosen.addChild(new Node(`evtchn-dom0-${e.peerPort}`));
      setStr(n, 'compatible', 'xen,evtchn-v1');
      setCells(n, 'xen,evtchn', value.u32(e.peerPort, evtchnPhandle.get(`${d.name}:${e.port}`)!));
      setCells(n, 'phandle', value.u32(own));
      refs.push({ node: n, prop: 'xen,evtchn', offset: 4 });
    }
  }

  // Cpupools, each with a phandle; their CPUs are referred to by the board's cpu nodes' phandles.
  const poolPhandle = new Map<string, number>();
  const cpuPhandle = new Map<number, number>();
  config.cpupools.forEach((pool, i) => {
    const node = chosen.addChild(new Node(`cpupool-${pool.name}`));
    setStr(node, 'compatible', 'xen,cpupool');
    const list: number[] = [];
    for (const cpu of pool.cpus) {
      const bc = board.cpus[cpu];
      const cpuNode = bc ? base.lookup(bc.path) : undefined;
      if (!bc || !cpuNode) {
        error('dt-cpupool-cpu', `cpupools[${i}].cpus`, `CPU ${cpu} is not in the board's /cpus`);
        continue;
      }
      const ph = cpuNode.prop('phandle') ?? cpuNode.prop('linux,phandle');
      if (ph) {
        const v = boardU32(ph);
        if (v === undefined || v === 0 || v === 0xffffffff) {
          error(
            'dt-board-phandle',
            `cpupools[${i}].cpus`,
            `${bc.path}:${ph.name} in the board DTB is ${ph.value.length} byte(s), not a valid phandle cell`,
            'fix the board device tree: a phandle is one 32-bit cell other than 0 and 0xffffffff',
          );
          continue;
        }
        list.push(v);
      } else {
        let p = cpuPhandle.get(cpu);
        if (p === undefined) {
          p = phandles.alloc();
          cpuPhandle.set(cpu, p);
          const content = new Node('');
          setCells(content, 'phandle', value.u32(p));
          fragments.push({ target: bc.path, content });
        }
        list.push(p);
        refs.push({ node, prop: 'cpupool-cpus', offset: (list.length - 1) * 4 });
      }
    }
    setCells(node, 'cpupool-cpus', value.u32(...list));
    if (pool.scheduler) setStr(node, 'cpupool-sched', pool.scheduler);
    const p = phandles.alloc();
    setCells(node, 'phandle', value.u32(p));
    poolPhandle.set(pool.name, p);
  });

  const passthroughPaths = new Map<string, string[]>();
  config.domains.forEach((d, i) => {
    if (!d.boot) return;
    const at = `domains[${i}]`;
    const node = chosen.addChild(new Node(d.name));
    setStr(node, 'compatible', 'xen,domain');
    setCells(node, '#address-cells', value.u32(CELLS));
    setCells(node, '#size-cells', value.u32(CELLS));
    const structural: Feature[] = [];
    for (const f of registry) {
      const dt = f.dt;
      if (!dt || !f.arches.includes(board.arch)) continue;
      const v = (d as Record<string, unknown>)[f.key];
      if (v === undefined) continue;
      const since = dt.since ?? f.since;
      if (!releaseAtLeast(release, since)) {
        error('dt-release', `${at}.${f.key}`, `${dt.prop} is read by Xen ${since} and later, not ${release}`);
        continue;
      }
      try {
        const enc = encodeDtValue(dt, v);
        if (enc.kind === 'prop') {
          if (enc.hint === 'string') node.setProp(dt.prop, enc.value, { hint: { kind: 'string' } });
          else if (enc.hint === 'cells') setCells(node, dt.prop, enc.value);
          else node.setProp(dt.prop, enc.value);
        } else if (enc.kind === 'structural') structural.push(f);
      } catch (e) {
        if (!(e instanceof EncodeError)) throw e;
        error('dt-encode', `${at}.${f.key}`, e.message);
      }
    }
    // Modules: kernel first (Xen takes bootargs from the first module that has one).
    addModule(node, imageByName.get(`${d.name}/kernel`), 'kernel', `${at}.kernel`, d.cmdline);
    if (d.ramdisk) addModule(node, imageByName.get(`${d.name}/ramdisk`), 'ramdisk', `${at}.ramdisk`);
    for (const f of structural) {
      const dt = f.dt!;
      const v = (d as Record<string, unknown>)[f.key];
      if (dt.kind === 'cpupool-phandle') {
        const p = poolPhandle.get(String(v));
        if (p === undefined) error('dt-cpupool-unknown', `${at}.${f.key}`, `no cpupool named "${String(v)}"`);
        else {
          setCells(node, dt.prop, value.u32(p));
          refs.push({ node, prop: dt.prop, offset: 0 });
        }
      } else if (dt.kind === 'module') {
        const pt = d.passthrough;
        if (pt?.dtb || generatesPartialDtb(d)) {
          addModule(node, imageByName.get(`${d.name}/device-tree`), 'device-tree', `${at}.passthrough`);
        }
        if (pt?.devices?.length) passthroughPaths.set(d.name, [...pt.devices]);
      } else if (dt.kind === 'child-nodes') {
        childNodes(dt.compatible ?? '', d, node, at, { evtchnPhandle, refs, error });
      }
    }
  });

  fragments.unshift({ target: '/chosen', content: chosen });
  // Host devices handed to a guest are hidden from dom0 by xen,passthrough (§1.3).
  const marked = new Set<string>();
  for (const [dom, paths] of passthroughPaths) {
    for (const p of paths) {
      const hostNode = base.lookup(p);
      if (!hostNode) {
        error(
          'dt-passthrough-path',
          `domains.${dom}.passthrough.devices`,
          `${p} is not in the board device tree`,
        );
        continue;
      }
      if (marked.has(hostNode.path)) continue;
      marked.add(hostNode.path);
      const content = new Node('');
      content.setProp('xen,passthrough', value.empty());
      fragments.push({ target: hostNode.path, content });
    }
  }
  return {
    edits: { fragments, phandleRefs: refs, phandleBase: phandles.base },
    modules,
    passthroughPaths,
    diagnostics,
  };
}

interface ChildCtx {
  evtchnPhandle: Map<string, number>;
  refs: PhandleRef[];
  error: (id: string, path: string, message: string, hint?: string) => void;
}

/** Child nodes, by the compatible the registry names (§3.4 shared memory, §3.5 evtchn, §3.7 vcpu). */
function childNodes(compatible: string, d: Domain, parent: Node, at: string, ctx: ChildCtx): void {
  switch (compatible) {
    case 'xen,domain-shared-memory-v1':
      for (const r of d.sharedMemory ?? []) {
        const n = parent.addChild(new Node(`shm-${r.id}`));
        setStr(n, 'compatible', compatible);
        setStr(n, 'xen,shm-id', r.id);
        const parts = r.host === undefined ? [r.guest, r.size] : [r.host, r.guest, r.size];
        setCells(n, 'xen,shared-mem', value.concat(...parts.map((p) => value.cellsOf(p, CELLS))));
        if (r.role) setStr(n, 'role', r.role);
      }
      return;
    case 'xen,evtchn-v1':
      for (const e of d.eventChannels ?? []) {
        const own = ctx.evtchnPhandle.get(`${d.name}:${e.port}`)!;
        const peer = ctx.evtchnPhandle.get(`${e.peer}:${e.peerPort}`);
        if (peer === undefined) {
          ctx.error(
            'dt-evtchn-peer',
            `${at}.eventChannels`,
            `port ${e.port}: ${e.peer} declares no port ${e.peerPort} back to ${d.name}`,
            'declare the channel on both ends',
          );
          continue;
        }
        const n = parent.addChild(new Node(`evtchn-${e.port}`));
        setStr(n, 'compatible', compatible);
        setCells(n, 'xen,evtchn', value.u32(e.port, peer));
        setCells(n, 'phandle', value.u32(own));
        ctx.refs.push({ node: n, prop: 'xen,evtchn', offset: 4 });
      }
      return;
    case 'xen,vcpu':
      for (const a of d.vcpuAffinity ?? []) {
        const n = parent.addChild(new Node(`vcpu${a.vcpu}`));
        setStr(n, 'compatible', compatible);
        setCells(n, 'id', value.u32(a.vcpu));
        setStr(n, 'hard-affinity', formatRangeList(a.cpus));
      }
      return;
    default:
      ctx.error('dt-child-kind', at, `no builder for child nodes compatible "${compatible}"`);
  }
}

/** A cell of the board's tree, or undefined when the property is not one 32-bit cell. */
function boardU32(p: Property): number | undefined {
  return p.value.length === 4 ? read.u32(p) : undefined;
}

/** Xen's command line: the config's, or a dtuart console on the board's UART when it gives none. */
export function xenCmdline(config: Config, board: Board): string {
  const words: string[] = [];
  const given = config.xen.cmdline.trim();
  if (given !== '') words.push(given);
  else if (board.console) words.push(`console=dtuart dtuart=${board.console}`);
  const dom0 = config.dom0;
  if (dom0?.memory !== undefined && !/\bdom0_mem=/.test(given))
    words.push(`dom0_mem=${dom0.memory / (1024n * 1024n)}M`);
  if (dom0?.vcpus !== undefined && !/\bdom0_max_vcpus=/.test(given))
    words.push(`dom0_max_vcpus=${dom0.vcpus}`);
  if (config.xen.llcColors) words.push(`xen-llc-colors=${formatRangeList(config.xen.llcColors)}`);
  if (dom0?.llcColors) words.push(`dom0-llc-colors=${formatRangeList(dom0.llcColors)}`);
  return words.join(' ');
}
