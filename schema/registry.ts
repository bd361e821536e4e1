// The feature registry: every per-domain control declared once. Its zod type IS the config field;
// its encodings are data naming Xen's own names (DT property, createdomain field/flag, xl key, text
// param), which the emitters, the params parser, the gate checks and docs/schema.md loop over.
// Facts: reference/xen-dt-bindings.md §1–§3, §8; reference/createdomain-abi.md §3; anchors.md §2.3.
import { z } from 'zod';
import { address, filePath, fileRef, nodeName, numberList, size } from './fields.js';
import type { Arch, XenRelease } from './releases.js';

/** How a control appears on the dom0less domain node (or as its children). */
export type DtKind =
  /** empty property, present when true (Xen ignores any value) */
  | 'flag'
  /** one u32 cell */
  | 'u32'
  /** one u32 cell holding 0 or 1 */
  | 'bool-u32'
  /** two cells (u64), value in KiB */
  | 'u64-kib'
  /** one u32 cell, value in MiB (the size must be a whole MiB) */
  | 'u32-mib'
  /** string; `values` maps config values to the string, null = property omitted */
  | 'string'
  /** u32 bitmask OR-ed from `values` (config list item → constant name in DT_CONSTANTS) */
  | 'bitmask'
  /** string in Xen's range syntax "0-3,8" from a number list */
  | 'range-string'
  /** SVE: empty property for "max", else one u32 cell in bits */
  | 'sve'
  /** `<addr size>`* in /chosen's #address-cells/#size-cells */
  | 'reg-list'
  /** phandle of the `xen,cpupool` node generated for the named pool */
  | 'cpupool-phandle'
  /** child nodes with `compatible` (one per list item) */
  | 'child-nodes'
  /** a multiboot module child with `compatible` (plus "multiboot,module") */
  | 'module';

export interface DtEncoding {
  /** Xen's property name (or node name stem for child nodes/modules). */
  prop: string;
  kind: DtKind;
  /** Config value (as a string key) → DT string / constant name; null means "omit the property". */
  values?: Readonly<Record<string, string | null>>;
  /** For child-nodes/module: the compatible Xen matches. */
  compatible?: string;
  /** First release whose dom0less builder reads this property, when later than the entry's `since`. */
  since?: XenRelease;
}

/** `xen_domctl_createdomain` members, as named in reference/createdomain-abi.md §1. */
export type CreatedomainField =
  | 'flags'
  | 'iommu_opts'
  | 'max_vcpus'
  | 'max_evtchn_port'
  | 'max_grant_frames'
  | 'max_maptrack_frames'
  | 'grant_opts'
  | 'altp2m.opts'
  | 'altp2m.nr'
  | 'vmtrace_size'
  | 'cpupool_id'
  | 'arch.gic_version'
  | 'arch.sve_vl'
  | 'arch.tee_type'
  | 'arch.nr_spis'
  | 'arch.arm_sci_type'
  | 'arch.v8r_el1_msa'
  | 'arch.emulation_flags'
  | 'arch.misc_flags';

export interface CreatedomainEncoding {
  field: CreatedomainField;
  /** Boolean control: this bit (C name) is set when the value is true. */
  flag?: string;
  /** Enum or list control: config value → C constant names OR-ed in (empty = 0). */
  values?: Readonly<Record<string, readonly string[]>>;
  /**
   * How a scalar value is converted: `number` as is, `bytes` a bigint size, `sve-vl` bits/128,
   * `cpupool-id` the pool's index, `grant-version` masked by XEN_DOMCTL_GRANT_version.
   */
  value?: 'number' | 'bytes' | 'sve-vl' | 'cpupool-id' | 'grant-version';
  /** First release with this field/bit, when later than the entry's `since`. */
  since?: XenRelease;
}

export type XlKind = 'int' | 'bool' | 'string' | 'mib' | 'kib' | 'list' | 'enum' | 'custom';

export interface XlEncoding {
  /** xl.cfg key. */
  key: string;
  kind: XlKind;
  /** For enum: config value → xl value. */
  values?: Readonly<Record<string, string>>;
  since?: XenRelease;
}

/** Value grammar of a text param (Xen's command-line grammar, see schema/params.ts). */
export type ParamKind = 'bool' | 'int' | 'size' | 'string' | 'enum' | 'list' | 'int-or-word';

export interface ParamEncoding {
  /** Param name; '-' and '_' are interchangeable, as on Xen's command line. */
  name: string;
  kind: ParamKind;
  /** For int-or-word: words accepted besides integers, mapped to the config value. */
  words?: Readonly<Record<string, string>>;
}

export interface KconfigGate {
  /** Option name without the CONFIG_ prefix. */
  option: string;
  /** Only these config values need the option (e.g. sci "scmi-smc"); absent = any use. */
  values?: readonly string[];
  /** The gate applies only to domains built at boot by Xen (boot: true). */
  bootOnly?: boolean;
  /** Skip the gate on releases before this one (the option did not exist; the code was always built). */
  since?: XenRelease;
}

export interface Feature<K extends string = string, S extends z.ZodType = z.ZodType> {
  /** Config key in a domain (camelCase). */
  key: K;
  /** One line for docs and the JSON Schema description. */
  title: string;
  /** The config field's zod type (optional or defaulted unless the control is required). */
  schema: S;
  /** A typical value as written in a config (docs, generated fixtures). */
  example: unknown;
  /** What Xen does when the control is absent; `value` when it is a plain config value. */
  xenDefault: { text: string; value?: unknown };
  arches: readonly Arch[];
  /** First release that has the control at all (our range starts at 4.17). */
  since: XenRelease;
  /** Per-value release gates for enum/list controls. */
  valueSince?: Readonly<Record<string, XenRelease>>;
  kconfig?: readonly KconfigGate[];
  dt?: DtEncoding;
  createdomain?: readonly CreatedomainEncoding[];
  xl?: XlEncoding;
  param?: ParamEncoding;
  /**
   * No boot-time builder on any arch has it (dom0less on Arm, the multiboot modules and hyperlaunch
   * on x86): a domain with `boot: true` is refused, x86 included.
   */
  runtimeOnly?: true;
  /** Whether the guest can observe the control (the probe guest reports these). */
  guestVisible: boolean;
  /** The ImageBuilder variable(s) this replaces, for parity (anchors.md §2.3). */
  imagebuilder?: string;
  /** Section of the reference notes. */
  ref: string;
}

/** Numeric values of the DT-side constants named in `dt.values` (xen/include/public/bootfdt.h). */
export const DT_CONSTANTS: Readonly<Record<string, number>> = {
  DOMAIN_CAPS_CONTROL: 0x1,
  DOMAIN_CAPS_HARDWARE: 0x2,
  DOMAIN_CAPS_XENSTORE: 0x4,
};

function feature<const K extends string, S extends z.ZodType>(f: Feature<K, S>): Feature<K, S> {
  return f;
}

const ARM: readonly Arch[] = ['arm64', 'arm32'];
const ALL: readonly Arch[] = ['arm64', 'arm32', 'x86_64'];
const int32 = 0x7fffffff;

const shmRegion = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,15}$/, {
        message: 'shared-memory id must be 1 to 15 letters, digits, "_", "." or "-"',
      })
      .describe('Region id (xen,shm-id), at most 15 characters; the same id names the same region'),
    size: size().describe('Region size; page aligned, non-zero'),
    guest: address().describe('Guest physical address where this domain sees the region'),
    host: address().optional().describe('Host physical address; omit to let Xen allocate it (Xen 4.19+)'),
    role: z
      .enum(['owner', 'borrower'])
      .optional()
      .describe('owner gets the pages, borrowers map them; omitted: DOMID_IO owns, all borrow'),
  })
  .strict();

const eventChannel = z
  .object({
    // The DT cell is a u32; which ports Xen accepts depends on the domain, and evtchn-ports says so.
    port: z
      .number()
      .int()
      .min(1)
      .max(0xffffffff)
      .describe('Local port: at most 1023 in a plain domU, 4095 in a hardware or xenstore domain'),
    peer: z.string().min(1).max(31).describe('Name of the domain at the other end ("dom0" for dom0)'),
    peerPort: z.number().int().min(1).max(0xffffffff).describe('Port at the other end'),
  })
  .strict();

const vcpuAffinity = z
  .object({
    vcpu: z.number().int().min(0).max(4095).describe('vCPU id, below vcpus'),
    cpus: numberList('CPU').describe('Physical CPUs this vCPU may run on: "0-3,6" or [0, 1]'),
  })
  .strict();

const passthrough = z
  .object({
    dtb: fileRef('Partial device tree').optional(),
    devices: z
      .array(
        z
          .string()
          .regex(/^\/[^\s"'\\;$`]*$/, { message: 'a host device-tree path such as /soc/serial@ff010000' }),
      )
      .max(64)
      .optional()
      .describe('Host device-tree paths given to this domain (marked xen,passthrough; xl dtdev)'),
    iomem: z
      .array(
        z
          .object({
            host: address().describe('Host physical address of the MMIO range'),
            size: size().describe('Size of the range'),
            guest: address().optional().describe('Guest address; default: the host address'),
          })
          .strict()
          .describe('MMIO range mapped into the guest (xl iomem)'),
      )
      .max(64)
      .optional()
      .describe('MMIO ranges mapped into the guest (xl iomem)'),
    irqs: z
      .array(z.number().int().min(0).max(1019))
      .max(64)
      .optional()
      .describe('Interrupts routed 1:1 (xl irqs)'),
  })
  .strict();

// A virtual disk as xl-disk-configuration(5) defines it. The image is a file on the build host that
// dom0 reads from the guests' folder (like the kernel); xl's own spellings are kept for the values.
const disk = z
  .object({
    // xl's disk parser drops a trailing comma and surrounding blanks from target= (probed with
    // xlu_disk_parse), so such a name would reach xl as another file.
    image: filePath('Disk image')
      .regex(/^[^\s,](.*[^\s,])?$/, {
        message: 'xl cannot name a disk image that starts or ends with a comma or a blank',
      })
      .describe("Raw or qcow image file; carried to the guests' folder on dom0 and named as xl target="),
    vdev: z
      .string()
      .regex(/^(xvd[a-z]{1,3}|hd[a-z]|sd[a-z]{1,3})$/, {
        message: 'a whole-disk virtual device name such as xvda, hdb or sdc',
      })
      .describe('Virtual device the guest sees (xl vdev), e.g. xvda'),
    format: z
      .enum(['raw', 'qcow', 'qcow2'])
      .default('raw')
      .describe('Image format (xl format=); qcow and qcow2 need the qdisk backend'),
    access: z.enum(['rw', 'ro']).default('rw').describe('rw or ro (xl access=)'),
    backend: z
      .enum(['phy', 'qdisk'])
      .optional()
      .describe('xl backendtype=: phy (xen-blkback, a raw image through a loop device) or qdisk (QEMU)'),
  })
  .strict()
  .refine((d) => d.format === 'raw' || d.backend !== 'phy', {
    message: 'xen-blkback (backend phy) serves raw images only; qcow and qcow2 need backend qdisk',
    path: ['backend'],
  });

// A network interface as xl-network-configuration(5) defines it.
const vif = z
  .object({
    mac: z
      .string()
      .regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, { message: 'six hex pairs separated by ":"' })
      .optional()
      .describe("Guest MAC address (xl mac=); default: xl picks one in Xen's 00:16:3e range"),
    bridge: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,15}$/, { message: 'a Linux interface name, 1 to 15 characters' })
      .optional()
      .describe("Bridge in dom0 the backend interface joins (xl bridge=); default: xl's, xenbr0"),
    script: z
      .string()
      .regex(/^[A-Za-z0-9_./-]{1,255}$/, { message: 'a script name or an absolute path' })
      .optional()
      .describe(
        'Hotplug script that connects the backend (xl script=): a name under /etc/xen/scripts (vif-bridge, vif-route, vif-nat) or an absolute path; default vif-bridge',
      ),
  })
  .strict();

/** Every per-domain control, in docs and emitter order. */
export const features = [
  feature({
    key: 'memory',
    title: 'Guest RAM',
    example: '64M',
    schema: size(),
    xenDefault: { text: 'required' },
    arches: ALL,
    since: '4.17',
    dt: { prop: 'memory', kind: 'u64-kib' },
    xl: { key: 'memory', kind: 'mib' },
    param: { name: 'memory', kind: 'size' },
    guestVisible: true,
    imagebuilder: 'DOMU_MEM',
    ref: 'xen-dt-bindings.md §1.1 memory',
  }),
  feature({
    key: 'vcpus',
    title: 'Number of vCPUs',
    example: 2,
    schema: z.number().int().min(1).max(4096).default(1),
    xenDefault: { text: 'required by Xen; dombuild defaults to 1', value: 1 },
    arches: ALL,
    since: '4.17',
    dt: { prop: 'cpus', kind: 'u32' },
    createdomain: [{ field: 'max_vcpus', value: 'number' }],
    xl: { key: 'vcpus', kind: 'int' },
    param: { name: 'vcpus', kind: 'int' },
    guestVisible: true,
    imagebuilder: 'DOMU_VCPUS',
    ref: 'xen-dt-bindings.md §1.1 cpus',
  }),
  feature({
    key: 'type',
    title: 'x86 guest type (pv, pvh or hvm)',
    example: 'pvh',
    schema: z.enum(['pv', 'pvh', 'hvm']).optional(),
    xenDefault: { text: 'pv (xl.cfg(5): the default on x86)', value: 'pv' },
    arches: ['x86_64'],
    since: '4.17',
    createdomain: [
      {
        field: 'flags',
        values: {
          pv: [],
          pvh: ['XEN_DOMCTL_CDF_hvm', 'XEN_DOMCTL_CDF_hap'],
          hvm: ['XEN_DOMCTL_CDF_hvm', 'XEN_DOMCTL_CDF_hap'],
        },
      },
      {
        field: 'arch.emulation_flags',
        values: {
          pv: [],
          pvh: ['XEN_X86_EMU_LAPIC'],
          hvm: [
            'XEN_X86_EMU_LAPIC',
            'XEN_X86_EMU_HPET',
            'XEN_X86_EMU_PM',
            'XEN_X86_EMU_RTC',
            'XEN_X86_EMU_IOAPIC',
            'XEN_X86_EMU_PIC',
            'XEN_X86_EMU_VGA',
            'XEN_X86_EMU_IOMMU',
            'XEN_X86_EMU_PIT',
            'XEN_X86_EMU_USE_PIRQ',
          ],
        },
      },
    ],
    xl: { key: 'type', kind: 'enum', values: { pv: 'pv', pvh: 'pvh', hvm: 'hvm' } },
    param: { name: 'type', kind: 'enum' },
    guestVisible: true,
    ref: 'createdomain-abi.md §3.1, §3.7',
  }),
  feature({
    key: 'vpl011',
    title: 'Emulated PL011 UART (the guest console on Arm)',
    example: true,
    schema: z.boolean().optional(),
    xenDefault: { text: 'off', value: false },
    arches: ARM,
    since: '4.17',
    kconfig: [{ option: 'SBSA_VUART_CONSOLE' }],
    dt: { prop: 'vpl011', kind: 'flag' },
    xl: { key: 'vuart', kind: 'enum', values: { true: 'sbsa_uart' } },
    param: { name: 'vpl011', kind: 'bool' },
    guestVisible: true,
    imagebuilder: 'DOMU_VPL011',
    ref: 'xen-dt-bindings.md §1.1 vpl011',
  }),
  feature({
    key: 'nrSpis',
    title: 'Number of virtual GIC SPIs (rounded up to a multiple of 32)',
    example: 64,
    schema: z.number().int().min(0).max(2048).optional(),
    xenDefault: { text: 'min(GIC lines, 992) - 32, raised to fit the vpl011 SPI' },
    arches: ARM,
    since: '4.17',
    dt: { prop: 'nr_spis', kind: 'u32' },
    createdomain: [{ field: 'arch.nr_spis', value: 'number' }],
    xl: { key: 'nr_spis', kind: 'int', since: '4.19' },
    param: { name: 'nr_spis', kind: 'int' },
    guestVisible: true,
    imagebuilder: 'DOMU_NR_SPIS',
    ref: 'xen-dt-bindings.md §1.1 nr_spis',
  }),
  feature({
    key: 'xenstore',
    title: 'PV interfaces: enabled (xenstore), legacy (page set up by init-dom0less), no-xenstore, none',
    example: 'enabled',
    schema: z.enum(['enabled', 'legacy', 'no-xenstore', 'none']).optional(),
    xenDefault: { text: 'none: no hypervisor node, no grant table, no event channels', value: 'none' },
    arches: ARM,
    since: '4.17',
    valueSince: { legacy: '4.21', 'no-xenstore': '4.19' },
    dt: {
      prop: 'xen,enhanced',
      kind: 'string',
      values: { enabled: 'enabled', legacy: 'legacy', 'no-xenstore': 'no-xenstore', none: null },
    },
    param: { name: 'xenstore', kind: 'enum' },
    guestVisible: true,
    imagebuilder: 'DOMU_ENHANCED',
    ref: 'xen-dt-bindings.md §1.1 xen,enhanced',
  }),
  feature({
    key: 'capabilities',
    title: 'Privileges: control, hardware, xenstore',
    example: ['control'],
    schema: z
      .array(z.enum(['control', 'hardware', 'xenstore']))
      .max(3)
      .optional(),
    xenDefault: { text: 'none (plain domU)', value: [] },
    arches: ARM,
    since: '4.21',
    dt: {
      prop: 'capabilities',
      kind: 'bitmask',
      values: {
        control: 'DOMAIN_CAPS_CONTROL',
        hardware: 'DOMAIN_CAPS_HARDWARE',
        xenstore: 'DOMAIN_CAPS_XENSTORE',
      },
    },
    createdomain: [{ field: 'flags', values: { xenstore: ['XEN_DOMCTL_CDF_xs_domain'] } }],
    param: { name: 'capabilities', kind: 'list' },
    guestVisible: true,
    imagebuilder: 'DOMU_CAPS',
    ref: 'xen-dt-bindings.md §1.1 capabilities',
  }),
  feature({
    key: 'staticMemory',
    title: 'Static RAM banks { base, size } instead of heap allocation',
    example: [{ base: '0x50000000', size: '64M' }],
    schema: z
      .array(
        z
          .object({ base: address().describe('Host physical start'), size: size().describe('Bank size') })
          .strict(),
      )
      .min(1)
      .max(16)
      .optional(),
    xenDefault: { text: 'heap allocation' },
    arches: ARM,
    since: '4.17',
    kconfig: [{ option: 'STATIC_MEMORY', bootOnly: true }],
    dt: { prop: 'xen,static-mem', kind: 'reg-list' },
    guestVisible: true,
    imagebuilder: 'DOMU_STATIC_MEM',
    ref: 'xen-dt-bindings.md §3.2',
  }),
  feature({
    key: 'directMap',
    title: 'Guest physical == host physical (needs staticMemory)',
    example: true,
    schema: z.boolean().optional(),
    xenDefault: { text: 'off', value: false },
    arches: ARM,
    since: '4.17',
    kconfig: [{ option: 'STATIC_MEMORY', bootOnly: true }],
    dt: { prop: 'direct-map', kind: 'flag' },
    param: { name: 'direct-map', kind: 'bool' },
    guestVisible: true,
    imagebuilder: 'DOMU_DIRECT_MAP',
    ref: 'xen-dt-bindings.md §3.2',
  }),
  feature({
    key: 'cpupool',
    title: 'Name of the cpupool (from cpupools) the domain starts in',
    example: 'pool1',
    schema: nodeName('Cpupool name').optional(),
    xenDefault: { text: 'Pool-0' },
    arches: ALL,
    since: '4.17',
    kconfig: [{ option: 'BOOT_TIME_CPUPOOLS', bootOnly: true }],
    dt: { prop: 'domain-cpupool', kind: 'cpupool-phandle' },
    createdomain: [{ field: 'cpupool_id', value: 'cpupool-id' }],
    xl: { key: 'pool', kind: 'string' },
    param: { name: 'cpupool', kind: 'string' },
    guestVisible: false,
    imagebuilder: 'DOMU_CPUPOOL',
    ref: 'xen-dt-bindings.md §3.1',
  }),
  feature({
    key: 'grantVersion',
    title: 'Highest grant-table version the guest may use',
    example: 1,
    schema: z.number().int().min(1).max(2).optional(),
    xenDefault: { text: 'gnttab=max-ver (1 on Arm, 2 on x86)' },
    arches: ALL,
    since: '4.17',
    dt: { prop: 'max_grant_version', kind: 'u32', since: '4.18' },
    createdomain: [{ field: 'grant_opts', value: 'grant-version' }],
    xl: { key: 'max_grant_version', kind: 'int' },
    param: { name: 'max_grant_version', kind: 'int' },
    guestVisible: true,
    imagebuilder: 'DOMU_GRANT_VER',
    ref: 'xen-dt-bindings.md §1.1 max_grant_version; createdomain-abi.md §3.3',
  }),
  feature({
    key: 'grantFrames',
    title: 'Maximum grant-table frames',
    example: 32,
    schema: z.number().int().min(1).max(int32).optional(),
    xenDefault: { text: 'gnttab_max_frames (64)' },
    arches: ALL,
    since: '4.17',
    dt: { prop: 'max_grant_frames', kind: 'u32', since: '4.18' },
    createdomain: [{ field: 'max_grant_frames', value: 'number' }],
    xl: { key: 'max_grant_frames', kind: 'int' },
    param: { name: 'max_grant_frames', kind: 'int' },
    guestVisible: true,
    imagebuilder: 'DOMU_GRANT_FRAMES',
    ref: 'xen-dt-bindings.md §1.1 max_grant_frames',
  }),
  feature({
    key: 'maptrackFrames',
    title: 'Maximum grant maptrack frames',
    example: 512,
    schema: z.number().int().min(0).max(int32).optional(),
    xenDefault: { text: 'gnttab_max_maptrack_frames (1024)' },
    arches: ALL,
    since: '4.17',
    dt: { prop: 'max_maptrack_frames', kind: 'u32', since: '4.18' },
    createdomain: [{ field: 'max_maptrack_frames', value: 'number' }],
    xl: { key: 'max_maptrack_frames', kind: 'int' },
    param: { name: 'max_maptrack_frames', kind: 'int' },
    guestVisible: false,
    imagebuilder: 'DOMU_MAPTRACK_FRAMES',
    ref: 'xen-dt-bindings.md §1.1 max_maptrack_frames',
  }),
  feature({
    key: 'maxEvtchnPort',
    title: 'Highest event-channel port',
    example: 511,
    schema: z.number().int().min(0).max(131071).optional(),
    xenDefault: { text: '1023 for domUs (fixed for boot-time domUs)', value: 1023 },
    arches: ALL,
    since: '4.17',
    createdomain: [{ field: 'max_evtchn_port', value: 'number' }],
    xl: { key: 'event_channels', kind: 'int' },
    param: { name: 'max_evtchn_port', kind: 'int' },
    guestVisible: true,
    ref: 'createdomain-abi.md §3.6; xen-dt-bindings.md §1.1 (not settable in DT)',
  }),
  feature({
    key: 'p2mPool',
    title: 'P2M page-table pool size (whole MiB)',
    example: '8M',
    schema: size().optional(),
    xenDefault: { text: '1 MiB per vCPU + 4 KiB per MiB of RAM + 512 KiB, rounded up to a MiB' },
    arches: ARM,
    since: '4.17',
    kconfig: [{ option: 'ARCH_PAGING_MEMPOOL', bootOnly: true }],
    dt: { prop: 'xen,domain-p2m-mem-mb', kind: 'u32-mib' },
    xl: { key: 'shadow_memory', kind: 'mib' },
    param: { name: 'p2m_pool', kind: 'size' },
    guestVisible: false,
    imagebuilder: 'DOMU_P2M_MEM_MB',
    ref: 'xen-dt-bindings.md §1.1 xen,domain-p2m-mem-mb',
  }),
  feature({
    key: 'iommu',
    title: 'Let the domain use the IOMMU (device passthrough)',
    example: true,
    schema: z.boolean().optional(),
    xenDefault: { text: 'on only when a partial device tree is given' },
    arches: ALL,
    since: '4.17',
    dt: {
      prop: 'passthrough',
      kind: 'string',
      values: { true: 'enabled', false: 'disabled' },
      since: '4.19',
    },
    createdomain: [{ field: 'flags', flag: 'XEN_DOMCTL_CDF_iommu' }],
    xl: { key: 'passthrough', kind: 'enum', values: { true: 'enabled', false: 'disabled' } },
    param: { name: 'iommu', kind: 'bool' },
    guestVisible: false,
    imagebuilder: 'DOMU_PASSTHROUGH_PROP',
    ref: 'xen-dt-bindings.md §1.1 passthrough; createdomain-abi.md §3.1',
  }),
  feature({
    key: 'iommuNoSharePt',
    title: 'Do not share CPU and IOMMU page tables (x86)',
    example: true,
    schema: z.boolean().optional(),
    xenDefault: { text: 'share', value: false },
    arches: ['x86_64'],
    since: '4.17',
    createdomain: [{ field: 'iommu_opts', flag: 'XEN_DOMCTL_IOMMU_no_sharept' }],
    xl: { key: 'passthrough', kind: 'enum', values: { true: 'sync_pt', false: 'share_pt' } },
    param: { name: 'iommu_no_sharept', kind: 'bool' },
    guestVisible: false,
    ref: 'createdomain-abi.md §3.2',
  }),
  feature({
    key: 'passthrough',
    title: 'Devices given to the domain: partial DTB, host device paths, MMIO ranges, IRQs',
    example: { dtb: 'partial.dtb' },
    schema: passthrough.optional(),
    xenDefault: { text: 'none' },
    arches: ARM,
    since: '4.17',
    dt: { prop: 'multiboot,device-tree', kind: 'module', compatible: 'multiboot,device-tree' },
    xl: { key: 'dtdev', kind: 'custom' },
    guestVisible: true,
    imagebuilder: 'DOMU_PASSTHROUGH_DTB, DOMU_PASSTHROUGH_PATHS',
    ref: 'xen-dt-bindings.md §3.6',
  }),
  feature({
    key: 'llcColors',
    title: 'Last-level-cache colours: "0-3,8" or a list',
    example: '0-3',
    schema: numberList('colour').optional(),
    xenDefault: { text: 'all colours' },
    arches: ['arm64'],
    since: '4.20',
    kconfig: [{ option: 'LLC_COLORING' }],
    dt: { prop: 'llc-colors', kind: 'range-string' },
    xl: { key: 'llc_colors', kind: 'list' },
    param: { name: 'llc-colors', kind: 'string' },
    guestVisible: false,
    imagebuilder: 'DOMU_COLORS',
    ref: 'xen-dt-bindings.md §1.1 llc-colors',
  }),
  feature({
    key: 'sve',
    title: 'Arm64 SVE vector length in bits (multiple of 128, at most 2048), or "max"',
    example: 256,
    schema: z.union([z.literal('max'), z.number().int().min(0).max(2048)]).optional(),
    xenDefault: { text: 'disabled', value: 0 },
    arches: ['arm64'],
    since: '4.18',
    kconfig: [{ option: 'ARM64_SVE' }],
    dt: { prop: 'sve', kind: 'sve' },
    createdomain: [{ field: 'arch.sve_vl', value: 'sve-vl' }],
    xl: { key: 'sve', kind: 'custom' },
    param: { name: 'sve', kind: 'int-or-word', words: { max: 'max', hw: 'max' } },
    guestVisible: true,
    ref: 'xen-dt-bindings.md §1.1 sve',
  }),
  feature({
    key: 'trapUnmappedAccesses',
    title: 'Trap guest accesses to unmapped MMIO (false: reads return ~0, writes ignored)',
    example: false,
    schema: z.boolean().optional(),
    xenDefault: { text: 'true', value: true },
    arches: ARM,
    since: '4.21',
    dt: { prop: 'trap-unmapped-accesses', kind: 'bool-u32' },
    createdomain: [{ field: 'flags', flag: 'XEN_DOMCTL_CDF_trap_unmapped_accesses' }],
    xl: { key: 'trap_unmapped_accesses', kind: 'bool' },
    param: { name: 'trap-unmapped-accesses', kind: 'bool' },
    guestVisible: true,
    imagebuilder: 'DOMU_TRAP_UNMAP',
    ref: 'xen-dt-bindings.md §1.1 trap-unmapped-accesses',
  }),
  feature({
    key: 'sci',
    title: 'System control interface: none or scmi-smc (SCMI over SMC forwarded to EL3)',
    example: 'scmi-smc',
    schema: z.enum(['none', 'scmi-smc']).optional(),
    xenDefault: { text: 'none', value: 'none' },
    arches: ARM,
    since: '4.21',
    kconfig: [{ option: 'SCMI_SMC', values: ['scmi-smc'] }],
    dt: { prop: 'xen,sci_type', kind: 'string', values: { none: 'none', 'scmi-smc': 'scmi_smc' } },
    createdomain: [
      {
        field: 'arch.arm_sci_type',
        values: {
          none: ['XEN_DOMCTL_CONFIG_ARM_SCI_NONE'],
          'scmi-smc': ['XEN_DOMCTL_CONFIG_ARM_SCI_SCMI_SMC'],
        },
      },
    ],
    xl: { key: 'arm_sci', kind: 'enum', values: { none: 'type=none', 'scmi-smc': 'type=scmi_smc' } },
    param: { name: 'sci', kind: 'enum' },
    guestVisible: true,
    ref: 'xen-dt-bindings.md §1.1 xen,sci_type',
  }),
  feature({
    key: 'v8rEl1Msa',
    title: 'Armv8-R EL1 memory system: mpu or mmu (MPU builds of Xen only)',
    example: 'mpu',
    schema: z.enum(['mpu', 'mmu']).optional(),
    xenDefault: { text: 'mpu on MPU builds' },
    arches: ARM,
    since: '4.22',
    kconfig: [{ option: 'MPU' }],
    dt: { prop: 'v8r_el1_msa', kind: 'string', values: { mpu: 'mpu', mmu: 'mmu' } },
    createdomain: [
      {
        field: 'arch.v8r_el1_msa',
        values: {
          mpu: ['XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_PMSA'],
          mmu: ['XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_VMSA'],
        },
      },
    ],
    param: { name: 'v8r_el1_msa', kind: 'enum' },
    guestVisible: true,
    ref: 'xen-dt-bindings.md §1.1 v8r_el1_msa',
  }),
  feature({
    key: 'sharedMemory',
    title: 'Static shared-memory regions { id, size, guest, host?, role? }',
    example: [{ id: 'ring0', size: '2M', guest: '0x60000000', role: 'owner' }],
    schema: z.array(shmRegion).min(1).max(32).optional(),
    xenDefault: { text: 'none' },
    arches: ARM,
    since: '4.17',
    kconfig: [{ option: 'STATIC_SHM' }, { option: 'STATIC_MEMORY' }],
    dt: { prop: 'shared-mem', kind: 'child-nodes', compatible: 'xen,domain-shared-memory-v1' },
    guestVisible: true,
    imagebuilder: 'DOMU_SHARED_MEM',
    ref: 'xen-dt-bindings.md §3.4',
  }),
  feature({
    key: 'eventChannels',
    title: 'Static event channels { port, peer, peerPort }, declared on both ends',
    example: [{ port: 10, peer: 'other', peerPort: 20 }],
    schema: z.array(eventChannel).min(1).max(64).optional(),
    xenDefault: { text: 'none' },
    arches: ARM,
    since: '4.17',
    kconfig: [{ option: 'STATIC_EVTCHN', since: '4.19' }],
    dt: { prop: 'evtchn', kind: 'child-nodes', compatible: 'xen,evtchn-v1' },
    guestVisible: true,
    imagebuilder: 'DOMU_STATIC_EVTCHNS',
    ref: 'xen-dt-bindings.md §3.5',
  }),
  feature({
    key: 'vcpuAffinity',
    title: 'Per-vCPU hard affinity [{ vcpu, cpus }]',
    example: [{ vcpu: 0, cpus: '1' }],
    schema: z.array(vcpuAffinity).min(1).max(128).optional(),
    xenDefault: { text: 'any CPU of the cpupool' },
    arches: ALL,
    since: '4.17',
    dt: { prop: 'vcpu', kind: 'child-nodes', compatible: 'xen,vcpu', since: '4.21' },
    xl: { key: 'cpus', kind: 'custom' },
    guestVisible: false,
    imagebuilder: 'DOMU_VCPU_HARD_AFFINITY',
    ref: 'xen-dt-bindings.md §3.7',
  }),
  feature({
    key: 'vpmu',
    title: 'Virtual PMU',
    example: true,
    schema: z.boolean().optional(),
    xenDefault: { text: 'off', value: false },
    arches: ['arm64', 'x86_64'],
    since: '4.17',
    createdomain: [{ field: 'flags', flag: 'XEN_DOMCTL_CDF_vpmu' }],
    xl: { key: 'vpmu', kind: 'bool' },
    param: { name: 'vpmu', kind: 'bool' },
    guestVisible: true,
    ref: 'createdomain-abi.md §3.1',
  }),
  feature({
    key: 'nestedVirt',
    title: 'Nested virtualisation (x86 HVM)',
    example: true,
    schema: z.boolean().optional(),
    xenDefault: { text: 'off', value: false },
    arches: ['x86_64'],
    since: '4.17',
    createdomain: [{ field: 'flags', flag: 'XEN_DOMCTL_CDF_nested_virt' }],
    xl: { key: 'nestedhvm', kind: 'bool' },
    param: { name: 'nested_virt', kind: 'bool' },
    guestVisible: true,
    ref: 'createdomain-abi.md §3.1',
  }),
  feature({
    key: 'altp2m',
    title: 'Alternate p2m mode (x86 HVM): disabled, mixed, external, limited',
    example: 'mixed',
    schema: z.enum(['disabled', 'mixed', 'external', 'limited']).optional(),
    xenDefault: { text: 'disabled', value: 'disabled' },
    arches: ['x86_64'],
    since: '4.17',
    createdomain: [
      {
        field: 'altp2m.opts',
        values: {
          disabled: [],
          mixed: ['XEN_DOMCTL_ALTP2M_mixed'],
          external: ['XEN_DOMCTL_ALTP2M_external'],
          limited: ['XEN_DOMCTL_ALTP2M_limited'],
        },
        since: '4.19',
      },
    ],
    xl: {
      key: 'altp2m',
      kind: 'enum',
      values: { disabled: 'disabled', mixed: 'mixed', external: 'external', limited: 'limited' },
    },
    param: { name: 'altp2m', kind: 'enum' },
    guestVisible: true,
    ref: 'createdomain-abi.md §3.5',
  }),
  feature({
    key: 'altp2mCount',
    title: 'Number of alternate p2m views (x86, with altp2m on): 1 to 512',
    example: 10,
    schema: z.number().int().min(1).max(512).optional(),
    xenDefault: { text: 'xl: 10 when altp2m is on, else 0 (Xen 4.21+ refuses 0 with altp2m on)' },
    arches: ['x86_64'],
    since: '4.21',
    createdomain: [{ field: 'altp2m.nr', value: 'number' }],
    xl: { key: 'altp2m_count', kind: 'int' },
    param: { name: 'altp2m_count', kind: 'int' },
    guestVisible: true,
    ref: 'createdomain-abi.md §3.5; xl.cfg(5) altp2m_count',
  }),
  feature({
    key: 'vmtrace',
    title: 'Per-vCPU processor-trace buffer (x86 HVM): power of two, 4K to 64M',
    example: '64K',
    schema: size().optional(),
    xenDefault: { text: 'off (0)' },
    arches: ['x86_64'],
    since: '4.17',
    createdomain: [{ field: 'vmtrace_size', value: 'bytes' }],
    xl: { key: 'vmtrace_buf_kb', kind: 'kib' },
    param: { name: 'vmtrace', kind: 'size' },
    guestVisible: true,
    ref: 'createdomain-abi.md §3.6',
  }),
  feature({
    key: 'deviceModel',
    title: 'HVM device model: none, depriv (deprivileged QEMU) or stubdom (stub domain)',
    example: 'depriv',
    schema: z.enum(['none', 'depriv', 'stubdom']).optional(),
    xenDefault: { text: 'xl: QEMU in dom0 as root' },
    arches: ['x86_64'],
    since: '4.17',
    xl: {
      key: 'device_model',
      kind: 'custom',
      values: { depriv: 'dm_restrict=1', stubdom: 'device_model_stubdomain_override=1' },
    },
    param: { name: 'device_model', kind: 'enum' },
    guestVisible: false,
    ref: 'xl.cfg(5) dm_restrict, device_model_stubdomain_override',
  }),
  feature({
    key: 'driverDomain',
    title: 'Domain runs backend drivers for others (xl driver_domain)',
    example: true,
    schema: z.boolean().optional(),
    xenDefault: { text: 'off', value: false },
    arches: ALL,
    since: '4.17',
    xl: { key: 'driver_domain', kind: 'bool' },
    param: { name: 'driver_domain', kind: 'bool' },
    guestVisible: false,
    imagebuilder: 'DOMU_DRIVER_DOMAIN',
    ref: 'xl.cfg(5) driver_domain',
  }),
  feature({
    key: 'disks',
    title: 'Virtual disks [{ image, vdev, format, access, backend }] (xl disk; run-time domains only)',
    example: [{ image: 'guest.img', vdev: 'xvda' }],
    schema: z
      .array(disk)
      .min(1)
      .max(26)
      .superRefine((disks, ctx) => {
        // xl refuses two disks on one vdev (runtime-guest-files keeps image names apart).
        const vdevs = new Set<string>();
        disks.forEach((d, i) => {
          if (vdevs.has(d.vdev))
            ctx.addIssue({ code: 'custom', message: `vdev ${d.vdev} is given twice`, path: [i, 'vdev'] });
          vdevs.add(d.vdev);
        });
      })
      .optional(),
    xenDefault: { text: 'none' },
    arches: ALL,
    since: '4.17',
    xl: { key: 'disk', kind: 'custom' },
    runtimeOnly: true,
    guestVisible: true,
    ref: 'xl-disk-configuration(5)',
  }),
  feature({
    key: 'vifs',
    title: 'Network interfaces [{ mac, bridge, script }] (xl vif; run-time domains only)',
    example: [{ bridge: 'xenbr0' }],
    schema: z.array(vif).min(1).max(16).optional(),
    xenDefault: { text: 'none' },
    arches: ALL,
    since: '4.17',
    xl: { key: 'vif', kind: 'custom' },
    runtimeOnly: true,
    guestVisible: true,
    ref: 'xl-network-configuration(5)',
  }),
] as const;

type Entries = (typeof features)[number];

/** Zod shape of every registry control, keyed by config key. */
export type FeatureShape = { [E in Entries as E['key']]: E['schema'] };

export type FeatureKey = Entries['key'];

/** The registry as a plain list (what emitters and checks loop over). */
export const registry: readonly Feature[] = features;

const byKey = new Map<string, Feature>(features.map((f) => [f.key, f]));

export function featureByKey(key: string): Feature | undefined {
  return byKey.get(key);
}
