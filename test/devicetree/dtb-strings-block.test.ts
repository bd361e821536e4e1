// writeDtb's stringsBlock option: the given block is written verbatim and every name points into
// it (whole string or tail, first occurrence, as libfdt's fdt_find_string). Judge: dtc re-flattening
// our blob (which rebuilds the strings block its own way) gives the plain writeDtb bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BlobReader,
  FDT_BEGIN_NODE,
  FDT_PROP,
  printDts,
  readDtb,
  readDtbHeader,
  Tree,
  TreeError,
  value,
  writeDtb,
} from '../../devicetree/index.js';
import { requireTools } from '../support/tools.js';
import { arbTree } from './fixtures/arb-tree.js';
import { dtcOk, same } from './fixtures/dtc.js';

const gate = requireTools(['dtc'], 'apt-get install device-tree-compiler');
const trees = arbTree({ hints: false, maxBootCpuid: 0xfffffffe });
const enc = (s: string) => new TextEncoder().encode(s);

function stringsOf(blob: Uint8Array): Uint8Array {
  const h = readDtbHeader(blob);
  return blob.subarray(h.offDtStrings, h.offDtStrings + h.sizeDtStrings);
}

/** Name offsets of the properties, in structure order. */
function nameOffsets(blob: Uint8Array): number[] {
  const h = readDtbHeader(blob);
  const r = new BlobReader(blob);
  const out: number[] = [];
  for (let o = h.offDtStruct; o < h.offDtStrings; ) {
    const tag = r.u32(o);
    if (tag === FDT_BEGIN_NODE) o += 4 + ((r.cstr(o + 4, h.offDtStrings).length + 1 + 3) & ~3);
    else if (tag === FDT_PROP) {
      out.push(r.u32(o + 8));
      o += 12 + ((r.u32(o + 4) + 3) & ~3);
    } else o += 4;
  }
  return out;
}

describe('writeDtb stringsBlock', () => {
  it('writes the block verbatim and points names at the first occurrence, tails included', () => {
    const t = new Tree();
    t.root.setProp('reg', value.u32(1));
    t.root.setProp('compatible', value.string('x'));
    const block = enc('interrupt-reg\0compatible\0reg\0');
    const blob = writeDtb(t, { stringsBlock: block });
    expect(stringsOf(blob)).toEqual(block);
    expect(readDtbHeader(blob).totalsize).toBe(blob.length);
    // "reg" is the tail of "interrupt-reg" at 10, before the whole "reg" at 25
    expect(nameOffsets(blob)).toEqual([10, 14]);
    expect(printDts(readDtb(blob))).toBe(printDts(t));
  });

  it('refuses a block that lacks a name', () => {
    const t = new Tree();
    t.root.setProp('status', value.string('okay'));
    expect(() => writeDtb(t, { stringsBlock: enc('stat\0') })).toThrow(TreeError);
  });

  describe.skipIf(!gate.available)('against dtc', () => {
    it('the same tree as plain writeDtb: readDtb agrees, and dtc re-flattens it to the plain bytes', () => {
      fc.assert(
        fc.property(trees, fc.array(fc.stringMatching(/^[a-z,#-]{1,12}$/), { maxLength: 4 }), (t, junk) => {
          const plain = writeDtb(t);
          const block = new Uint8Array([...enc(junk.map((j) => `${j}\0`).join('')), ...stringsOf(plain)]);
          const blob = writeDtb(t, { stringsBlock: block });
          expect(stringsOf(blob)).toEqual(block);
          expect(printDts(readDtb(blob))).toBe(printDts(t));
          const theirs = dtcOk('dtb', 'dtb', blob, ['-f']);
          expect(same(theirs, plain)).toBe(true);
        }),
        { numRuns: 40 },
      );
    });
  });
});
