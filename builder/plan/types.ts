// The boot plan: where every byte the loader puts in RAM goes. A leaf module (types only) so the
// emitters (U-Boot script, dom0less DT, FIT) and the planner depend on it, not on each other.
// Addresses and sizes are bigints: boards have RAM above 4 GiB.

/** How the images reach RAM: QEMU's own loader (`-kernel`, `-device loader`) or a U-Boot script. */
export type BootMethod = 'direct' | 'uboot';

/** What a placed range holds; emitters pick compatibles and load commands from this. */
export type ImageRole =
  | 'xen' // the hypervisor image
  | 'xsm-policy' // Xen's XSM/FLASK policy (a /chosen module)
  | 'kernel' // a domain's kernel (multiboot,kernel)
  | 'ramdisk' // a domain's initrd (multiboot,ramdisk)
  | 'device-tree' // a domain's passthrough partial DTB (multiboot,device-tree)
  | 'dtb' // the host device tree handed to Xen (system.dtb)
  | 'script' // boot.scr, while U-Boot runs it
  | 'fit'; // boot.itb, while U-Boot unpacks it

/** One range the plan places. `name` is unique in the plan: `xen`, `dtb`, `boot.scr`, `domU1/kernel`. */
export interface PlannedImage {
  name: string;
  role: ImageRole;
  /** The owning domain for kernel/ramdisk/device-tree. */
  domain?: string;
  /** Absolute path of the source file, when the image comes from one. */
  file?: string;
  /** Load address (aligned to the plan's alignment unless fixed by the board or QEMU). */
  address: bigint;
  /** Bytes the loader writes: the exact image size, which is what goes in a module's `reg`. */
  size: bigint;
  /** Bytes kept free from `address` on: `size`, or more (BSS past the file, room for a DTB to grow). */
  effectiveSize: bigint;
  /** Hex sha256 of the file, when it was read. */
  sha256?: string;
  /** True when the size is a stand-in (e.g. a missing Xen image); the plan is then only indicative. */
  placeholder?: boolean;
}

/** Why a range of RAM is not available to the allocator. */
export type ExclusionReason =
  | 'reserved-memory' // a /reserved-memory child of the board DTB
  | 'memreserve' // a /memreserve/ entry of the board DTB
  | 'board-reserved' // a range the board descriptor reserves
  | 'static-memory' // a domain's xen,static-mem bank
  | 'static-heap' // Xen's xen,static-heap
  | 'shared-memory' // a host range of xen,shared-mem
  | 'uboot-relocation' // where U-Boot relocated itself (code, heap, stack, control FDT)
  | 'firmware' // what firmware or QEMU's own loader put in RAM (boot stub, initial DTB)
  | 'user'; // an extra exclusion from the config

export interface ExcludedRange {
  /** Unique, readable: `reserved-memory/optee@7e000000`, `domU1/static-mem[0]`, `uboot-relocation`. */
  name: string;
  reason: ExclusionReason;
  start: bigint;
  size: bigint;
}

export interface RamBank {
  start: bigint;
  size: bigint;
}

/** Enough of the board for readers of plan.json; the full descriptor stays in boards/. */
export interface PlanBoardRef {
  name: string;
  arch: 'arm64' | 'arm32' | 'x86_64';
  ram: RamBank[];
}

export interface BootPlan {
  board: PlanBoardRef;
  method: BootMethod;
  /** Alignment every allocated image honours (bytes, a power of two). */
  alignment: bigint;
  /** Every placed range in address order; `xen`, `dtb` and (uboot) `boot.scr` are among them. */
  images: PlannedImage[];
  /** Every range kept out of the allocator, in address order. */
  excluded: ExcludedRange[];
  xenAddress: bigint;
  dtbAddress: bigint;
  /** Where U-Boot holds boot.scr while it runs it (uboot method only). */
  scriptAddress?: bigint;
  /** Where boot.itb is loaded, when a FIT is planned. */
  fitAddress?: bigint;
  /** The largest stretch of RAM still free after placement (none when RAM is full). */
  largestFreeGap: RamBank | undefined;
}

/** An image the config names (or dombuild generates), as the resolver found it: what the plan places. */
export interface ResolvedImage {
  /** Unique plan name: `xen`, `xsm-policy`, `dom0/kernel`, `domU1/ramdisk`, `domU1/device-tree`. */
  name: string;
  role: ImageRole;
  domain?: string;
  /** Absolute path, for images read from disk. */
  file?: string;
  /** Bytes the loader writes (the file length). */
  size: bigint;
  /** Bytes that must stay free at the load address (image_size of an arm64 Image when larger). */
  effectiveSize: bigint;
  sha256?: string;
  /** gzip data (Xen decompresses kernels itself; the room needed after that is unknown). */
  gzip?: boolean;
  /** arm64 Image text_offset: QEMU's -kernel and booti load at a 2 MiB boundary plus this. */
  textOffset?: bigint;
  /** A stand-in size for an image that is not there yet; the plan is indicative only. */
  placeholder?: boolean;
  /** Bytes dombuild writes itself (the probe guest); the build writes exactly these. */
  generated?: Uint8Array;
  /** Per-image U-Boot load command overriding the board's. */
  loadCommand?: string;
  /** Bytes dombuild generates later (partial DTB from `passthrough.devices`): room reserved. */
  reservedOnly?: boolean;
}
