// Dynamic mode's room for the U-Boot script: the free RAM the images may be placed in at boot and
// the ranges U-Boot's loader must keep, both from the static plan, so the two modes avoid the same
// memory.
import type { Node, Tree } from '../../devicetree/tree.js';
import type { Config } from '../../schema/config.js';
import { FreeList } from '../plan/free-list.js';
import type { BootPlan, PlannedImage } from '../plan/types.js';
import type { DynamicLayout, ScriptSpec } from './script.js';

/**
 * Dynamic mode's room: the RAM the static plan could allocate from (boot.memoryStart..memoryEnd,
 * minus every excluded range and the script), and the excluded ranges themselves, which the script
 * tells U-Boot's loader to keep. Images loaded at boot may differ in size from the plan's, so the
 * script places them itself; the plan's extra room past a file (an Image's BSS) goes with them.
 */
export function dynamicLayout(
  config: Config,
  plan: BootPlan,
  boardTree: Tree,
  order: PlannedImage[],
  ids: ReadonlyMap<string, string>,
  modules: ReadonlyMap<string, Node>,
  fdt: ScriptSpec['fdt'],
): DynamicLayout {
  const free = new FreeList(plan.board.ram);
  if (config.boot.memoryStart !== undefined) free.exclude(0n, config.boot.memoryStart);
  if (config.boot.memoryEnd !== undefined)
    free.exclude(config.boot.memoryEnd, (1n << 64n) - config.boot.memoryEnd);
  const keep: DynamicLayout['keep'] = [];
  const inRam = (start: bigint, size: bigint) =>
    plan.board.ram.some((r) => start < r.start + r.size && r.start < start + size);
  for (const e of plan.excluded) {
    free.exclude(e.start, e.size);
    // U-Boot reserves its own relocated self for its loaders already (from its stack to the end of
    // the bank), and refuses a second, overlapping reservation with an error line; the plan's
    // estimate of that area stays out of the free ranges, so nothing is placed there.
    if (e.reason !== 'uboot-relocation' && inRam(e.start, e.size))
      keep.push({ start: e.start, size: e.size });
  }
  for (const img of plan.images) {
    if (img.role !== 'script') continue;
    free.exclude(img.address, img.effectiveSize);
    keep.push({ start: img.address, size: img.effectiveSize });
  }
  const tail: Record<string, bigint> = {};
  for (const img of order) {
    const extra = img.effectiveSize - img.size;
    if (extra > 0n) tail[ids.get(img.name)!] = extra;
  }
  const layout: DynamicLayout = {
    align: plan.alignment,
    free: free.intervals(),
    keep,
    tail,
    regs: order
      .filter((i) => modules.has(i.name))
      .map((i) => ({ node: modules.get(i.name)!, image: ids.get(i.name)!, addressCells: 2, sizeCells: 2 })),
  };
  if (fdt.kind === 'control') layout.controlReserves = boardTree.memreserves.length;
  return layout;
}
