// Xen's account of every domain, as a dom0 can read it: the outputs of the census reads (init.ts)
// parsed into one record per domain. Each field says where it comes from, because not every tool
// asks the hypervisor: `xl list`, `xl vcpu-list`, `xl cpupool-list` and the debug-key dump are
// Xen's own numbers; `xl list -l` is libxl's stored config (for a domain xl did not create, a
// sketch libxl rebuilds from Xen and xenstore); xenstore is what the toolstack wrote.
// Pure and total: malformed output gives missing fields, never an exception.

import { BLOCK_LIST_READ, NETWORK_LIST_READ } from './init.js';
import type { Dom0Record, ReadRecord } from './records.js';

export interface VcpuCensus {
  vcpu: number;
  /** The physical CPU it last ran on; undefined when it never ran (`-`). */
  cpu?: number;
  /** vcpu-list's r/b/p flags, e.g. `-b-`. */
  state: string;
  /** Hard and soft affinity as CPU sets; `all` is every CPU Xen has. */
  hard: number[];
  soft: number[];
}

export interface GrantCensus {
  frames: number;
  maxFrames: number;
  maptrackFrames: number;
  maxMaptrackFrames: number;
}

export interface DomainCensus {
  domid: number;
  /** The name Xen's toolstack knows (boot-time domains are `dom0less-<domid>`). */
  name: string;
  /** `xl list`: memory in use (MiB) and online vCPUs, from the hypervisor. */
  memMiB?: number;
  onlineVcpus?: number;
  state?: string;
  /** `xl list -c`. */
  cpupool?: string;
  /** `xl vcpu-list`: one entry per vCPU Xen created. */
  vcpus: VcpuCensus[];
  /** Debug key q: the hypervisor's page counts. */
  totPages?: number;
  maxPages?: number;
  /**
   * Debug key q on x86: the paging assistance Xen gives the domain ("hap refcounts translate
   * external" for an HVM container, PVH or HVM). Xen prints none for a PV domain, nor on Arm.
   */
  paging?: string;
  /** Debug key g: the grant table's size and limits. */
  grant?: GrantCensus;
  /** xenstore: the domain has a /local/domain/<domid> entry with a ring. */
  xenstore: boolean;
  /** xenstore: the toolstack set up a vpl011 (vuart) backend for it. */
  vuart: boolean;
  /**
   * `xl block-list <domid>...` (every domain `xl list` shows): each virtual block device, by its
   * device number (Vdev, e.g. 51712 for xvda), with its backend domain and xenbus state (4:
   * connected, the frontend and backend both up).
   */
  disks?: { vdev: number; backend: number; state: number }[];
  /** `xl network-list <domid>...`: each vif by index, its MAC, backend and state. */
  vifs?: { idx: number; backend: number; mac: string; state: number }[];
  /** `xl list -l`: libxl's record, where it has one. */
  libxl?: {
    maxVcpus?: number;
    maxMemKiB?: number;
    maxGrantFrames?: number;
    maxMaptrackFrames?: number;
    vuart?: string;
  };
}

export interface PoolCensus {
  name: string;
  sched?: string;
  cpus: number[];
}

export interface Census {
  xenVersion?: string;
  scheduler?: string;
  nrCpus?: number;
  pools: PoolCensus[];
  domains: DomainCensus[];
  /** xenconsoled's log of each console, by file name (`guest-<name>[-vuart0].log`). */
  consoles: Map<string, string>;
  /** Reads that failed (non-zero status), with what they printed. */
  failedReads: { cmd: string; rc: number; out: string }[];
}

const MAX_CPU = 4095;

/** A CPU list as Xen's tools print it: `all`, `0-3,6`, `{0-1}`, `none` / empty. */
export function parseCpuSet(text: string, nrCpus: number | undefined): number[] | undefined {
  const t = text.trim().replace(/^\{|\}$/g, '');
  if (t === 'all') {
    if (nrCpus === undefined || nrCpus < 0 || nrCpus > MAX_CPU + 1) return undefined;
    return Array.from({ length: nrCpus }, (_, i) => i);
  }
  if (t === '' || t === 'none') return [];
  const out = new Set<number>();
  for (const part of t.split(',')) {
    const m = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(part.trim());
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b > MAX_CPU) return undefined;
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

function lines(out: string): string[] {
  return out.split('\n').map((l) => l.replace(/\s+$/, ''));
}

/** `xl info`: `key : value` lines. */
function parseInfo(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of lines(out)) {
    const at = l.indexOf(':');
    if (at > 0) m.set(l.slice(0, at).trim(), l.slice(at + 1).trim());
  }
  return m;
}

// `xl list [-c]`: Name ID Mem VCPUs State Time(s) [Cpupool]; names may not contain blanks in xl.
const LIST_ROW = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([-a-z]{6})\s+[\d.]+(?:\s+(\S+))?$/;
// `xl vcpu-list`: Name ID VCPU CPU State Time(s) Affinity (Hard / Soft)
const VCPU_ROW = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+|-)\s+([-a-z]{3})\s+[\d.]+\s+(.+?)\s*\/\s*(.+)$/;
// `xl cpupool-list`: Name CPUs Sched Active Domain-count; `-c`: Name CPU-list
const POOL_ROW = /^(\S+)\s+(\d+)\s+(\S+)\s+([yn])\s+(\d+)$/;
const POOL_CPUS_ROW = /^(\S+)\s+([\d,-]*)$/;

export function parseCensus(records: readonly Dom0Record[]): Census {
  const reads = new Map<string, ReadRecord>();
  const consoles = new Map<string, string>();
  const failedReads: Census['failedReads'] = [];
  for (const r of records) {
    if (r.kind !== 'read') continue;
    const log = /^cat \/var\/log\/xen\/console\/([^/\s]+\.log)$/.exec(r.cmd);
    if (log) consoles.set(log[1] as string, r.out);
    else reads.set(r.cmd, r);
    if (r.rc !== 0) failedReads.push({ cmd: r.cmd, rc: r.rc, out: r.out });
  }
  const ok = (cmd: string) => {
    const r = reads.get(cmd);
    return r && r.rc === 0 ? r.out : '';
  };

  const census: Census = { pools: [], domains: [], consoles, failedReads };
  const info = parseInfo(ok('xl info'));
  const version = info.get('xen_version');
  if (version) census.xenVersion = version;
  const sched = info.get('xen_scheduler');
  if (sched) census.scheduler = sched;
  const nr = Number(info.get('nr_cpus'));
  if (Number.isInteger(nr) && nr > 0 && nr <= MAX_CPU + 1) census.nrCpus = nr;

  const byId = new Map<number, DomainCensus>();
  const domain = (domid: number, name: string): DomainCensus => {
    let d = byId.get(domid);
    if (!d) {
      d = { domid, name, vcpus: [], xenstore: false, vuart: false };
      byId.set(domid, d);
    }
    return d;
  };
  for (const l of lines(ok('xl list'))) {
    const m = LIST_ROW.exec(l);
    if (!m) continue;
    const d = domain(Number(m[2]), m[1] as string);
    d.memMiB = Number(m[3]);
    d.onlineVcpus = Number(m[4]);
    d.state = m[5] as string;
  }
  for (const l of lines(ok('xl list -c'))) {
    const m = LIST_ROW.exec(l);
    if (m?.[6]) domain(Number(m[2]), m[1] as string).cpupool = m[6];
  }
  for (const l of lines(ok('xl vcpu-list'))) {
    const m = VCPU_ROW.exec(l);
    if (!m) continue;
    const hard = parseCpuSet(m[6] as string, census.nrCpus);
    const soft = parseCpuSet(m[7] as string, census.nrCpus);
    if (!hard || !soft) continue;
    const v: VcpuCensus = { vcpu: Number(m[3]), state: m[5] as string, hard, soft };
    if (m[4] !== '-') v.cpu = Number(m[4]);
    domain(Number(m[2]), m[1] as string).vcpus.push(v);
  }

  const pools = new Map<string, PoolCensus>();
  for (const l of lines(ok('xl cpupool-list'))) {
    const m = POOL_ROW.exec(l);
    if (m) pools.set(m[1] as string, { name: m[1] as string, sched: m[3] as string, cpus: [] });
  }
  for (const l of lines(ok('xl cpupool-list -c'))) {
    const m = POOL_CPUS_ROW.exec(l);
    if (!m || m[1] === 'Name') continue;
    const cpus = parseCpuSet(m[2] as string, census.nrCpus);
    const p = pools.get(m[1] as string) ?? { name: m[1] as string, cpus: [] };
    if (cpus) p.cpus = cpus;
    pools.set(p.name, p);
  }
  census.pools = [...pools.values()];

  readLibxl(ok('xl list -l'), byId);
  readXenstore(ok('xenstore-ls -f /local/domain'), byId);
  readXenDump(ok('xen_dump'), byId);
  for (const [cmd, r] of reads) {
    if (r.rc === 0 && cmd.startsWith(`${BLOCK_LIST_READ} `)) readBlockList(cmd, r.out, byId);
    if (r.rc === 0 && cmd.startsWith(`${NETWORK_LIST_READ} `)) readNetworkList(cmd, r.out, byId);
  }
  census.domains = [...byId.values()].sort((a, b) => a.domid - b.domid);
  return census;
}

const num = (v: unknown): number | undefined => (Number.isSafeInteger(v) ? (v as number) : undefined);

/** `xl list -l`: a JSON array of { domid, config: { c_info, b_info } }. */
function readLibxl(out: string, byId: Map<number, DomainCensus>): void {
  let data: unknown;
  try {
    data = JSON.parse(out);
  } catch {
    return;
  }
  if (!Array.isArray(data)) return;
  for (const item of data) {
    const o = item as { domid?: unknown; config?: { b_info?: Record<string, unknown> } } | null;
    const domid = num(o?.domid);
    const d = domid === undefined ? undefined : byId.get(domid);
    const b = o?.config?.b_info;
    if (!d || typeof b !== 'object' || b === null) continue;
    const rec: NonNullable<DomainCensus['libxl']> = {};
    const set = <K extends keyof typeof rec>(k: K, v: (typeof rec)[K] | undefined) => {
      if (v !== undefined) rec[k] = v;
    };
    set('maxVcpus', num(b.max_vcpus));
    set('maxMemKiB', num(b.max_memkb));
    set('maxGrantFrames', num(b.max_grant_frames));
    set('maxMaptrackFrames', num(b.max_maptrack_frames));
    const arm = b.arch_arm as { vuart?: unknown } | undefined;
    if (typeof arm?.vuart === 'string') rec.vuart = arm.vuart;
    d.libxl = rec;
  }
}

/**
 * `xl block-list A B ...` (domids, or names): one header, then per device `Vdev BE handle state evt-ch ring-ref
 * BE-path`, the backend path ending in `backend/vbd/<domid>/<vdev>`. Each domain named gets its
 * list, empty when it has no disk.
 */
function readBlockList(cmd: string, out: string, byId: Map<number, DomainCensus>): void {
  const names = new Set(cmd.slice(BLOCK_LIST_READ.length).trim().split(/\s+/));
  for (const d of byId.values()) if (names.has(String(d.domid)) || names.has(d.name)) d.disks = [];
  for (const l of lines(out)) {
    const m = /^(\d+)\s+(\d+)\s+-?\d+\s+(-?\d+)\s+-?\d+\s+-?\d+\s+\S*\/backend\/vbd\/(\d+)\/\d+$/.exec(
      l.trim(),
    );
    const d = m ? byId.get(Number(m[4])) : undefined;
    if (!m || !d?.disks) continue;
    d.disks.push({ vdev: Number(m[1]), backend: Number(m[2]), state: Number(m[3]) });
  }
}

/**
 * `xl network-list A B ...`: one header, then per vif `Idx BE Mac-Addr handle state evt-ch
 * tx-/rx-ring-ref BE-path`, the backend path ending in `backend/vif/<domid>/<idx>`.
 */
function readNetworkList(cmd: string, out: string, byId: Map<number, DomainCensus>): void {
  const names = new Set(cmd.slice(NETWORK_LIST_READ.length).trim().split(/\s+/));
  for (const d of byId.values()) if (names.has(String(d.domid)) || names.has(d.name)) d.vifs = [];
  for (const l of lines(out)) {
    const m =
      /^(\d+)\s+(\d+)\s+([0-9a-fA-F:]{17})\s+-?\d+\s+(-?\d+)\s+-?\d+\s+-?\d+\s*\/\s*-?\d+\s+\S*\/backend\/vif\/(\d+)\/\d+$/.exec(
        l.trim(),
      );
    const d = m ? byId.get(Number(m[5])) : undefined;
    if (!m || !d?.vifs) continue;
    d.vifs.push({
      idx: Number(m[1]),
      backend: Number(m[2]),
      mac: (m[3] as string).toLowerCase(),
      state: Number(m[4]),
    });
  }
}

/** `xenstore-ls -f`: `/path = "value"` lines. */
function readXenstore(out: string, byId: Map<number, DomainCensus>): void {
  for (const l of lines(out)) {
    const m = /^\/local\/domain\/(\d+)\/(store\/ring-ref|vuart\/0\/ring-ref) = "/.exec(l);
    const d = m ? byId.get(Number(m[1])) : undefined;
    if (!d || !m) continue;
    if (m[2] === 'store/ring-ref') d.xenstore = true;
    else d.vuart = true;
  }
  // dom0 runs xenstored itself: it has no ring, its entry is the store's root of trust.
  const dom0 = byId.get(0);
  if (dom0 && lines(out).some((l) => l.startsWith('/local/domain/0/name = '))) dom0.xenstore = true;
}

/** Debug keys q and g as `xl dmesg` returns them (each line `(XEN) ...`). */
function readXenDump(out: string, byId: Map<number, DomainCensus>): void {
  let current: DomainCensus | undefined;
  let grantOf: DomainCensus | undefined;
  for (const raw of lines(out)) {
    const l = raw.replace(/^\(XEN\)\s?(?:\[[^\]]*\]\s?)?/, '');
    const general = /^General information for domain (\d+):/.exec(l);
    if (general) {
      current = byId.get(Number(general[1]));
      continue;
    }
    const pages = /^\s+nr_pages=(\d+) .*\bmax_pages=(\d+)$/.exec(l);
    if (pages && current) {
      current.totPages = Number(pages[1]);
      current.maxPages = Number(pages[2]);
      continue;
    }
    const paging = /^\s+paging assistance: (.*?)\s*$/.exec(l);
    if (paging && current) {
      // The domain's own line comes first; each vCPU's (its paging mode, "hap, 4 levels") follows.
      current.paging ??= paging[1] as string;
      continue;
    }
    const remote = /^grant-table for remote d(\d+) \(v\d\)$/.exec(l);
    if (remote) {
      grantOf = byId.get(Number(remote[1]));
      continue;
    }
    const g = /^\s+(\d+) frames \((\d+) max\), (\d+) maptrack frames \((\d+) max\)$/.exec(l);
    if (g && grantOf) {
      grantOf.grant = {
        frames: Number(g[1]),
        maxFrames: Number(g[2]),
        maptrackFrames: Number(g[3]),
        maxMaptrackFrames: Number(g[4]),
      };
      grantOf = undefined;
    }
  }
}
