// Public surface of boards/: descriptors, the built-in boards, board DTB reading and resolution.

export {
  type BoardDtb,
  type DtbOrigin,
  type DtbSourceOptions,
  dumpQemuDtb,
  loadBoardDtb,
  qemuDumpCacheKey,
} from './dtb-source.js';
export { type DtbFacts, readDtbFacts } from './from-dtb.js';
export { applyDtbFacts } from './merge.js';
export {
  checkQemuQ35Params,
  QEMU_Q35_DEFAULTS,
  QEMU_Q35_LIMITS,
  type QemuQ35Params,
  qemuQ35Args,
  qemuQ35Board,
  qemuQ35Ram,
} from './qemu-q35.js';
export {
  checkQemuVirtParams,
  QEMU_UBOOT_RELOCATION_SIZE,
  QEMU_VIRT_DEFAULTS,
  QEMU_VIRT_LIMITS,
  qemuDirectDtbAddress,
  qemuVirtArgs,
  qemuVirtBoard,
} from './qemu-virt.js';
export {
  buildQemuVirtDtb,
  QEMU_VIRT_DTB_VERSION,
  QEMU_VIRT_RAM_BASE,
  type QemuVirtParams,
  qemuVirtMpidr,
} from './qemu-virt-dtb.js';
export {
  type BoardListing,
  type BoardSelection,
  DEFAULT_BOARD,
  listBoards,
  parseBoardSpec,
  type ResolveBoardOptions,
  type ResolvedBoard,
  resolveBoard,
} from './resolve.js';
export type {
  Board,
  BoardCpu,
  BoardDiagnostic,
  BoardDiagnosticId,
  BoardDtbSource,
  BoardGic,
  BoardRange,
  BoardRangeSource,
  MemRange,
  QemuDirectBoot,
  QemuEmulation,
  UbootDefaults,
} from './types.js';
export { parseUserBoard, type UserBoardInput, userBoardSchema } from './user-board.js';
export { rpi4Board, rpi4RamBanks, UBOOT_RELOCATION_ESTIMATE, zcu102Board } from './vendor.js';
