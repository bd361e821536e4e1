// Every variable ImageBuilder reads, and where it goes in dombuild's config or why it has no place
// there. Facts about ImageBuilder (defaults, what it ignores, what it refuses) are from its README
// and scripts/uboot-script-gen (Xilinx/imagebuilder xlnx_rel_v2023.2) and, for the variables added
// upstream since (gitlab.com/xen-project/imagebuilder), from the posted patches summarised in
// reference/anchors.md §2.3. Per-domain controls are found through the registry's `imagebuilder`
// field, so the config key of each one is declared once, in schema/registry.ts.
import type { DropReason } from '../report.js';

/** Global (unindexed) variables. */
export type GlobalRule =
  | { kind: 'mapped'; doc: string }
  | { kind: 'dropped'; reason: DropReason; doc: string };

export const GLOBAL_VARIABLES: Readonly<Record<string, GlobalRule>> = {
  MEMORY_START: { kind: 'mapped', doc: 'boot.memoryStart' },
  MEMORY_END: { kind: 'mapped', doc: 'boot.memoryEnd' },
  LOAD_CMD: { kind: 'mapped', doc: 'boot.load' },
  BOOT_CMD: { kind: 'mapped', doc: 'boot.command (bootz also sets the board to arm32)' },
  DEVICE_TREE: { kind: 'mapped', doc: 'board.dtb' },
  XEN: { kind: 'mapped', doc: 'xen.image' },
  XEN_LOAD: { kind: 'mapped', doc: 'xen.image.load' },
  XEN_CMD: { kind: 'mapped', doc: 'xen.cmdline (dom0 words removed without a dom0, as ImageBuilder does)' },
  XEN_COLORS: { kind: 'mapped', doc: 'xen.llcColors (+ llc-coloring=on)' },
  XEN_STATIC_HEAP: { kind: 'mapped', doc: 'xen.staticHeap' },
  XEN_POLICY: { kind: 'mapped', doc: 'xen.xsmPolicy' },
  DOM0_KERNEL: { kind: 'mapped', doc: 'dom0.kernel' },
  DOM0_LOAD: { kind: 'mapped', doc: 'dom0.kernel.load, dom0.ramdisk.load' },
  DOM0_RAMDISK: { kind: 'mapped', doc: 'dom0.ramdisk' },
  DOM0_CMD: { kind: 'mapped', doc: 'dom0.cmdline (root= added as ImageBuilder does)' },
  DOM0_MEM: { kind: 'mapped', doc: 'dom0.memory (MB)' },
  DOM0_VCPUS: { kind: 'mapped', doc: 'dom0.vcpus' },
  DOM0_COLORS: { kind: 'mapped', doc: 'dom0.llcColors (+ llc-coloring=on)' },
  DOM0_ROOTFS: {
    kind: 'dropped',
    reason: 'other-tool',
    doc: 'a partition of disk_image; only its root= device reaches dom0.cmdline',
  },
  DOM0_VIOMMU: {
    kind: 'dropped',
    reason: 'downstream-only',
    doc: 'dom0_viommu=1 is a Xilinx-branch Xen option',
  },
  NUM_DOMUS: { kind: 'mapped', doc: 'the number of domains' },
  NUM_CPUPOOLS: { kind: 'mapped', doc: 'the number of cpupools' },
  NUM_DT_OVERLAY: { kind: 'mapped', doc: 'the number of boot.overlays' },
  BITSTREAM: { kind: 'mapped', doc: 'boot.bitstream' },
  APPEND_EXTRA_CMDS: { kind: 'mapped', doc: "boot.extraCommands (the file's lines)" },
  FIT: { kind: 'mapped', doc: 'boot.fit (dombuild names the file boot.itb)' },
  FDTEDIT: {
    kind: 'dropped',
    reason: 'output-setting',
    doc: 'dombuild always writes the edited device tree as system.dtb',
  },
  UBOOT_SOURCE: { kind: 'dropped', reason: 'output-setting', doc: 'dombuild writes boot.source' },
  UBOOT_SCRIPT: { kind: 'dropped', reason: 'output-setting', doc: 'dombuild writes boot.scr' },
  FIT_ENC_KEY_DIR: {
    kind: 'dropped',
    reason: 'no-equivalent',
    doc: "dombuild's FIT is not signed",
  },
  FIT_ENC_UB_DTB: { kind: 'dropped', reason: 'no-equivalent', doc: "dombuild's FIT is not signed" },
  PASSTHROUGH_DTS_REPO: {
    kind: 'dropped',
    reason: 'other-tool',
    doc: 'a git repository of partial device trees; give each domain its partial DTB (DOMU_PASSTHROUGH_DTB) or let dombuild generate it from DOMU_PASSTHROUGH_PATHS',
  },
  LOPPER_PATH: {
    kind: 'dropped',
    reason: 'other-tool',
    doc: 'Lopper generated the partial device trees; dombuild generates them from DOMU_PASSTHROUGH_PATHS',
  },
  LOPPER_CMD: { kind: 'dropped', reason: 'other-tool', doc: "Lopper's own arguments" },
  NUM_BOOT_AUX_FILE: {
    kind: 'dropped',
    reason: 'other-tool',
    doc: 'files disk_image copies to the boot partition',
  },
  GPT: { kind: 'dropped', reason: 'other-tool', doc: "disk_image's partition table" },
  EFI: {
    kind: 'dropped',
    reason: 'ignored-by-source',
    doc: 'replaced in ImageBuilder by BOOT_CMD=bootefi',
  },
  XEN_PASSTHROUGH_PATHS: {
    kind: 'dropped',
    reason: 'ignored-by-source',
    doc: 'the old name of DOMU_PASSTHROUGH_PATHS[n], which current ImageBuilder does not read',
  },
  LINUX: { kind: 'dropped', reason: 'no-equivalent', doc: 'bare-metal Linux without Xen' },
  LINUX_CMD: { kind: 'dropped', reason: 'no-equivalent', doc: 'bare-metal Linux without Xen' },
  LINUX_RAMDISK: { kind: 'dropped', reason: 'no-equivalent', doc: 'bare-metal Linux without Xen' },
  LINUX_ROOTFS: { kind: 'dropped', reason: 'no-equivalent', doc: 'bare-metal Linux without Xen' },
};

/** Arrays indexed by a count variable, outside the domains. */
export const GLOBAL_ARRAYS: Readonly<Record<string, { count: string; rule: GlobalRule }>> = {
  DT_OVERLAY: { count: 'NUM_DT_OVERLAY', rule: { kind: 'mapped', doc: 'boot.overlays[k]' } },
  CPUPOOL: { count: 'NUM_CPUPOOLS', rule: { kind: 'mapped', doc: 'cpupools[k] ("cpu@1,cpu@2 sched")' } },
  BOOT_AUX_FILE: {
    count: 'NUM_BOOT_AUX_FILE',
    rule: { kind: 'dropped', reason: 'other-tool', doc: 'files disk_image copies to the boot partition' },
  },
};

/**
 * Per-domain variables (DOMU_X[n]) that are not registry controls: the domain's images, command
 * line and how it starts, plus the ones with no place in the schema.
 */
export const DOMAIN_VARIABLES: Readonly<Record<string, GlobalRule>> = {
  DOMU_KERNEL: { kind: 'mapped', doc: 'domains[n].kernel' },
  DOMU_RAMDISK: { kind: 'mapped', doc: 'domains[n].ramdisk' },
  DOMU_CMD: { kind: 'mapped', doc: 'domains[n].cmdline (default console=ttyAMA0)' },
  DOMU_LOAD: { kind: 'mapped', doc: 'domains[n].kernel.load, .ramdisk.load, .passthrough.dtb.load' },
  DOMU_NOBOOT: { kind: 'mapped', doc: 'domains[n].boot: false' },
  DOMU_ROOTFS: {
    kind: 'mapped',
    doc: 'domains[n].boot: false (ImageBuilder leaves such a domain out of the dom0less tree; the rootfs itself is for disk_image)',
  },
  DOMU_VUART_PL011: {
    kind: 'mapped',
    doc: 'domains[n].vpl011 (the Xilinx branch\'s vpl011 = "pl011" string is upstream\'s empty vpl011)',
  },
  DOMU_VIOMMU: { kind: 'dropped', reason: 'downstream-only', doc: 'viommu is a Xilinx-branch Xen property' },
  DOMU_DOMID: {
    kind: 'dropped',
    reason: 'no-equivalent',
    doc: 'dombuild has no domid control: Xen numbers boot-time domains in config order',
  },
};

/** Defaults ImageBuilder applies (uboot-script-gen xen_config), written out by the import. */
export const IB_DEFAULTS = {
  domuMemMB: 512,
  domuVcpus: 1,
  domuCmd: 'console=ttyAMA0',
  dom0MemMB: 1500,
  dom0Vcpus: 1,
  dom0Cmd: 'console=hvc0 earlycon=xen earlyprintk=xen clk_ignore_unused',
  /** XEN_CMD when unset, without the dom0_mem/dom0_max_vcpus words (dom0.memory/vcpus add those). */
  xenCmd: 'console=dtuart dtuart=serial0 bootscrub=0 vwfi=native sched=null',
} as const;

/** Xen's cpupool schedulers (the cpupool-sched values the schema accepts). */
export const SCHEDULERS = ['credit', 'credit2', 'rtds', 'arinc653', 'null'] as const;

/** ImageBuilder's short names for load commands (its -t option), for the LOAD_CMD hint. */
export const LOAD_ALIASES: Readonly<Record<string, string>> = {
  tftp: 'tftpb',
  sd: 'load mmc 0:1',
  usb: 'fatload usb 0:1',
  scsi: 'load scsi 0:1',
  virtio: 'load virtio 0:1',
};
