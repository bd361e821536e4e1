// system.dtb exactly as `fdtoverlay -i board.dtb -o system.dtb chosen.dtbo` writes it. The
// structure block is writeDtb's (applyEdits already puts nodes and properties where libfdt
// does); only the strings block differs: libfdt keeps the board's block as it was and appends
// each new name when it first sets it, where dtc numbers names in first-use order. So writeDtb
// is handed libfdt's block (its `stringsBlock` option) and points each name into it.
import { readDtbHeader, writeDtb } from '../../devicetree/dtb.js';
import { BlobReader } from '../../devicetree/reader.js';
import type { Tree } from '../../devicetree/tree.js';
import { mergedStringsBlock, type TreeEdits } from './edits.js';

export function systemDtb(
  boardBlob: Uint8Array | undefined,
  base: Tree,
  edits: TreeEdits,
  merged: Tree,
): Uint8Array {
  if (!boardBlob) return writeDtb(merged);
  const bh = readDtbHeader(boardBlob);
  const baseStrings = new BlobReader(boardBlob).bytes(bh.offDtStrings, bh.sizeDtStrings);
  return writeDtb(merged, { stringsBlock: mergedStringsBlock(baseStrings, base, edits) });
}
