// A board descriptor: what the planner and the emitters need to know about the machine Xen boots
// on. Pure data; where the board's DTB comes from is described here and fetched elsewhere.

export type Arch = 'arm64' | 'arm32' | 'x86_64';

export interface MemRange {
  start: bigint;
  size: bigint;
}

/** Where a board range comes from; the planner keeps every one of them out of its allocator. */
export type BoardRangeSource = 'reserved-memory' | 'memreserve' | 'board-reserved' | 'firmware';

export interface BoardRange extends MemRange {
  /** Unique and readable: `reserved-memory/optee@7e000000[0]`, `memreserve[0]`, `uboot-env`. */
  name: string;
  source: BoardRangeSource;
}

export interface BoardCpu {
  /** The DT `reg` of the cpu node: the MPIDR affinity bits on Arm. */
  id: bigint;
  /** The node path, e.g. `/cpus/cpu@1`. */
  path: string;
}

export interface BoardGic {
  version: 2 | 3 | 4;
  /** Shared peripheral interrupts the distributor implements (bounds a domain's nr_spis). */
  maxSpis?: number;
  path?: string;
}

/** How U-Boot behaves on this board, for the script emitter and the planner. */
export interface UbootDefaults {
  /** The command that fetches a file to an address, e.g. `tftpb` or `load mmc 0:1`. */
  loadCommand: string;
  /**
   * The U-Boot device (`interface number`) that holds the board's boot medium, e.g. `mmc 0`: the
   * script inside disk.img loads from its first partition with `load <device>:1`.
   */
  diskDevice?: string;
  /** Where U-Boot loads and runs the boot script from (its `scriptaddr`). */
  scriptAddress: bigint;
  /** Room kept for the script at `scriptAddress`. */
  scriptCapacity: bigint;
  /**
   * Bytes at the top of the first (lowest) RAM bank that U-Boot keeps for itself once relocated (code,
   * malloc arena, stack, control FDT, EFI reservations) — its LMB reservation when it boots.
   */
  relocationSize: bigint;
  /** Where firmware left the control FDT, if it is kept there (informational). */
  fdtAddress?: bigint;
}

/** What QEMU's own loader does in direct boot (`-kernel`, `-dtb`), measured with `info roms`. */
export interface QemuDirectBoot {
  /** Start of the RAM QEMU loads into (loader_start). */
  ramBase: bigint;
  /** QEMU's boot stub at ramBase. */
  stubSize: bigint;
  /** An arm64 Image whose text_offset is below this is moved up by 2 MiB (the stub's room). */
  textOffsetFloor: bigint;
  /** Where QEMU puts the DTB given with -dtb (with no -initrd). */
  dtbAddress: bigint;
}

export interface QemuEmulation {
  binary: 'qemu-system-aarch64' | 'qemu-system-arm' | 'qemu-system-x86_64';
  /** Machine flags, exactly as the run and the DTB dump use them. */
  args: string[];
  direct?: QemuDirectBoot;
  /** The U-Boot build that runs this machine (Debian's u-boot-qemu path). */
  ubootBinary?: string;
  /** Xen options the emulated machine needs, which `run` adds to the command line. */
  xenOptions?: string;
}

/** Where the board's device tree comes from. */
export type BoardDtbSource =
  | { kind: 'qemu'; args: string[]; binary: string } // dumpdtb with these flags, or our generated equivalent
  | { kind: 'file'; path: string } // a DTB on disk (user boards, vendor boards given --board-dtb)
  | { kind: 'user'; hint: string } // vendor board: the user must supply the DTB
  | { kind: 'none'; reason: string }; // x86: Xen boots from a module list and reads no DTB

export interface Board {
  name: string;
  description: string;
  arch: Arch;
  ram: MemRange[];
  reserved: BoardRange[];
  cpus: BoardCpu[];
  gic?: BoardGic;
  /** Path (or alias) of the UART Xen uses as its console (`dtuart=`). */
  console?: string;
  uboot?: UbootDefaults;
  qemu?: QemuEmulation;
  dtb: BoardDtbSource;
}

export interface BoardDiagnostic {
  id: BoardDiagnosticId;
  severity: 'error' | 'warning';
  message: string;
  hint?: string;
  /** Where: a DTB node path, a YAML file:line:col, or a descriptor field. */
  where?: string;
}

export type BoardDiagnosticId =
  | 'board-unknown'
  | 'board-param-invalid'
  | 'board-dtb-missing'
  | 'board-dtb-invalid'
  | 'board-dtb-no-memory'
  | 'board-dtb-bad-reg'
  | 'board-dtb-mismatch'
  | 'board-dtb-no-gic'
  | 'board-yaml-invalid'
  | 'board-qemu-dump-failed';
