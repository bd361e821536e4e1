// The flattened device tree (DTB) codec. `readDtb` applies libfdt's header and structure checks
// to hostile bytes (through BlobReader only) and caps depth, counts and size; `writeDtb` lays a
// tree out exactly as `dtc -O dtb` does, so our blobs and dtc's compare byte for byte.
import { DtbError, TreeError } from './errors.js';
import { BlobReader } from './reader.js';
import { type MemReserve, Node, type Property, Tree } from './tree.js';

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;

/** Header sizes by layout version: v16 ends after size_dt_strings, v17 adds size_dt_struct. */
const HEADER_V16 = 36;
const HEADER_V17 = 40;
const RESERVE_ENTRY = 16;

export interface DtbLimits {
  /** Deepest node nesting accepted (the root is depth 1). */
  maxDepth: number;
  maxNodes: number;
  maxProps: number;
  maxReserves: number;
  /** Longest node or property name, in bytes (the spec allows 31; real trees stay well under 100). */
  maxNameLength: number;
  /** Largest totalsize accepted, in bytes. */
  maxSize: number;
}

export const defaultDtbLimits: Readonly<DtbLimits> = Object.freeze({
  maxDepth: 64,
  maxNodes: 1_000_000,
  maxProps: 1_000_000,
  maxReserves: 65_536,
  maxNameLength: 4096,
  maxSize: 64 * 1024 * 1024,
});

/** The header fields, as read (for tools that show them, e.g. a dump). */
export interface DtbHeader {
  magic: number;
  totalsize: number;
  offDtStruct: number;
  offDtStrings: number;
  offMemRsvmap: number;
  version: number;
  lastCompVersion: number;
  bootCpuidPhys: number;
  sizeDtStrings: number;
  /** Absent in version 16 blobs. */
  sizeDtStruct: number | undefined;
}

/**
 * Checks the header like libfdt's fdt_check_header: magic, versions, every block inside
 * [header, totalsize] with overflow-safe sums, the reserve map 8-aligned and the structure block
 * 4-aligned. Versions newer than 17 are accepted when they declare compatibility with 17.
 */
export function readDtbHeader(bytes: Uint8Array, limits: Partial<DtbLimits> = {}): DtbHeader {
  const lim = { ...defaultDtbLimits, ...limits };
  const r = new BlobReader(bytes);
  const magic = r.u32(0);
  if (magic !== FDT_MAGIC) throw new DtbError('BADMAGIC', 0, `magic 0x${hex(magic)} is not 0xd00dfeed`);
  if (bytes.length < HEADER_V16)
    throw new DtbError('TRUNCATED', bytes.length, 'blob shorter than its header');
  const version = r.u32(20);
  const lastCompVersion = r.u32(24);
  if (version < 16) throw new DtbError('BADVERSION', 20, `version ${version} is older than 16`);
  if (lastCompVersion > 17)
    throw new DtbError('BADVERSION', 24, `last_comp_version ${lastCompVersion} is newer than 17`);
  if (version < lastCompVersion)
    throw new DtbError('BADVERSION', 20, `version ${version} is below last_comp_version ${lastCompVersion}`);
  const hdrSize = version >= 17 ? HEADER_V17 : HEADER_V16;
  const totalsize = r.u32(4);
  if (totalsize < hdrSize)
    throw new DtbError('TRUNCATED', 4, `totalsize ${totalsize} is smaller than the header`);
  if (totalsize > 0x7fffffff) throw new DtbError('TRUNCATED', 4, `totalsize ${totalsize} is past INT_MAX`);
  if (totalsize > lim.maxSize)
    throw new DtbError('LIMIT', 4, `totalsize ${totalsize} exceeds the ${lim.maxSize}-byte cap`);
  if (totalsize > bytes.length)
    throw new DtbError('TRUNCATED', 4, `totalsize ${totalsize} but only ${bytes.length} bytes given`);
  const h: DtbHeader = {
    magic,
    totalsize,
    offDtStruct: r.u32(8),
    offDtStrings: r.u32(12),
    offMemRsvmap: r.u32(16),
    version,
    lastCompVersion,
    bootCpuidPhys: r.u32(28),
    sizeDtStrings: r.u32(32),
    sizeDtStruct: version >= 17 ? r.u32(36) : undefined,
  };
  if (h.offMemRsvmap % 8 !== 0) throw new DtbError('BADLAYOUT', 16, 'reserve map is not 8-byte aligned');
  if (h.offDtStruct % 4 !== 0) throw new DtbError('BADLAYOUT', 8, 'structure block is not 4-byte aligned');
  checkBlock(hdrSize, totalsize, h.offMemRsvmap, 0, 16, 'reserve map');
  checkBlock(hdrSize, totalsize, h.offDtStruct, h.sizeDtStruct ?? 0, 8, 'structure block');
  checkBlock(hdrSize, totalsize, h.offDtStrings, h.sizeDtStrings, 12, 'strings block');
  return h;
}

function checkBlock(
  hdr: number,
  total: number,
  base: number,
  size: number,
  field: number,
  what: string,
): void {
  // Both values are u32, so base + size is exact in a double; this is libfdt's overflow check.
  if (base < hdr || base > total || base + size > total)
    throw new DtbError('BADLAYOUT', field, `${what} [${base}, +${size}) lies outside [${hdr}, ${total}]`);
}

/** Reads a DTB (versions 16 and 17) into a tree. Throws DtbError, and nothing else, on bad input. */
export function readDtb(bytes: Uint8Array, limits: Partial<DtbLimits> = {}): Tree {
  const lim = { ...defaultDtbLimits, ...limits };
  const h = readDtbHeader(bytes, lim);
  const blob = new BlobReader(bytes).window(0, h.totalsize);
  const tree = new Tree();
  tree.bootCpuid = h.bootCpuidPhys;

  // Reserve map: (address, size) pairs up to the first entry of size 0, as libfdt and dtc stop.
  let off = h.offMemRsvmap;
  for (;;) {
    const address = blob.u64(off);
    const size = blob.u64(off + 8);
    off += RESERVE_ENTRY;
    if (size === 0n) break;
    if (tree.memreserves.length >= lim.maxReserves)
      throw new DtbError('LIMIT', off - RESERVE_ENTRY, `more than ${lim.maxReserves} reserve entries`);
    tree.memreserves.push({ address, size, labels: [] });
  }
  const rsvEnd = off;

  const structEnd = h.sizeDtStruct === undefined ? h.totalsize : h.offDtStruct + h.sizeDtStruct;
  // Version 17 gives every extent up front, so overlaps are refused before any name is read;
  // version 16 learns where the structure block ends by walking it.
  if (h.sizeDtStruct !== undefined) checkDisjoint(h, rsvEnd, structEnd);
  const used = walkStruct(
    // One copy of the structure block; property values are views into it, so the tree shares
    // nothing with the caller's buffer and costs one allocation rather than one per value.
    blob.copy(h.offDtStruct, structEnd),
    blob.window(h.offDtStrings, h.offDtStrings + h.sizeDtStrings),
    h,
    tree,
    lim,
  );
  if (h.sizeDtStruct === undefined) checkDisjoint(h, rsvEnd, used);
  return tree;
}

/** libfdt keeps the blocks apart; a blob whose blocks overlap is refused rather than guessed at. */
function checkDisjoint(h: DtbHeader, rsvEnd: number, structEnd: number): void {
  const blocks: [string, number, number][] = [
    ['reserve map', h.offMemRsvmap, rsvEnd],
    ['structure block', h.offDtStruct, structEnd],
    ['strings block', h.offDtStrings, h.offDtStrings + h.sizeDtStrings],
  ];
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      const [an, a0, a1] = blocks[i]!;
      const [bn, b0, b1] = blocks[j]!;
      if (a0 < a1 && b0 < b1 && a0 < b1 && b0 < a1)
        throw new DtbError('BADLAYOUT', Math.max(a0, b0), `the ${an} overlaps the ${bn}`);
    }
  }
}

interface Open {
  node: Node;
  /** Built only once a node has many children; small ones are scanned. */
  childSet: Set<string> | undefined;
}

/**
 * Gives every property its name from the strings block, then refuses duplicate names within a
 * node (two offsets can hold the same text, so this waits until names are known).
 */
function nameProps(strs: BlobReader, strEnd: number, pending: Pending, tree: Tree, maxName: number): void {
  const names = strs.cstrs(pending.nameAt, strEnd);
  for (const [off, name] of names) {
    // UTF-16 length is at most the byte length, so this refuses every name over the cap in bytes
    // that matters for the work it causes.
    if (name.length > maxName)
      throw new DtbError('LIMIT', off, `property name of ${name.length} characters exceeds ${maxName}`);
  }
  pending.props.forEach((p, i) => {
    p.name = names.get(pending.nameAt[i]!)!;
  });
  const duplicate = (p: Property) =>
    new DtbError('BADSTRUCTURE', pending.at[pending.props.indexOf(p)], `duplicate property "${p.name}"`);
  for (const node of tree.root.walk()) {
    const ps = node.props;
    if (ps.length <= SCAN_LIMIT) {
      for (let i = 1; i < ps.length; i++)
        for (let j = 0; j < i; j++) if (ps[i]!.name === ps[j]!.name) throw duplicate(ps[i]!);
    } else {
      const seen = new Set<string>();
      for (const p of ps) {
        if (seen.has(p.name)) throw duplicate(p);
        seen.add(p.name);
      }
    }
  }
}

/** Properties read but not yet named: where each sits and where its name is. */
interface Pending {
  props: Property[];
  at: number[];
  nameAt: number[];
}

const SCAN_LIMIT = 16;

/** Refuses a duplicate name among `list`; returns the (possibly new) set that indexes it. */
function addUnique(
  set: Set<string> | undefined,
  list: readonly { name: string }[],
  name: string,
  at: number,
  what: string,
): Set<string> | undefined {
  if (set === undefined && list.length < SCAN_LIMIT) {
    for (const x of list)
      if (x.name === name) throw new DtbError('BADSTRUCTURE', at, `duplicate ${what} "${name}"`);
    return undefined;
  }
  set ??= new Set(list.map((x) => x.name));
  if (set.has(name)) throw new DtbError('BADSTRUCTURE', at, `duplicate ${what} "${name}"`);
  set.add(name);
  return set;
}

/** Walks the structure block into `tree`; returns the offset just past FDT_END. */
function walkStruct(st: BlobReader, strs: BlobReader, h: DtbHeader, tree: Tree, lim: DtbLimits): number {
  const strEnd = h.offDtStrings + h.sizeDtStrings;
  // Names are resolved after the walk, all at once (see BlobReader.cstrs).
  const pending: Pending = { props: [], at: [], nameAt: [] };
  const stack: Open[] = [];
  let sawRoot = false;
  let nodes = 0;
  let props = 0;
  let p = h.offDtStruct;
  for (;;) {
    const at = p;
    const tag = st.u32(p);
    p += 4;
    switch (tag) {
      case FDT_BEGIN_NODE: {
        const { text, length } = st.cstr(p);
        if (length > lim.maxNameLength)
          throw new DtbError('LIMIT', p, `node name of ${length} bytes exceeds ${lim.maxNameLength}`);
        p = align4(p + length + 1);
        if (stack.length === 0) {
          if (sawRoot) throw new DtbError('BADSTRUCTURE', at, 'a second root node');
          if (text !== '') throw new DtbError('BADSTRUCTURE', at, 'the root node must have an empty name');
          sawRoot = true;
          tree.root.name = '';
          stack.push({ node: tree.root, childSet: undefined });
        } else {
          if (stack.length >= lim.maxDepth)
            throw new DtbError('LIMIT', at, `nodes nested deeper than ${lim.maxDepth}`);
          if (text === '' || text.includes('/'))
            throw new DtbError('BADSTRUCTURE', at, `node name "${text}" is empty or contains "/"`);
          const top = stack[stack.length - 1]!;
          top.childSet = addUnique(top.childSet, top.node.children, text, at, 'node name');
          const node = new Node(text);
          node.parent = top.node;
          top.node.children.push(node);
          stack.push({ node, childSet: undefined });
        }
        if (++nodes > lim.maxNodes) throw new DtbError('LIMIT', at, `more than ${lim.maxNodes} nodes`);
        break;
      }
      case FDT_END_NODE:
        if (stack.length === 0) throw new DtbError('BADSTRUCTURE', at, 'FDT_END_NODE outside any node');
        stack.pop();
        break;
      case FDT_PROP: {
        const len = st.u32(p);
        const nameoff = st.u32(p + 4);
        if (stack.length === 0) throw new DtbError('BADSTRUCTURE', at, 'property outside any node');
        if (nameoff >= h.sizeDtStrings)
          throw new DtbError('BADOFFSET', at + 8, `name offset ${nameoff} outside the strings block`);
        const value = st.view(p + 8, len);
        p = align4(p + 8 + len);
        const prop: Property = { name: '', value, labels: [] };
        stack[stack.length - 1]!.node.props.push(prop);
        pending.props.push(prop);
        pending.at.push(at);
        pending.nameAt.push(h.offDtStrings + nameoff);
        if (++props > lim.maxProps) throw new DtbError('LIMIT', at, `more than ${lim.maxProps} properties`);
        break;
      }
      case FDT_NOP:
        break;
      case FDT_END:
        if (stack.length !== 0 || !sawRoot)
          throw new DtbError('BADSTRUCTURE', at, 'FDT_END before the root node is closed');
        nameProps(strs, strEnd, pending, tree, lim.maxNameLength);
        return p;
      default:
        throw new DtbError('BADSTRUCTURE', at, `unknown tag 0x${hex(tag)}`);
    }
  }
}

function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

export interface WriteDtbOptions {
  /** Layout version; 17 (dtc's default) unless asked for 16. */
  version?: 16 | 17;
  /**
   * A strings block to write verbatim instead of dtc's. Each property name then points at the
   * first place its bytes and NUL occur in the block, the whole string or the tail of a longer
   * one, as libfdt's fdt_find_string does; a name the block lacks is a TreeError. This is how a
   * blob libfdt edited looks (fdtoverlay keeps the base's block and appends new names to it).
   */
  stringsBlock?: Uint8Array;
}

/**
 * Flattens a tree exactly as `dtc -I dts -O dtb` does: header, 8-aligned reserve map after it
 * with a (0, 0) terminator, the structure block (properties before children, each value padded
 * to 4), then the strings block in first-use order with dtc's sharing of whole and tail strings,
 * and no padding after it (or `opts.stringsBlock` as given). Labels, hints and positions do not
 * reach the blob.
 */
export function writeDtb(tree: Tree, opts: WriteDtbOptions = {}): Uint8Array {
  const version = opts.version ?? 17;
  if (version !== 16 && version !== 17) throw new TreeError(`cannot write DTB version ${String(version)}`);
  if (!Number.isInteger(tree.bootCpuid) || tree.bootCpuid < 0 || tree.bootCpuid > 0xffffffff)
    throw new TreeError(`boot cpuid ${tree.bootCpuid} is not a u32`);
  for (const m of tree.memreserves) checkReserve(m);

  // Pass 1: sizes and the strings block, in the order dtc meets the names. Pass 2 walks the
  // same order, so per-node and per-property results are kept in plain arrays.
  const strings = opts.stringsBlock ? new GivenStrings(opts.stringsBlock) : new StringTable();
  const nodeNames: (string | Uint8Array)[] = [];
  const nameOffs: number[] = [];
  let structSize = 4; // FDT_END
  if (tree.root.name !== '')
    throw new TreeError(`the root node must have an empty name, not "${tree.root.name}"`);
  for (const node of tree.root.walk()) {
    if (node !== tree.root && (node.name === '' || node.name.includes('/')))
      throw new TreeError(
        `node name "${node.name}" under ${node.parent?.path ?? '?'} is empty or contains "/"`,
      );
    const name = asciiOrBytes(node.name, 'node');
    nodeNames.push(name);
    structSize += 4 + align4(name.length + 1) + 4; // BEGIN_NODE, name, END_NODE
    for (const p of node.props) {
      nameOffs.push(strings.offsetOf(p.name));
      structSize += 12 + align4(p.value.length);
    }
  }

  const rsvOff = align8(version === 17 ? HEADER_V17 : HEADER_V16);
  const structOff = rsvOff + (tree.memreserves.length + 1) * RESERVE_ENTRY;
  const stringsOff = structOff + structSize;
  const total = stringsOff + strings.length;
  if (total > 0xffffffff) throw new TreeError(`tree needs ${total} bytes, more than a DTB can hold`);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);

  dv.setUint32(0, FDT_MAGIC);
  dv.setUint32(4, total);
  dv.setUint32(8, structOff);
  dv.setUint32(12, stringsOff);
  dv.setUint32(16, rsvOff);
  dv.setUint32(20, version);
  dv.setUint32(24, 16);
  dv.setUint32(28, tree.bootCpuid);
  dv.setUint32(32, strings.length);
  if (version === 17) dv.setUint32(36, structSize);

  let o = rsvOff;
  for (const m of tree.memreserves) {
    dv.setBigUint64(o, m.address);
    dv.setBigUint64(o + 8, m.size);
    o += RESERVE_ENTRY;
  }

  // Pass 2: the structure block, depth first; an explicit stack keeps deep trees off the JS stack.
  o = structOff;
  const stack: { node: Node; next: number }[] = [];
  let ni = 0;
  let pi = 0;
  const open = (node: Node) => {
    dv.setUint32(o, FDT_BEGIN_NODE);
    const name = nodeNames[ni++]!;
    if (typeof name === 'string') {
      for (let i = 0; i < name.length; i++) out[o + 4 + i] = name.charCodeAt(i);
    } else {
      out.set(name, o + 4);
    }
    o += 4 + align4(name.length + 1);
    for (const p of node.props) {
      dv.setUint32(o, FDT_PROP);
      dv.setUint32(o + 4, p.value.length);
      dv.setUint32(o + 8, nameOffs[pi++]!);
      out.set(p.value, o + 12);
      o += 12 + align4(p.value.length);
    }
    stack.push({ node, next: 0 });
  };
  open(tree.root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const child = top.node.children[top.next++];
    if (child) {
      open(child);
    } else {
      dv.setUint32(o, FDT_END_NODE);
      o += 4;
      stack.pop();
    }
  }
  dv.setUint32(o, FDT_END);
  o += 4;
  if (o !== stringsOff) throw new Error(`internal: structure block ended at ${o}, expected ${stringsOff}`);
  strings.writeTo(out, stringsOff);
  return out;
}

function checkReserve(m: MemReserve): void {
  const u64 = (v: bigint) => typeof v === 'bigint' && v >= 0n && v <= 0xffffffffffffffffn;
  if (!u64(m.address) || !u64(m.size))
    throw new TreeError(`/memreserve/ ${String(m.address)} ${String(m.size)} is not a pair of u64`);
}

const encoder = new TextEncoder();

/** An ASCII name as itself (one byte per char), anything else as its UTF-8 bytes; NUL refused. */
function asciiOrBytes(name: string, what: string): string | Uint8Array {
  let ascii = true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0) throw new TreeError(`${what} name "${name.replace('\0', '\\0')}" contains NUL`);
    if (c >= 0x80) ascii = false;
  }
  return ascii ? name : encoder.encode(name);
}

/** A caller's strings block, searched (not extended) for each name. */
class GivenStrings {
  private readonly text: string;
  private readonly byName = new Map<string, number>();
  readonly length: number;

  constructor(private readonly block: Uint8Array) {
    // one char per byte, so a name's bytes are found by the native string search
    const chunks: string[] = [];
    for (let i = 0; i < block.length; i += 0x8000)
      chunks.push(String.fromCharCode(...block.subarray(i, i + 0x8000)));
    this.text = chunks.join('');
    this.length = block.length;
  }

  offsetOf(name: string): number {
    let off = this.byName.get(name);
    if (off === undefined) {
      const bytes = asciiOrBytes(name, 'property');
      let key = '';
      if (typeof bytes === 'string') key = bytes;
      else for (let i = 0; i < bytes.length; i++) key += String.fromCharCode(bytes[i]!);
      off = this.text.indexOf(`${key}\0`);
      if (off < 0) throw new TreeError(`property name "${name}" is not in the given strings block`);
      this.byName.set(name, off);
    }
    return off;
  }

  writeTo(out: Uint8Array, at: number): void {
    out.set(this.block, at);
  }
}

/**
 * Strings up to this many bytes have every tail indexed. Longer ones are bucketed by their last
 * bytes and scanned within the bucket, which is slow only when many long names share an ending.
 */
const TAIL_INDEX_CAP = 64;

/**
 * dtc's string table: a name reuses the first place in the table where it already occurs as a
 * whole NUL-terminated string or as the tail of one ("reg" inside "interrupt-reg"), else it is
 * appended. Keys are the names' bytes as one char per byte, so matching is byte-exact.
 */
class StringTable {
  private readonly tails = new Map<string, number>();
  /** Strings longer than the cap, bucketed by their last TAIL_INDEX_CAP bytes. */
  private readonly long = new Map<string, { key: string; off: number }[]>();
  private readonly parts: string[] = [];
  length = 0;

  private readonly byName = new Map<string, number>();

  /** The offset for a property name, inserting it on first use. */
  offsetOf(name: string): number {
    let off = this.byName.get(name);
    if (off === undefined) {
      off = this.insert(asciiOrBytes(name, 'property'));
      this.byName.set(name, off);
    }
    return off;
  }

  /** `key` holds one char per byte: the name itself when ASCII, else its UTF-8 bytes. */
  private insert(name: string | Uint8Array): number {
    let key = '';
    if (typeof name === 'string') key = name;
    else for (let i = 0; i < name.length; i++) key += String.fromCharCode(name[i]!);
    if (key.length <= TAIL_INDEX_CAP) {
      const hit = this.tails.get(key);
      if (hit !== undefined) return hit;
    } else {
      // Only a longer string with the same last bytes can end with it; buckets keep table order,
      // so the first match has the lowest offset.
      const bucket = this.long.get(key.slice(-TAIL_INDEX_CAP));
      if (bucket) for (const l of bucket) if (l.key.endsWith(key)) return l.off + l.key.length - key.length;
    }
    const off = this.length;
    for (let k = Math.max(0, key.length - TAIL_INDEX_CAP); k <= key.length; k++) {
      const tail = key.slice(k);
      if (!this.tails.has(tail)) this.tails.set(tail, off + k);
    }
    if (key.length > TAIL_INDEX_CAP) {
      const last = key.slice(-TAIL_INDEX_CAP);
      const bucket = this.long.get(last);
      if (bucket) bucket.push({ key, off });
      else this.long.set(last, [{ key, off }]);
    }
    this.parts.push(key);
    this.length += key.length + 1;
    return off;
  }

  writeTo(out: Uint8Array, at: number): void {
    for (const p of this.parts) {
      for (let i = 0; i < p.length; i++) out[at + i] = p.charCodeAt(i);
      at += p.length + 1;
    }
  }
}

function align8(n: number): number {
  return n + ((8 - (n % 8)) % 8);
}
