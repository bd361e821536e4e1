// libfdt (fdtoverlay, U-Boot's fdt) does not clear the padding after a property value it inserts:
// those 0-3 bytes keep whatever its memmove left there. dtc and writeDtb write zeros. To compare
// a libfdt-made blob with ours byte for byte, the padding is cleared first; every other byte
// (header, reserve map, structure, strings block and its order) is compared as is.
import { BlobReader, FDT_BEGIN_NODE, FDT_END, FDT_PROP, readDtbHeader } from '../../devicetree/index.js';

export function zeroValuePadding(blob: Uint8Array): Uint8Array {
  const out = blob.slice();
  const h = readDtbHeader(out);
  const r = new BlobReader(out);
  let o = h.offDtStruct;
  for (;;) {
    const tag = r.u32(o);
    if (tag === FDT_BEGIN_NODE) {
      o += 4 + ((r.cstr(o + 4, h.offDtStrings).length + 1 + 3) & ~3);
    } else if (tag === FDT_PROP) {
      const len = r.u32(o + 4);
      const padded = (len + 3) & ~3;
      out.fill(0, o + 12 + len, o + 12 + padded);
      o += 12 + padded;
    } else if (tag === FDT_END) {
      return out;
    } else {
      o += 4;
    }
  }
}
