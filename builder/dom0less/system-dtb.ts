// system.dtb exactly as `fdtoverlay -i board.dtb -o system.dtb chosen.dtbo` writes it. The
// structure block is writeDtb's (applyEdits already puts nodes and properties where libfdt
// does); only the strings block differs: libfdt keeps the board's block as it was and appends
// each new name when it first sets it, where dtc numbers names in first-use order. So the
// blob writeDtb made gets libfdt's block and its name offsets re-pointed into it.
// (This belongs in writeDtb as an option, e.g. `stringsBlock`; until then it lives here and
// reads the blob it just wrote only through the checked BlobReader.)
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_NOP,
  FDT_PROP,
  readDtbHeader,
  writeDtb,
} from '../../devicetree/dtb.js';
import { BlobReader } from '../../devicetree/reader.js';
import type { Tree } from '../../devicetree/tree.js';
import { EditError, mergedStringsBlock, type TreeEdits } from './edits.js';

export function systemDtb(
  boardBlob: Uint8Array | undefined,
  base: Tree,
  edits: TreeEdits,
  merged: Tree,
): Uint8Array {
  const written = writeDtb(merged);
  if (!boardBlob) return written;
  const bh = readDtbHeader(boardBlob);
  const baseStrings = new BlobReader(boardBlob).bytes(bh.offDtStrings, bh.sizeDtStrings);
  const block = mergedStringsBlock(baseStrings, base, edits);

  const h = readDtbHeader(written);
  const r = new BlobReader(written);
  const strEnd = h.offDtStrings + h.sizeDtStrings;
  const out = new Uint8Array(h.offDtStrings + block.length);
  out.set(written.subarray(0, h.offDtStrings));
  out.set(block, h.offDtStrings);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, out.length); // totalsize
  dv.setUint32(32, block.length); // size_dt_strings

  const offsets = new Map<string, number>();
  const find = (name: string): number => {
    let off = offsets.get(name);
    if (off === undefined) {
      off = indexOfName(block, name);
      if (off < 0) throw new EditError(`property name "${name}" is missing from the strings block`);
      offsets.set(name, off);
    }
    return off;
  };
  let o = h.offDtStruct;
  for (;;) {
    const tag = r.u32(o);
    if (tag === FDT_BEGIN_NODE) {
      const { length } = r.cstr(o + 4, h.offDtStrings);
      o += 4 + align4(length + 1);
    } else if (tag === FDT_PROP) {
      const len = r.u32(o + 4);
      const name = r.cstr(h.offDtStrings + r.u32(o + 8), strEnd).text;
      dv.setUint32(o + 8, find(name));
      o += 12 + align4(len);
    } else if (tag === FDT_END_NODE || tag === FDT_NOP) {
      o += 4;
    } else if (tag === FDT_END) {
      break;
    } else {
      throw new EditError(`unexpected tag 0x${tag.toString(16)} at ${o} in a blob writeDtb made`);
    }
  }
  return out;
}

function indexOfName(block: Uint8Array, name: string): number {
  const needle = new TextEncoder().encode(`${name}\0`);
  outer: for (let i = 0; i + needle.length <= block.length; i++) {
    for (let j = 0; j < needle.length; j++) if (block[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
