// Whether a change reaches the guest, decided by the config field that causes it: a registry entry
// says so itself (`guestVisible`); the few fields outside the registry (the structural ones every
// domain has, Xen's own settings) are judged in the table below, each with its reason. Nothing
// here names a registry control: those are looked up.
import { featureByKey } from '../schema/registry.js';

export interface Visibility {
  guestVisible: boolean;
  registry: boolean;
  reason: string;
}

/**
 * Fields that are not registry controls. Where the answer depends on what a guest does with it
 * (Xen's command line, an unknown param), the change counts as visible: diff gates CI, and a
 * change that might reach a guest must not pass unseen.
 */
const STRUCTURAL: Readonly<Record<string, { guestVisible: boolean; reason: string }>> = {
  name: { guestVisible: true, reason: 'the domain itself: its name, handle and existence' },
  kernel: { guestVisible: true, reason: 'the kernel the guest runs' },
  ramdisk: { guestVisible: true, reason: 'the ramdisk the guest is given' },
  cmdline: { guestVisible: true, reason: "the guest kernel's command line" },
  boot: {
    guestVisible: true,
    reason: 'who creates the domain: Xen at boot (dom0less) or the toolstack at run time',
  },
  params: {
    guestVisible: true,
    reason: 'a param no registry entry knows, carried verbatim: dombuild cannot tell who reads it',
  },
  board: { guestVisible: true, reason: "the board's interrupt controller and CPUs, as the guest sees them" },
  placement: {
    guestVisible: false,
    reason: "a host load address: Xen copies boot modules into the guest's own RAM",
  },
  'xen.release': {
    guestVisible: false,
    reason:
      'how the createdomain argument is laid out and what it can name; the values are compared per domain',
  },
  'xen.cmdline': {
    guestVisible: true,
    reason: "Xen's command line: options such as gnttab= or dom0_mem= reach guests; not modelled one by one",
  },
  'xen.image': { guestVisible: false, reason: "Xen's own image and where it is loaded" },
  'xen.xsmPolicy': { guestVisible: true, reason: 'the XSM policy decides what every domain may do' },
  'xen.staticHeap': { guestVisible: false, reason: "Xen's own heap ranges" },
  'xen.llcColors': { guestVisible: false, reason: "Xen's own cache colours" },
  cpupools: {
    guestVisible: false,
    reason: 'which physical CPUs a pool has and how it schedules: not visible inside a guest',
  },
  'dom0.kernel': { guestVisible: true, reason: "dom0's kernel" },
  'dom0.ramdisk': { guestVisible: true, reason: "dom0's ramdisk" },
  'dom0.cmdline': { guestVisible: true, reason: "dom0's command line" },
  'dom0.memory': { guestVisible: true, reason: "dom0's RAM (dom0_mem=)" },
  'dom0.vcpus': { guestVisible: true, reason: "dom0's vCPUs (dom0_max_vcpus=)" },
  'dom0.type': { guestVisible: true, reason: 'whether dom0 runs PV or PVH (dom0=pvh)' },
  'dom0.llcColors': { guestVisible: false, reason: "dom0's cache colours: its performance, not its view" },
  boot_files: { guestVisible: false, reason: "the boot loader's own files (device tree, script)" },
};

/** The visibility of a control: the registry entry's, else the structural table's. */
export function visibilityOf(control: string): Visibility {
  const f = featureByKey(control);
  if (f) {
    return {
      guestVisible: f.guestVisible,
      registry: true,
      reason: `registry: ${f.key} (${f.title}) is ${f.guestVisible ? '' : 'not '}guest-visible`,
    };
  }
  const s = STRUCTURAL[control];
  if (s) return { ...s, registry: false };
  // An output no field explains is a gap in the extractors; counting it as visible keeps it in view.
  return { guestVisible: true, registry: false, reason: 'no config field is known to cause it' };
}

/** The structural controls, for the tests that hold every extractor's controls to this table. */
export function isKnownControl(control: string): boolean {
  return featureByKey(control) !== undefined || control in STRUCTURAL;
}

/**
 * The fields dombuild writes into Xen's command line besides the config's own (xenCmdline in
 * builder/dom0less/chosen.ts, builder/x86/modules.ts): dom0's resources, the colours, and the
 * board's console when the config gives no command line.
 */
export const XEN_CMDLINE_CONTROLS = [
  'xen.cmdline',
  'dom0.memory',
  'dom0.vcpus',
  'dom0.type',
  'dom0.llcColors',
  'xen.llcColors',
  'board',
] as const;
