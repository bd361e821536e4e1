// The values `dombuild diff` works with. A side is everything the outputs of one pipeline run say,
// flattened to items (one DT property, one createdomain field or flag, one xl key, one planned
// image); a change is an item whose value differs, with the config field that causes it.

/** Where the outputs say it: the kind decides how an item's `item` text reads. */
export type ChangeKind =
  /** The domain exists on one side only, or changes between boot and runtime. */
  | 'domain'
  /** A property of the domain's node under /chosen, or of one of its child nodes. */
  | 'dt'
  /** A member of `xen_domctl_createdomain` (flags one by one), as Xen's ABI tables name it. */
  | 'createdomain'
  /** A record of createdomain.bin beside the domctl: memory, command line, module contents, params. */
  | 'blob'
  /** A key of the domain's xl config (runtime domains). */
  | 'xl'
  /** The bytes of a file the config names, by sha256 (dom0's and Xen's; domains' are in the blob). */
  | 'image'
  /** x86: what the EFI xen.cfg hands Xen (grub.cfg carries the same module list). */
  | 'boot'
  /** Where the boot plan loads an image (host memory; Xen copies modules into the guest). */
  | 'plan'
  /** How the createdomain hypercall argument itself is laid out (interface version, offsets). */
  | 'abi'
  /** What Xen does with an identical description, by its release table. */
  | 'release';

/** One fact of one side's outputs. */
export interface Item {
  kind: ChangeKind;
  /** What it is, e.g. `vpl011`, `flags XEN_DOMCTL_CDF_iommu`, `module kernel sha256`. */
  item: string;
  /** The value as text; comparing two items is comparing these. */
  value: string;
  /**
   * The config fields that can cause it, as paths relative to the domain (`vpl011`, `kernel`) or,
   * for the system group, from the config's root (`xen.cmdline`); the first is the default.
   */
  controls: readonly string[];
  /**
   * Judge visibility by this structural field instead of the control (a module's load address
   * is located at its `kernel:` line but judged as host placement).
   */
  judge?: string;
}

/** Items by group: a domain name, `dom0` (DOM0), or '' (SYSTEM) for Xen, /chosen and the ABI. */
export type Grouped = Map<string, Item[]>;

export const SYSTEM = '';
export const DOM0 = 'dom0';

export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export interface Change {
  kind: ChangeKind;
  item: string;
  /** The value in a, or null when a has no such item. */
  a: string | null;
  b: string | null;
  /** The config field that causes the change (relative to the domain, or from the root). */
  control: string;
  /** Whether `control` is an entry of the feature registry (schema/registry.ts). */
  registry: boolean;
  guestVisible: boolean;
  /** Why it is, or is not, guest-visible. */
  reason: string;
  /** The control's line in a and in b, where the field (or its closest parent) is written. */
  at: { a?: SourceLocation; b?: SourceLocation };
}

export interface DomainDiff {
  /** The domain name; `dom0` for the classic dom0, null for the system (Xen, /chosen, the ABI). */
  name: string | null;
  changes: Change[];
}

export interface SideSummary {
  file: string;
  release: string;
  /** The release came from --release, not from the config's xen.release. */
  releaseFromFlag: boolean;
  arch: string;
  board: string;
}

export interface DiffResult {
  a: SideSummary;
  b: SideSummary;
  /** The system group first (when it has changes), then domains in a's order, then b's new ones. */
  groups: DomainDiff[];
  /** True when any change is guest-visible: the exit status is 1. */
  guestVisible: boolean;
}

/** The JSON document's name and version (docs: README, "dombuild diff"). */
export const DIFF_FORMAT = 'dombuild-diff';
export const DIFF_FORMAT_VERSION = 1;
