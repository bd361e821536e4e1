// Per-release Xen facts as one table (dtc's version_table idea): code looks a release up here and
// never compares version strings inline. Sources: reference/createdomain-abi.md §1–§3 and
// reference/xen-dt-bindings.md (rule 30, §1.1 `xen,enhanced`, §3.5).

export const XEN_RELEASES = ['4.17', '4.18', '4.19', '4.20', '4.21', '4.22'] as const;
export type XenRelease = (typeof XEN_RELEASES)[number];

export const ARCHES = ['arm64', 'arm32', 'x86_64'] as const;
export type Arch = (typeof ARCHES)[number];

export interface ReleaseFacts {
  release: XenRelease;
  /** Date of the RELEASE-X.Y.0 tag commit. */
  date: string;
  /** createdomain struct family: L1 (no altp2m field), L2 (altp2m field after grant_opts). */
  createdomainLayout: 'L1' | 'L2';
  /** How altp2m is carried: absent, `uint32_t altp2m_opts`, or `struct { u16 opts; u16 nr; }`. */
  altp2mField: 'none' | 'u32' | 'u16-pair';
  /** Highest defined `XEN_DOMCTL_CDF_*` bit value (`XEN_DOMCTL_CDF_MAX`). */
  cdfMax: number;
  /** Size in bytes of `xen_arch_domainconfig` on arm64 (x86 is 8 on every release). */
  armArchConfigSize: number;
  /** Whether `DOMID_ANY` (0x7FF5) exists and 0 means "domid 0" rather than "auto". */
  domidAny: boolean;
  /** Who must exist when a boot-time domain asks for xenstore (rule 30). */
  xenstoreProvider: 'dom0' | 'xenstore-domain';
  /**
   * Whether `xen,enhanced = "enabled"` leaves the xenstore page to init-dom0less (what 4.21 calls
   * "legacy"); Xen allocates the page itself from 4.21 (xen-dt-bindings.md §1.1).
   */
  enhancedEnabledIsLegacy: boolean;
  /** Whether STATIC_EVTCHN is its own Kconfig option (else static event channels are always built). */
  staticEvtchnKconfig: boolean;
  /** Whether DOM0LESS_BOOT is a Kconfig option (else dom0less is always built on Arm). */
  dom0lessKconfig: boolean;
  /** Whether nr_spis above 988 can select eSPIs with CONFIG_GICV3_ESPI. */
  espi: boolean;
  /** Whether Xen and dom0 take LLC colours (`llc-colors`, xen-dt-bindings.md §6, §8). */
  llcColoring: boolean;
  /** Whether a static shared-memory region may omit its host address (xen-dt-bindings.md §3.4). */
  shmHostOptional: boolean;
}

/** The facts that are simple yes/no switches, so code can ask which release first has one. */
export type ReleaseSwitch = {
  [K in keyof ReleaseFacts]: ReleaseFacts[K] extends boolean ? K : never;
}[keyof ReleaseFacts];

/** 4.17, the oldest release dombuild targets: every fact spelled out. */
const FIRST: ReleaseFacts = {
  release: '4.17',
  date: '2022-12-08',
  createdomainLayout: 'L1',
  altp2mField: 'none',
  cdfMax: 0x80,
  armArchConfigSize: 12,
  domidAny: false,
  xenstoreProvider: 'dom0',
  enhancedEnabledIsLegacy: true,
  staticEvtchnKconfig: false,
  dom0lessKconfig: false,
  espi: false,
  llcColoring: false,
  shmHostOptional: false,
};

/** Each later release as what it changed from the one before (a release history, not copies). */
const CHANGES: readonly (Partial<ReleaseFacts> & Pick<ReleaseFacts, 'release' | 'date'>)[] = [
  { release: '4.18', date: '2023-11-16' },
  {
    release: '4.19',
    date: '2024-07-29',
    createdomainLayout: 'L2',
    altp2mField: 'u32',
    staticEvtchnKconfig: true,
    dom0lessKconfig: true,
    shmHostOptional: true,
  },
  { release: '4.20', date: '2025-03-04', llcColoring: true },
  {
    release: '4.21',
    date: '2025-11-18',
    altp2mField: 'u16-pair',
    cdfMax: 0x100,
    armArchConfigSize: 16,
    xenstoreProvider: 'xenstore-domain',
    enhancedEnabledIsLegacy: false,
    espi: true,
  },
  { release: '4.22', date: '2026-07-29', domidAny: true },
];

const rows: ReleaseFacts[] = [FIRST];
for (const change of CHANGES) rows.push({ ...(rows.at(-1) as ReleaseFacts), ...change });
const table = Object.fromEntries(rows.map((r) => [r.release, r])) as Record<XenRelease, ReleaseFacts>;

/** Every supported release, oldest first. */
export const releases: readonly ReleaseFacts[] = XEN_RELEASES.map((r) => table[r]);

export function releaseFacts(release: XenRelease): ReleaseFacts {
  return table[release];
}

/** Position of a release in XEN_RELEASES; the only way code orders releases. */
export function releaseIndex(release: XenRelease): number {
  return XEN_RELEASES.indexOf(release);
}

/** True when `release` is `since` or newer. */
export function releaseAtLeast(release: XenRelease, since: XenRelease): boolean {
  return releaseIndex(release) >= releaseIndex(since);
}

/** Whether `release` has the switch on. */
export function releaseHas(release: XenRelease, fact: ReleaseSwitch): boolean {
  return table[release][fact];
}

/** The oldest supported release with the switch on (for messages and hints). */
export function firstReleaseWith(fact: ReleaseSwitch): XenRelease | undefined {
  return releases.find((r) => r[fact])?.release;
}

export function isXenRelease(s: string): s is XenRelease {
  return (XEN_RELEASES as readonly string[]).includes(s);
}
