// The "newc" cpio archive (magic 070701) that Linux unpacks as an initramfs: per entry a 110-byte
// ASCII header of 13 eight-digit hexadecimal fields, the NUL-terminated name, the data, each padded
// to 4 bytes; a "TRAILER!!!" entry ends it. Output depends only on the entries: inode numbers are
// the entry index (as GNU cpio --reproducible numbers them), times default to 0, devices are 0.
import { ByteReader, ByteWriter } from './bytes.js';
import { ImageError } from './errors.js';

export type CpioEntryType = 'file' | 'dir' | 'symlink' | 'chardev' | 'blockdev' | 'fifo';

export interface CpioEntry {
  /** Relative path, "/"-separated, no "." or ".." parts; its parent directory must come earlier. */
  path: string;
  type: CpioEntryType;
  /** Permission bits only (0..0o7777); the type bits come from `type`. */
  mode: number;
  /** Contents of a regular file. */
  data?: Uint8Array;
  /** Target of a symlink. */
  linkTarget?: string;
  /** Device numbers of a character or block device. */
  major?: number;
  minor?: number;
  /** Seconds since the epoch; 0 unless given. */
  mtime?: number;
  uid?: number;
  gid?: number;
}

/** An entry as read back, with the header fields the writer chose. */
export interface CpioReadEntry extends CpioEntry {
  ino: number;
  nlink: number;
  mtime: number;
  uid: number;
  gid: number;
}

export const CPIO_MAGIC = '070701';
export const CPIO_TRAILER = 'TRAILER!!!';
const HEADER_SIZE = 110;
/** Linux refuses longer names (PATH_MAX including the NUL). */
export const CPIO_MAX_NAME = 4095;

const TYPE_BITS: Record<CpioEntryType, number> = {
  fifo: 0o010000,
  chardev: 0o020000,
  dir: 0o040000,
  blockdev: 0o060000,
  file: 0o100000,
  symlink: 0o120000,
};
const S_IFMT = 0o170000;

const utf8 = new TextEncoder();
const utf8Decode = new TextDecoder('utf-8', { fatal: false });

export function writeCpio(entries: CpioEntry[]): Uint8Array {
  const seen = new Map<string, CpioEntryType>();
  // A directory's link count is 2 plus its subdirectories, as on disk (and as GNU cpio stores it).
  const subdirs = new Map<string, number>();
  for (const e of entries) {
    if (e.type === 'dir') subdirs.set(parentOf(e.path), (subdirs.get(parentOf(e.path)) ?? 0) + 1);
  }
  const w = new ByteWriter();
  entries.forEach((e, index) => {
    const where = `entry ${index} (${JSON.stringify(e.path)})`;
    checkPath(e.path, where);
    if (seen.has(e.path)) throw new ImageError('BADINPUT', undefined, `${where}: listed twice`);
    const parent = parentOf(e.path);
    if (parent !== '' && seen.get(parent) !== 'dir') {
      throw new ImageError(
        'BADINPUT',
        undefined,
        `${where}: parent directory "${parent}" is not listed before it`,
        'Linux creates entries in order and silently drops one whose directory does not exist yet',
      );
    }
    seen.set(e.path, e.type);
    if (!Number.isInteger(e.mode) || e.mode < 0 || e.mode > 0o7777) {
      throw new ImageError(
        'BADINPUT',
        undefined,
        `${where}: mode 0o${e.mode.toString(8)} is not permission bits`,
      );
    }
    const data = payload(e, where);
    const isDev = e.type === 'chardev' || e.type === 'blockdev';
    writeEntry(w, {
      name: utf8.encode(e.path),
      ino: index,
      mode: TYPE_BITS[e.type] | e.mode,
      uid: u32(e.uid ?? 0, `${where}: uid`),
      gid: u32(e.gid ?? 0, `${where}: gid`),
      nlink: e.type === 'dir' ? 2 + (subdirs.get(e.path) ?? 0) : 1,
      mtime: u32(e.mtime ?? 0, `${where}: mtime`),
      rdevMajor: isDev ? u32(e.major ?? 0, `${where}: major`) : 0,
      rdevMinor: isDev ? u32(e.minor ?? 0, `${where}: minor`) : 0,
      data,
    });
  });
  writeEntry(w, {
    name: utf8.encode(CPIO_TRAILER),
    ino: 0,
    mode: 0,
    uid: 0,
    gid: 0,
    nlink: 1,
    mtime: 0,
    rdevMajor: 0,
    rdevMinor: 0,
    data: new Uint8Array(0),
  });
  return w.finish();
}

interface RawEntry {
  name: Uint8Array;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
  data: Uint8Array;
}

function writeEntry(w: ByteWriter, e: RawEntry): void {
  const fields = [
    e.ino,
    e.mode,
    e.uid,
    e.gid,
    e.nlink,
    e.mtime,
    e.data.length,
    0, // devmajor/devminor of the file system the entry came from: none
    0,
    e.rdevMajor,
    e.rdevMinor,
    e.name.length + 1,
    0, // check: only the 070702 variant fills it
  ];
  w.bytes(
    utf8.encode(CPIO_MAGIC + fields.map((f) => f.toString(16).toUpperCase().padStart(8, '0')).join('')),
  );
  w.bytes(e.name).u8(0).align(4);
  w.bytes(e.data).align(4);
}

function payload(e: CpioEntry, where: string): Uint8Array {
  if (e.type !== 'file' && e.data !== undefined && e.data.length > 0) {
    throw new ImageError('BADINPUT', undefined, `${where}: only a file has data`);
  }
  if (e.type !== 'symlink' && e.linkTarget !== undefined) {
    throw new ImageError('BADINPUT', undefined, `${where}: only a symlink has a target`);
  }
  if (e.type === 'symlink') {
    const t = utf8.encode(e.linkTarget ?? '');
    if (t.length === 0 || t.length > CPIO_MAX_NAME || t.includes(0)) {
      throw new ImageError(
        'BADINPUT',
        undefined,
        `${where}: symlink target must be 1..4095 bytes without NUL`,
      );
    }
    return t;
  }
  const data = e.type === 'file' ? (e.data ?? new Uint8Array(0)) : new Uint8Array(0);
  if (data.length > 0xffffffff) throw new ImageError('LIMIT', undefined, `${where}: larger than 4 GiB`);
  return data;
}

function checkPath(path: string, where: string): void {
  const bytes = utf8.encode(path);
  const parts = path.split('/');
  if (
    bytes.length === 0 ||
    bytes.length > CPIO_MAX_NAME ||
    bytes.includes(0) ||
    path === CPIO_TRAILER ||
    parts.some((p) => p === '' || p === '.' || p === '..')
  ) {
    throw new ImageError(
      'BADINPUT',
      undefined,
      `${where}: not a relative path`,
      'write "bin/sh", not "/bin/sh", "./bin/sh" or "bin//sh"',
    );
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new ImageError('BADINPUT', undefined, `${what} ${v} is not a u32`);
  return v;
}

export interface ReadCpioOptions {
  /** Cap on the number of entries (default 100000). */
  maxEntries?: number;
}

/** Reads a newc archive up to its trailer; every header field and length is checked. */
export function readCpio(bytes: Uint8Array, opts: ReadCpioOptions = {}): CpioReadEntry[] {
  const max = opts.maxEntries ?? 100_000;
  const r = new ByteReader(bytes);
  const out: CpioReadEntry[] = [];
  let o = 0;
  for (;;) {
    const magic = utf8Decode.decode(r.slice(o, 6, 'cpio magic'));
    if (magic !== CPIO_MAGIC) {
      throw new ImageError(
        'BADMAGIC',
        o,
        `"${magic}" is not a newc header`,
        'only newc (070701) archives are read',
      );
    }
    r.need(o, HEADER_SIZE, 'cpio header');
    const f = (i: number, what: string) => r.hexField(o + 6 + i * 8, 8, what);
    const ino = f(0, 'ino');
    const mode = f(1, 'mode');
    const uid = f(2, 'uid');
    const gid = f(3, 'gid');
    const nlink = f(4, 'nlink');
    const mtime = f(5, 'mtime');
    const size = f(6, 'filesize');
    const rdevMajor = f(9, 'rdevmajor');
    const rdevMinor = f(10, 'rdevminor');
    const nameSize = f(11, 'namesize');
    if (nameSize < 1 || nameSize > CPIO_MAX_NAME + 1) {
      throw new ImageError('BADVALUE', o + 6 + 11 * 8, `namesize ${nameSize}`);
    }
    const nameAt = o + HEADER_SIZE;
    const name = r.slice(nameAt, nameSize, 'name');
    if (name[nameSize - 1] !== 0 || name.subarray(0, nameSize - 1).includes(0)) {
      throw new ImageError('BADVALUE', nameAt, 'name is not one NUL-terminated string');
    }
    const path = utf8Decode.decode(name.subarray(0, nameSize - 1));
    const dataAt = align4(nameAt + nameSize);
    const data = r.slice(dataAt, size, 'entry data');
    const next = align4(dataAt + size);
    if (path === CPIO_TRAILER) return out;
    if (out.length >= max) throw new ImageError('LIMIT', o, `more than ${max} entries`);
    const type = typeOf(mode);
    if (!type)
      throw new ImageError('BADVALUE', o + 14, `mode 0o${mode.toString(8)} has an unknown file type`);
    const e: CpioReadEntry = { path, type, mode: mode & 0o7777, ino, nlink, mtime, uid, gid };
    if (type === 'file') e.data = data;
    else if (type === 'symlink') e.linkTarget = utf8Decode.decode(data);
    else if (size !== 0)
      throw new ImageError('BADVALUE', o + 6 + 6 * 8, `a ${type} with ${size} bytes of data`);
    if (type === 'chardev' || type === 'blockdev') {
      e.major = rdevMajor;
      e.minor = rdevMinor;
    }
    out.push(e);
    o = next;
  }
}

function typeOf(mode: number): CpioEntryType | undefined {
  const bits = mode & S_IFMT;
  for (const [t, b] of Object.entries(TYPE_BITS)) if (b === bits) return t as CpioEntryType;
  return undefined;
}

function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}
