// Declared against observed: each domain of the config, found in Xen's census, compared field by
// field. What Xen adds by design (libxl's 1 MiB of headroom, the xenstore page of a boot-time
// domain) is part of the expected value, named in `expected`; what a dom0 cannot read is not
// compared at all (docs/census.md lists both).
import type { Config } from '../../schema/config.js';
import type { Census, DomainCensus } from './census.js';

export type CensusField =
  | 'present'
  | 'vcpus'
  | 'affinity'
  | 'max-memory'
  | 'cpupool'
  | 'scheduler'
  | 'grant-frames'
  | 'maptrack-frames'
  | 'xenstore'
  | 'vuart'
  | 'guest-type'
  | 'disks'
  | 'vifs';

export interface CensusMismatch {
  domain: string;
  field: CensusField;
  declared: string;
  observed: string;
  /** How the declared value becomes what Xen should hold, when that is not the identity. */
  expected?: string;
}

/** One compared field, equal or not (what `run --json` reports as declared and observed). */
export interface CensusCheck extends Omit<CensusMismatch, 'domain'> {
  ok: boolean;
}

/** How a domain came to be: Xen's boot-time builder, or xl in dom0. */
export type CreationPath = 'boot' | 'xl';

/** Per domain, what was compared: the census of the domain and how it was created. */
export interface DomainComparison {
  domain: string;
  path: CreationPath | 'dom0';
  domid?: number;
  census?: DomainCensus;
  /** Every field compared, in order. */
  checks: CensusCheck[];
  /** Fields compared and equal. */
  matched: CensusField[];
  mismatches: CensusMismatch[];
}

/** libxl's LIBXL_MAXMEM_CONSTANT: xl sets a domain's maximum to its memory plus this (KiB). */
export const LIBXL_MAXMEM_SLACK_KIB = 1024;
/** Xen's defaults for grant_table limits (gnttab_max_frames, gnttab_max_maptrack_frames). */
export const XEN_DEFAULT_GRANT_FRAMES = 64;
export const XEN_DEFAULT_MAPTRACK_FRAMES = 1024;
const PAGE_KIB = 4;
/** What Xen's x86 PV dom0 builder sets dom0's max_pages to: ~0U, no limit. */
export const X86_PV_DOM0_MAX_PAGES = 0xffffffff;

export interface CompareOptions {
  /** Boot-time domains in the order Xen numbered them (system.dtb's /chosen): domid = index + 1. */
  bootOrder: readonly string[];
}

const fmtSet = (s: readonly number[]) => (s.length === 0 ? 'none' : s.join(','));

export function compareCensus(config: Config, census: Census, opts: CompareOptions): DomainComparison[] {
  const out: DomainComparison[] = [];
  const allCpus = Array.from({ length: census.nrCpus ?? 0 }, (_, i) => i);

  if (config.dom0) {
    const c = census.domains.find((d) => d.domid === 0);
    const cmp: DomainComparison = {
      domain: 'dom0',
      path: 'dom0',
      domid: 0,
      checks: [],
      matched: [],
      mismatches: [],
    };
    if (c) cmp.census = c;
    const check = field(cmp);
    if (check('present', 'yes', c ? 'yes' : 'no') && c) {
      if (config.dom0.vcpus !== undefined) check('vcpus', String(config.dom0.vcpus), String(c.vcpus.length));
      if (config.dom0.memory !== undefined) {
        const kib = Number(config.dom0.memory / 1024n);
        // x86's PV dom0 builder leaves dom0 unbounded (xen/arch/x86/pv/dom0_build.c sets max_pages
        // to ~0U); dom0_mem= sets what it gets, not its maximum.
        const x86Pv = config.arch === 'x86_64' && (config.dom0.type ?? 'pv') === 'pv';
        const expected = x86Pv
          ? `${X86_PV_DOM0_MAX_PAGES * PAGE_KIB} KiB (~0U pages: x86 PV dom0)`
          : `${kib} KiB`;
        check('max-memory', `${kib} KiB`, kib_(c), expected);
      }
      check('xenstore', 'yes', c.xenstore ? 'yes' : 'no');
      if (config.arch === 'x86_64') checkGuestType(check, config.dom0.type, c);
    }
    out.push(cmp);
  }

  for (const d of config.domains) {
    const path: CreationPath = d.boot ? 'boot' : 'xl';
    const at = opts.bootOrder.indexOf(d.name);
    const c = d.boot
      ? census.domains.find((x) => x.domid === at + 1 && at >= 0)
      : census.domains.find((x) => x.name === d.name);
    const cmp: DomainComparison = { domain: d.name, path, checks: [], matched: [], mismatches: [] };
    if (c) {
      cmp.census = c;
      cmp.domid = c.domid;
    }
    const check = field(cmp);
    if (!check('present', 'yes', c ? 'yes' : 'no') || !c) {
      out.push(cmp);
      continue;
    }
    check('vcpus', String(d.vcpus), String(c.vcpus.length));
    if (config.arch === 'x86_64') checkGuestType(check, d.type, c);

    // Hard affinity per vCPU: the declared CPUs, else every CPU (Xen's "all").
    const declaredAff = new Map(
      (d.vcpuAffinity ?? []).map((a) => [a.vcpu, [...a.cpus].sort((x, y) => x - y)]),
    );
    const affD: string[] = [];
    const affO: string[] = [];
    for (const v of c.vcpus) {
      affD.push(`${v.vcpu}:${fmtSet(declaredAff.get(v.vcpu) ?? allCpus)}`);
      affO.push(`${v.vcpu}:${fmtSet(v.hard)}`);
    }
    check('affinity', affD.join(' '), affO.join(' '));

    const memKiB = Number(d.memory / 1024n);
    const xenstore = d.boot ? (d.xenstore ?? 'none') : 'enabled';
    // xl raises the maximum by libxl's constant; a boot-time domain with xenstore gets one more page
    // for the xenstore ring (allocated once the toolstack introduces it).
    const slack = d.boot ? (xenstore === 'enabled' ? PAGE_KIB : 0) : LIBXL_MAXMEM_SLACK_KIB;
    check(
      'max-memory',
      `${memKiB} KiB`,
      kib_(c),
      slack
        ? `${memKiB + slack} KiB (${d.boot ? '+1 page: xenstore ring' : '+1024 KiB: LIBXL_MAXMEM_CONSTANT'})`
        : `${memKiB} KiB`,
    );

    const pool = d.cpupool ?? 'Pool-0';
    check('cpupool', pool, c.cpupool ?? 'unknown');
    const declaredSched = schedulerOf(config, pool);
    const poolSched = census.pools.find((p) => p.name === c.cpupool)?.sched;
    if (declaredSched) check('scheduler', declaredSched, poolSched ?? 'unknown');

    // A boot-time domain without xenstore has no PV interfaces: its grant limits are not the
    // toolstack's to read, and Xen may size them otherwise.
    if (c.grant && (!d.boot || xenstore !== 'none')) {
      check('grant-frames', String(d.grantFrames ?? XEN_DEFAULT_GRANT_FRAMES), String(c.grant.maxFrames));
      check(
        'maptrack-frames',
        String(d.maptrackFrames ?? XEN_DEFAULT_MAPTRACK_FRAMES),
        String(c.grant.maxMaptrackFrames),
      );
    } else if (!c.grant && (d.grantFrames !== undefined || d.maptrackFrames !== undefined)) {
      check('grant-frames', String(d.grantFrames ?? d.maptrackFrames), "not in Xen's dump");
    }

    check('xenstore', xenstore === 'enabled' ? 'yes' : 'no', c.xenstore ? 'yes' : 'no');
    // Only xl's vpl011 has a backend a dom0 can see; Xen serves a boot-time domain's itself.
    if (!d.boot) check('vuart', d.vpl011 ? 'sbsa_uart' : 'none', c.vuart ? 'sbsa_uart' : 'none');
    // xl block-list: every declared disk, by its device number, served by dom0 and connected.
    if (!d.boot && c.disks) {
      const want = (d.disks ?? [])
        .map((k) => [vdevNumber(k.vdev), k.vdev] as const)
        .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
      const fmt = (rows: string[]) => (rows.length ? rows.join(' ') : 'none');
      check(
        'disks',
        fmt(want.map(([, v]) => v)),
        fmt(
          [...c.disks]
            .sort((a, b) => a.vdev - b.vdev)
            .map((k) => `${k.vdev} be ${k.backend} ${k.state === 4 ? 'connected' : `state ${k.state}`}`),
        ),
        `${fmt(want.map(([n, v]) => `${n ?? v} be 0 connected`))} (device numbers, libxl__device_disk_dev_number; backend dom0, xenbus state 4)`,
      );
    }
    if (!d.boot && c.vifs) checkVifs(check, d.vifs ?? [], c);
    out.push(cmp);
  }
  return out;
}

/** Every mismatch of a comparison, flattened. */
export function censusMismatches(comparisons: readonly DomainComparison[]): CensusMismatch[] {
  return comparisons.flatMap((c) => c.mismatches);
}

/** Each declared vif's row as `xl network-list` should show it, in order (index = position). */
function checkVifs(
  check: ReturnType<typeof field>,
  declared: readonly { mac?: string }[],
  c: DomainCensus,
): void {
  const observed = [...(c.vifs ?? [])].sort((a, b) => a.idx - b.idx);
  const fmt = (rows: string[]) => (rows.length ? rows.join(' ') : 'none');
  check(
    'vifs',
    fmt(declared.map((n, i) => `${i} ${n.mac?.toLowerCase() ?? 'any-mac'}`)),
    fmt(
      observed.map(
        (v) => `${v.idx} ${v.mac} be ${v.backend} ${v.state === 4 ? 'connected' : `state ${v.state}`}`,
      ),
    ),
    `${fmt(declared.map((n, i) => `${i} ${n.mac?.toLowerCase() ?? observed[i]?.mac ?? 'any-mac'} be 0 connected`))} (the declared MAC, else the one xl picked; backend dom0, xenbus state 4)`,
  );
}

/**
 * A whole-disk vdev's device number as libxl computes it (libxl__device_disk_dev_number): xvd
 * disks 0..15 are (202 << 8) | (disk << 4), later ones (1 << 28) | (disk << 8); sd 0..15 are
 * (8 << 8) | (disk << 4); hda/hdb major 3, hdc/hdd major 22, 64 minors each.
 */
export function vdevNumber(vdev: string): number | undefined {
  const m = /^(xvd|sd|hd)([a-z]+)$/.exec(vdev);
  if (!m) return undefined;
  let disk = 0;
  for (const ch of m[2] as string) disk = disk * 26 + (ch.charCodeAt(0) - 96);
  disk -= 1;
  if (m[1] === 'xvd') return disk < 16 ? (202 << 8) | (disk << 4) : (1 << 28) | (disk << 8);
  if (m[1] === 'sd') return disk < 16 ? (8 << 8) | (disk << 4) : undefined;
  if (disk < 2) return (3 << 8) | (disk * 64);
  if (disk < 4) return (22 << 8) | ((disk - 2) * 64);
  return undefined;
}

function kib_(c: DomainCensus): string {
  return c.maxPages === undefined ? 'unknown' : `${c.maxPages * PAGE_KIB} KiB`;
}

/** The declared scheduler of a pool: its own, else Xen's `sched=`, else Xen's default (credit2). */
function schedulerOf(config: Config, pool: string): string | undefined {
  const own = config.cpupools.find((p) => p.name === pool)?.scheduler;
  if (own) return own;
  if (pool !== 'Pool-0') return undefined;
  const m = /(?:^|\s)sched=(\S+)/.exec(config.xen.cmdline ?? '');
  return m?.[1] ?? 'credit2';
}

/** A checker that records a match or a mismatch; returns whether they agreed. */
/**
 * x86: what kind of guest Xen built, from its own dump (debug key q): a PV domain has no paging
 * assistance; PVH and HVM are HVM containers (external, translated paging), and PVH needs HAP.
 * The dump cannot tell PVH from HVM (that is the emulation flags, which nothing prints).
 */
function checkGuestType(
  check: ReturnType<typeof field>,
  declared: 'pv' | 'pvh' | 'hvm' | undefined,
  c: DomainCensus,
): void {
  const type = declared ?? 'pv';
  const p = c.paging;
  const observed =
    p === undefined
      ? 'pv'
      : /\bexternal\b/.test(p)
        ? `hvm container, ${/\bhap\b/.test(p) ? 'hap' : 'shadow'}`
        : `pv, paging ${p}`;
  check(
    'guest-type',
    type,
    observed,
    type === 'pv' ? 'pv' : 'hvm container, hap (translated external paging with HAP, debug key q)',
  );
}

function field(cmp: DomainComparison) {
  return (f: CensusField, declared: string, observed: string, expected?: string): boolean => {
    const want = expected === undefined ? declared : expected.replace(/ \(.*\)$/, '');
    const ok = want === observed;
    const c: CensusCheck = { field: f, declared, observed, ok };
    if (expected !== undefined && expected !== declared) c.expected = expected;
    cmp.checks.push(c);
    if (ok) {
      cmp.matched.push(f);
      return true;
    }
    const { ok: _ok, ...rest } = c;
    cmp.mismatches.push({ domain: cmp.domain, ...rest });
    return false;
  };
}
