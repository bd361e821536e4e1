// The config schema: the one description every output derives from. Friendly names here; Xen's
// names appear only in the registry encodings and the outputs. The per-domain controls come from
// the registry (schema/registry.ts), so a control is declared in exactly one place.
import { z } from 'zod';
import { address, filePath, fileRef, kernelRef, nodeName, numberList, size, xenRelease } from './fields.js';
import { type FeatureShape, features } from './registry.js';
import { ARCHES } from './releases.js';

export type { FileRef, KernelRef } from './fields.js';
export { ARCHES, type Arch, XEN_RELEASES, type XenRelease } from './releases.js';

/** Xen's own command-line limit for bootargs (BOOTMOD_MAX_CMDLINE, NUL included). */
export const MAX_CMDLINE = 1023;

const cmdline = (what: string) => z.string().max(4096).describe(what);

const featureShape = Object.fromEntries(
  features.map((f) => [f.key, f.schema.describe(f.title)]),
) as unknown as FeatureShape;

export const domainSchema = z
  .object({
    name: nodeName('Domain name').describe(
      'Domain name: becomes the /chosen node name and the xl name; letters, digits, "_" and "-"',
    ),
    kernel: kernelRef(),
    ramdisk: fileRef('Ramdisk (initrd)').optional(),
    cmdline: cmdline('Kernel command line (bootargs)').optional(),
    boot: z
      .boolean()
      .default(true)
      .describe('true: built by Xen at boot (dom0less); false: created later by the toolstack (xl config)'),
    params: z
      .array(z.string().max(256))
      .max(64)
      .default([])
      .describe('Text params "key=value" with Xen\'s grammar, resolved through the feature registry'),
    allowUnknownParams: z
      .boolean()
      .default(false)
      .describe('Keep params that no registry entry knows, verbatim, instead of rejecting them'),
    ...featureShape,
  })
  .strict()
  .describe('A guest domain');

export const dom0Schema = z
  .object({
    kernel: fileRef('Dom0 kernel'),
    ramdisk: fileRef('Dom0 ramdisk').optional(),
    cmdline: cmdline('Dom0 command line (xen,dom0-bootargs / multiboot module string)').optional(),
    memory: size().optional().describe('Dom0 memory (Xen dom0_mem=)'),
    vcpus: z.number().int().min(1).max(4096).optional().describe('Dom0 vCPUs (Xen dom0_max_vcpus=)'),
    type: z.enum(['pv', 'pvh']).optional().describe('x86 dom0 type (Xen dom0=pvh); default pv'),
    llcColors: numberList('colour').optional().describe('Dom0 LLC colours (Xen dom0-llc-colors=)'),
  })
  .strict()
  .describe('The classic control domain, built from a kernel outside any domain node');

export const cpupoolSchema = z
  .object({
    name: nodeName('Cpupool name'),
    cpus: numberList('CPU').describe('Logical CPU numbers (0 = first CPU of the board): "1-3" or [1, 2, 3]'),
    scheduler: z
      .enum(['credit', 'credit2', 'rtds', 'arinc653', 'null'])
      .optional()
      .describe('Scheduler of this pool; default: Xen sched='),
  })
  .strict();

const bank = z
  .object({
    base: address().describe('Start address'),
    size: size().describe('Size in bytes or with a unit'),
  })
  .strict();

export const xenSchema = z
  .object({
    release: xenRelease().describe('Target Xen release: 4.17 to 4.22 (quote it: "4.20")'),
    image: fileRef('Xen image').optional().describe('Xen binary; absent: a placeholder size is planned'),
    cmdline: cmdline('Xen command line (xen,xen-bootargs)').default(''),
    kconfig: filePath('Xen build .config')
      .optional()
      .describe(
        "The Xen build's .config; enables the Kconfig checks (static memory, cpupools, colouring...)",
      ),
    staticHeap: z.array(bank).min(1).max(16).optional().describe('Xen heap ranges (xen,static-heap)'),
    xsmPolicy: fileRef('XSM policy').optional().describe('XSM/FLASK policy module'),
    llcColors: numberList('colour').optional().describe("Xen's own LLC colours (xen-llc-colors=)"),
  })
  .strict()
  .describe('The hypervisor');

export const boardSchema = z
  .union([
    z
      .string()
      .min(1)
      .max(4096)
      .describe('A built-in board name (see `dombuild boards`) or a path to a board YAML file'),
    z
      .object({
        name: z.string().min(1).max(64).optional().describe('Built-in board to start from, or a label'),
        arch: z.enum(ARCHES).optional().describe('Architecture of the board'),
        memory: z
          .union([size(), z.array(bank).min(1).max(16)])
          .optional()
          .describe('RAM size, or RAM banks'),
        cpus: z.number().int().min(1).max(512).optional().describe('Number of CPUs'),
        gic: z
          .union([z.literal(2), z.literal(3)])
          .optional()
          .describe('GIC version (Arm)'),
        dtb: filePath('Board DTB').optional().describe("The board's device tree (DEVICE_TREE)"),
      })
      .strict(),
  ])
  .describe('The board: a built-in name, a board file, or inline facts');

export const bootSchema = z
  .object({
    method: z
      .enum(['uboot', 'direct', 'efi', 'grub'])
      .default('uboot')
      .describe(
        'uboot: U-Boot script (the default on Arm); direct: QEMU loader; efi: xen.cfg; grub: multiboot2 (the default on x86)',
      ),
    align: size().prefault('2M').describe('Alignment of every loaded image'),
    load: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('U-Boot load command (LOAD_CMD), e.g. "tftpb" or "load mmc 0:1"; default: the board\'s'),
    dynamic: z
      .boolean()
      .optional()
      .describe(
        'U-Boot script computes sizes and addresses at boot from the loaded files (setexpr on the loaded file size); default false',
      ),
    command: z
      .enum(['booti', 'bootm', 'bootz', 'bootefi', 'none'])
      .optional()
      .describe('U-Boot boot command (BOOT_CMD); default booti on arm64, bootz on arm32'),
    fit: z.boolean().default(false).describe('Also package everything as a FIT image'),
    memoryStart: address().optional().describe('Lowest load address (MEMORY_START)'),
    memoryEnd: address().optional().describe('End of loadable memory (MEMORY_END)'),
    overlays: z.array(fileRef('DT overlay')).max(16).optional().describe('Overlays applied to the board DTB'),
    extraCommands: z
      .array(z.string().max(1024))
      .max(64)
      .optional()
      .describe('U-Boot commands appended before boot (APPEND_EXTRA_CMDS)'),
    bitstream: fileRef('FPGA bitstream').optional().describe('Loaded with `fpga load 0` (BITSTREAM)'),
  })
  .strict()
  .describe('How the system is loaded');

export const mediaPartitionSchema = z
  .object({
    image: filePath('Partition image').describe(
      'A file system image written as this partition (e.g. a root file system for dom0 or a guest)',
    ),
    size: size().optional().describe('Partition size; default: the image size, rounded up to media.align'),
    type: z
      .enum(['linux', 'fat', 'swap', 'raw'])
      .default('linux')
      .describe('Partition type in the table: linux, fat, swap, or raw (no file system implied)'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,36}$/)
      .optional()
      .describe('GPT partition name (ignored in an MBR table)'),
  })
  .strict();

export const mediaSchema = z
  .object({
    table: z.enum(['mbr', 'gpt']).default('mbr').describe('Partition table of disk.img: mbr or gpt'),
    align: size().prefault('1M').describe('Alignment of every partition start and size'),
    bootSize: size()
      .optional()
      .describe('Size of the FAT boot partition; default: what it holds plus room, at least 64M'),
    device: z
      .string()
      .regex(/^[a-z0-9_]+ [0-9a-fx]+$/)
      .optional()
      .describe('U-Boot device that holds the disk, e.g. "mmc 0" or "virtio 0"; default: the board\'s'),
    partitions: z
      .array(mediaPartitionSchema)
      .max(8)
      .default([])
      .describe('Further partitions after the boot partition, each from an image file'),
  })
  .strict()
  .describe(
    'Bootable media: build also writes disk.img (partition table, FAT boot partition with every file the boot loads, further partitions), made without root',
  );

export const configSchema = z
  .object({
    $schema: z.string().optional().describe('JSON Schema reference for editors; ignored'),
    arch: z.enum(ARCHES).optional().describe('Target architecture; derived from the board when omitted'),
    xen: xenSchema,
    board: boardSchema,
    boot: bootSchema.prefault({}),
    dom0: dom0Schema.optional(),
    cpupools: z.array(cpupoolSchema).max(64).default([]).describe('Boot-time cpupools'),
    domains: z.array(domainSchema).max(64).default([]).describe('Guest domains'),
    media: mediaSchema.optional(),
  })
  .strict()
  .describe('A dombuild system: Xen, an optional dom0, and guest domains');

export type DomainInput = z.input<typeof domainSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** A guest domain with defaults applied. `unknownParams` holds params kept verbatim. */
export type Domain = z.output<typeof domainSchema> & { unknownParams?: string[] };
export type Dom0 = z.output<typeof dom0Schema>;
export type Cpupool = z.output<typeof cpupoolSchema>;
export type XenSettings = z.output<typeof xenSchema>;
export type BoardSetting = z.output<typeof boardSchema>;
export type BootSettings = z.output<typeof bootSchema>;
export type MediaSettings = z.output<typeof mediaSchema>;
export type Config = Omit<z.output<typeof configSchema>, 'domains'> & { domains: Domain[] };
