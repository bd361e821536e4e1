// config + board + resolved images → BootPlan. Pure: no disk, no clock, no environment.
//
// 1. Exclusions: the board's reserved ranges (/reserved-memory, /memreserve/, firmware), every
//    domain's static-memory banks, Xen's static heap, static shared-memory host ranges, U-Boot's
//    relocated self at the top of RAM (uboot), and QEMU's boot stub (direct).
// 2. Fixed placements: in direct mode QEMU decides where Xen (RAM base + text_offset, moved up
//    2 MiB when the offset is under the stub's room) and the DTB go; in U-Boot mode the script
//    sits where U-Boot runs it. These are checked, never moved.
// 3. Everything else is allocated first-fit from the lowest address, in a fixed order, at the
//    configured alignment, inside boot.memoryStart..memoryEnd when given.
// A fixed placement that collides, or an image that does not fit, is a diagnostic naming it.
import type { Board } from '../../boards/types.js';
import { ramFitMessage, xenRamFit } from '../../schema/checks/memory.js';
import type { Config } from '../../schema/config.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import { XEN_MEMORY } from '../../schema/xen-memory.js';
import { alignUp, FreeList } from './free-list.js';
import type {
  BootMethod,
  BootPlan,
  ExcludedRange,
  ExclusionReason,
  PlannedImage,
  ResolvedImage,
} from './types.js';

const KiB = 1n << 10n;
const MiB = 1n << 20n;
/** booti wants an arm64 Image at a 2 MiB boundary plus its text_offset. */
const IMAGE_BOUNDARY = 2n * MiB;
/** Smallest room kept for the DTB handed to Xen; grows with the board DTB. */
const MIN_DTB_ROOM = 512n * KiB;
/** Room for what the build adds to the board DTB (domain nodes, modules, fdt edits at boot). */
const DTB_GROWTH = 256n * KiB;
/** QEMU copies a -dtb blob into a ROM of 2 * (size + 10000) bytes (load_device_tree). */
const qemuDtbRom = (room: bigint) => 2n * (room + 10_000n);
const FIT_SLACK = 64n * KiB;

export interface PlanInput {
  config: Config;
  board: Board;
  images: ResolvedImage[];
  /** Size of the board DTB as written (the DTB room is derived from it). */
  boardDtbSize?: bigint;
  /**
   * --no-validate: plan-xen-ram (a judgment of what Xen will do, not a placement that cannot be
   * made) is a warning, so the boot shows what Xen does.
   */
  unchecked?: boolean;
}

export interface PlanResult {
  /** Absent when any error diagnostic was raised, or when the board has no plan (x86: see noPlan). */
  plan?: BootPlan;
  diagnostics: Diagnostic[];
}

/**
 * Why the board gets no memory plan, as a note (not an error: nothing is wrong with the config).
 * On x86 the loader (GRUB, EFI or QEMU's multiboot loader) chooses where Xen and its modules go,
 * so there are no load addresses to plan; the build writes module lists instead.
 */
export function noPlan(board: Board): Diagnostic | undefined {
  if (board.arch !== 'x86_64') return undefined;
  return {
    id: 'plan-x86-loader-places',
    severity: 'info',
    message: `no memory plan on ${board.arch}: the boot loader (GRUB, EFI or QEMU's multiboot loader) places Xen and its modules`,
    path: 'boot.method',
    hint: 'dombuild build writes the module list (grub.cfg, xen.cfg) and dombuild run boots it; plans are for Arm boards',
  };
}

export function planLayout(input: PlanInput): PlanResult {
  const { config, board, images } = input;
  const diagnostics: Diagnostic[] = [];
  const error = (id: string, message: string, path: string, hint?: string) => {
    const d: Diagnostic = { id, severity: 'error', message, path };
    if (hint !== undefined) d.hint = hint;
    diagnostics.push(d);
  };

  const none = noPlan(board);
  if (none) return { diagnostics: [none] };
  // Arm EFI: UEFI allocates where Xen's EFI stub loads each module, so the addresses are not
  // used at boot; the plan is made as for U-Boot only to check that everything fits and to name
  // the module nodes (efi.img's tree carries no reg, media/efi-partition.ts).
  const method = config.boot.method === 'efi' ? 'uboot' : config.boot.method;
  if (method !== 'uboot' && method !== 'direct') {
    error(
      'plan-method-unsupported',
      `boot.method ${method} has no memory plan on ${board.arch} (Xen's loader places the modules)`,
      'boot.method',
      'use uboot or direct for Arm boards',
    );
    return { diagnostics };
  }
  const direct = method === 'direct' ? board.qemu?.direct : undefined;
  if (method === 'direct' && !direct) {
    error(
      'plan-direct-needs-qemu',
      `board ${board.name} cannot be booted by QEMU's loader`,
      'boot.method',
      'use method: uboot',
    );
    return { diagnostics };
  }
  if (method === 'uboot' && !board.uboot) {
    error(
      'plan-uboot-unknown',
      `board ${board.name} has no U-Boot defaults`,
      'board',
      'give uboot: in the board file',
    );
    return { diagnostics };
  }
  const align = config.boot.align;
  if (align < 4n * KiB || (align & (align - 1n)) !== 0n) {
    error(
      'plan-align-invalid',
      `boot.align 0x${align.toString(16)} is not a power of two of at least 4 KiB`,
      'boot.align',
    );
    return { diagnostics };
  }
  if (board.ram.length === 0) {
    error('plan-no-ram', `board ${board.name} has no RAM banks`, 'board');
    return { diagnostics };
  }

  // 1. exclusions
  const excluded: ExcludedRange[] = [];
  const exclude = (name: string, reason: ExclusionReason, start: bigint, size: bigint) => {
    if (size > 0n) excluded.push({ name, reason, start, size });
  };
  for (const r of board.reserved) exclude(r.name, r.source, r.start, r.size);
  for (const d of config.domains) {
    d.staticMemory?.forEach((b, i) => {
      exclude(`${d.name}/static-mem[${i}]`, 'static-memory', b.base, b.size);
    });
  }
  config.xen.staticHeap?.forEach((b, i) => {
    exclude(`xen/static-heap[${i}]`, 'static-heap', b.base, b.size);
  });
  const shm = new Set<string>();
  for (const d of config.domains) {
    for (const s of d.sharedMemory ?? []) {
      if (s.host === undefined || shm.has(`${s.id}@${s.host}`)) continue;
      shm.add(`${s.id}@${s.host}`);
      exclude(`shm/${s.id}`, 'shared-memory', s.host, s.size);
    }
  }
  // U-Boot relocates to gd->ram_top, the end of the first DRAM bank (fdtdec_setup_mem_size_base
  // reads the first /memory range): the lowest bank on every board we know.
  const top = board.ram.reduce((m, r) => (r.start < m.start ? r : m));
  if (method === 'uboot' && board.uboot) {
    const size = minBig(board.uboot.relocationSize, top.size);
    exclude('uboot-relocation', 'uboot-relocation', top.start + top.size - size, size);
  }
  if (direct) exclude('qemu/boot-stub', 'firmware', direct.ramBase, direct.stubSize);
  excluded.sort(byStart);

  // The allocator sees only the loadable window; fixed placements are checked against all RAM.
  const free = new FreeList(board.ram);
  const lo = config.boot.memoryStart;
  const hi = config.boot.memoryEnd;
  if (lo !== undefined) free.exclude(0n, lo);
  if (hi !== undefined) free.exclude(hi, (1n << 64n) - hi);
  for (const e of excluded) free.exclude(e.start, e.size);

  const placed: PlannedImage[] = [];
  const byName = new Map(images.map((i) => [i.name, i]));
  const dtbRoom = maxBig(MIN_DTB_ROOM, alignUp((input.boardDtbSize ?? 0n) + DTB_GROWTH, 64n * KiB));

  const fix = (img: PlannedImage, path: string) => {
    const inRam = board.ram.some(
      (r) => img.address >= r.start && img.address + img.effectiveSize <= r.start + r.size,
    );
    if (!inRam) {
      error(
        'plan-outside-ram',
        `${img.name} at ${hex(img.address)} (+${hex(img.effectiveSize)}) is not inside RAM`,
        path,
      );
    }
    for (const e of excluded) {
      if (overlaps(img.address, img.effectiveSize, e.start, e.size)) {
        error(
          'plan-overlap',
          `${img.name} at ${hex(img.address)}..${hex(img.address + img.effectiveSize)} overlaps ${e.name} (${e.reason}) at ${hex(e.start)}..${hex(e.start + e.size)}`,
          path,
          'move the reserved or static range, or shrink the image',
        );
      }
    }
    for (const p of placed) {
      if (overlaps(img.address, img.effectiveSize, p.address, p.effectiveSize)) {
        error(
          'plan-overlap',
          `${img.name} at ${hex(img.address)}..${hex(img.address + img.effectiveSize)} overlaps ${p.name} at ${hex(p.address)}..${hex(p.address + p.effectiveSize)}`,
          path,
        );
      }
    }
    free.exclude(img.address, img.effectiveSize);
    placed.push(img);
  };

  // 2. fixed placements
  const xen = byName.get('xen');
  if (!xen) {
    error('plan-no-xen', 'no Xen image was resolved', 'xen.image');
    return { diagnostics };
  }
  if (direct) {
    const off = xen.textOffset ?? 0n;
    fix(
      planned(xen, direct.ramBase + (off < direct.textOffsetFloor ? off + IMAGE_BOUNDARY : off)),
      'xen.image',
    );
    fix(
      {
        name: 'dtb',
        role: 'dtb',
        address: direct.dtbAddress,
        size: dtbRoom,
        effectiveSize: qemuDtbRom(dtbRoom),
      },
      'board',
    );
  } else if (board.uboot) {
    const u = board.uboot;
    fix(
      {
        name: 'boot.scr',
        role: 'script',
        address: u.scriptAddress,
        size: u.scriptCapacity,
        effectiveSize: u.scriptCapacity,
      },
      'board',
    );
  }

  // 3. allocation, in a fixed order: Xen, its policy, the DTB, dom0, then each domain as listed.
  const alloc = (img: PlannedImage, path: string, boundary?: bigint) => {
    const a = boundary !== undefined && boundary > align ? boundary : align;
    const offset = boundary !== undefined ? img.address % a : 0n;
    const addr = free.firstFit(img.effectiveSize, a, offset);
    if (addr === undefined) {
      const gap = free.largest();
      error(
        'plan-no-room',
        `${img.name} (${fmtSize(img.effectiveSize)}) does not fit: the largest free gap left is ${
          gap ? `${fmtSize(gap.end - gap.start)} at ${hex(gap.start)}` : 'none'
        }`,
        path,
        'give the board more RAM, shrink images, or move static/reserved ranges',
      );
      return;
    }
    img.address = addr;
    free.exclude(addr, img.effectiveSize);
    placed.push(img);
  };

  if (!direct) {
    const x = planned(xen, xen.textOffset ?? 0n);
    alloc(x, 'xen.image', IMAGE_BOUNDARY);
  }
  const xsm = byName.get('xsm-policy');
  if (xsm) alloc(planned(xsm, 0n), 'xen.xsmPolicy');
  if (!direct)
    alloc({ name: 'dtb', role: 'dtb', address: 0n, size: dtbRoom, effectiveSize: dtbRoom }, 'board');
  const order: [string, string][] = [];
  if (config.dom0) order.push(['dom0/kernel', 'dom0.kernel'], ['dom0/ramdisk', 'dom0.ramdisk']);
  config.domains.forEach((d, i) => {
    order.push(
      [`${d.name}/kernel`, `domains[${i}].kernel`],
      [`${d.name}/ramdisk`, `domains[${i}].ramdisk`],
      [`${d.name}/device-tree`, `domains[${i}].passthrough`],
    );
  });
  for (const [name, path] of order) {
    const img = byName.get(name);
    if (img) alloc(planned(img, 0n), path);
  }
  let fitAddress: bigint | undefined;
  if (method === 'uboot' && config.boot.fit) {
    const total = placed.filter((p) => p.role !== 'script').reduce((n, p) => n + p.size, 0n) + FIT_SLACK;
    const fit: PlannedImage = {
      name: 'boot.itb',
      role: 'fit',
      address: 0n,
      size: total,
      effectiveSize: total,
    };
    alloc(fit, 'boot.fit');
    if (placed.includes(fit)) fitAddress = fit.address;
  }

  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  xenRamWithModules(config, board, placed, diagnostics, input.unchecked === true);
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  placed.sort(byAddress);
  const gap = free.largest();
  const plan: BootPlan = {
    board: {
      name: board.name,
      arch: board.arch,
      ram: board.ram.map((r) => ({ start: r.start, size: r.size })),
    },
    method: method as BootMethod,
    alignment: align,
    images: placed,
    excluded,
    xenAddress: placed.find((p) => p.name === 'xen')!.address,
    dtbAddress: placed.find((p) => p.name === 'dtb')!.address,
    largestFreeGap: gap ? { start: gap.start, size: gap.end - gap.start } : undefined,
  };
  const script = placed.find((p) => p.role === 'script');
  if (script) plan.scriptAddress = script.address;
  if (fitAddress !== undefined) plan.fitAddress = fitAddress;
  return { plan, diagnostics };
}

/**
 * board-ram with the boot modules counted: Xen keeps every module in RAM until all the boot-time
 * domains are built (discard_initial_modules() after create_domUs()), so a large kernel or ramdisk
 * takes from what the domains can have, byte for byte (measured: a 32 MiB kernel lowers the
 * largest domain on 2 GiB from 2008 to 1976 MiB). The check table cannot count them (validate
 * does not read the images); the plan knows their sizes.
 */
function xenRamWithModules(
  config: Config,
  board: Board,
  placed: PlannedImage[],
  diagnostics: Diagnostic[],
  unchecked: boolean,
): void {
  if (board.arch !== 'arm64') return;
  const modules = placed.filter((p) => MODULE_ROLES.has(p.role)).reduce((n, p) => n + p.size, 0n);
  const facts = {
    name: board.name,
    arch: board.arch,
    ramBanks: board.ram.map((r) => ({ base: r.start, size: r.size })),
    reserved: board.reserved.map((r) => ({ base: r.start, size: r.size })),
    cpuIds: board.cpus.map((c) => Number(c.id)),
  };
  const m = XEN_MEMORY[config.xen.release];
  const beyond = modules > m.modulesInFixedBytes ? modules - m.modulesInFixedBytes : 0n;
  const fit = xenRamFit(config, facts, m, beyond);
  if (!fit || fit.short <= 0n) return;
  const said = ramFitMessage(fit, board.name, config);
  diagnostics.push({
    id: 'plan-xen-ram',
    severity: unchecked ? 'warning' : 'error',
    message: said.message,
    path: fit.reportAt === undefined ? 'domains' : `domains[${fit.reportAt}].memory`,
    hint: said.hint,
  });
}

const MODULE_ROLES = new Set<PlannedImage['role']>(['kernel', 'ramdisk', 'device-tree', 'xsm-policy']);

/** A resolved image as a plan entry at `address` (0 until allocated; the text_offset for Xen). */
function planned(img: ResolvedImage, address: bigint): PlannedImage {
  const p: PlannedImage = {
    name: img.name,
    role: img.role,
    address,
    size: img.size,
    effectiveSize: img.effectiveSize,
  };
  if (img.domain !== undefined) p.domain = img.domain;
  if (img.file !== undefined) p.file = img.file;
  if (img.sha256 !== undefined) p.sha256 = img.sha256;
  if (img.placeholder) p.placeholder = true;
  return p;
}

function overlaps(a: bigint, as: bigint, b: bigint, bs: bigint): boolean {
  return a < b + bs && b < a + as;
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function byStart(a: { start: bigint; name: string }, b: { start: bigint; name: string }): number {
  return a.start < b.start ? -1 : a.start > b.start ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function byAddress(a: PlannedImage, b: PlannedImage): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : 0;
}

export function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

export function fmtSize(v: bigint): string {
  if (v >= MiB && v % MiB === 0n) return `${v / MiB} MiB`;
  if (v >= MiB) return `${(Number(v) / Number(MiB)).toFixed(1)} MiB`;
  if (v >= KiB && v % KiB === 0n) return `${v / KiB} KiB`;
  if (v >= KiB) return `${(Number(v) / Number(KiB)).toFixed(1)} KiB`;
  return `${v} B`;
}
