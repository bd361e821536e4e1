// The FIT (Flattened Image Tree): a device tree whose /images nodes embed the payloads with their
// hashes and whose /configurations nodes say which images boot together. The tree is laid out as
// mkimage leaves it (its `timestamp` and each hash `value` first in their nodes, where libfdt puts
// added properties) and written by the DTB codec, so `dtc -I dtb -O dtb` of mkimage's own FIT for
// the same .its gives our bytes exactly.
import { createHash } from 'node:crypto';
import { readDtb, writeDtb } from '../devicetree/dtb.js';
import { DtbError } from '../devicetree/errors.js';
import { Node, type Property, read, Tree, value } from '../devicetree/tree.js';
import { crc32 } from './crc32.js';
import { ImageError } from './errors.js';
import {
  type LegacyArch,
  type LegacyCompression,
  type LegacyOs,
  type LegacyType,
  legacyArch,
  legacyCompression,
  legacyOs,
  legacyType,
} from './uimage.js';

export type FitImageType = Exclude<LegacyType, 'multi'>;
export type FitHashAlgo = 'crc32' | 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface FitImageSpec {
  /** Node name under /images (DT node-name characters, at most 31). */
  name: string;
  description?: string;
  data: Uint8Array;
  type: FitImageType;
  arch?: LegacyArch;
  os?: LegacyOs;
  compression?: LegacyCompression;
  load?: bigint;
  entry?: bigint;
  hashes: FitHashAlgo[];
}

export interface FitConfigSpec {
  name: string;
  description?: string;
  kernel?: string;
  fdt?: string;
  ramdisk?: string;
  loadables?: string[];
}

export interface FitSpec {
  description: string;
  /** Seconds since the epoch (the caller takes it from SOURCE_DATE_EPOCH for reproducible builds). */
  timestamp: number;
  images: FitImageSpec[];
  configurations: { default: string; list: FitConfigSpec[] };
}

const HASH_LENGTH: Record<FitHashAlgo, number> = {
  crc32: 4,
  md5: 16,
  sha1: 20,
  sha256: 32,
  sha384: 48,
  sha512: 64,
};
const NODE_NAME = /^[A-Za-z0-9,._+-]{1,31}$/;
const CONFIG_REFS = ['kernel', 'fdt', 'ramdisk'] as const;

/** The FIT as a tree, for callers that want to add to it before writing. */
export function fitTree(spec: FitSpec): Tree {
  check(spec);
  // Addresses take one cell when they all fit in 32 bits, as in U-Boot's own .its examples.
  const addrs = spec.images.flatMap((i) => [i.load, i.entry]).filter((a): a is bigint => a !== undefined);
  const cells = addrs.every((a) => a <= 0xffffffffn) ? 1 : 2;

  const tree = new Tree();
  const root = tree.root;
  root.setProp('timestamp', value.u32(spec.timestamp));
  root.setProp('description', value.string(spec.description));
  root.setProp('#address-cells', value.u32(cells));

  const images = root.addChild(new Node('images'));
  for (const img of spec.images) {
    const n = images.addChild(new Node(img.name));
    if (img.description !== undefined) n.setProp('description', value.string(img.description));
    n.setProp('data', img.data);
    n.setProp('type', value.string(img.type));
    if (img.arch !== undefined) n.setProp('arch', value.string(img.arch));
    if (img.os !== undefined) n.setProp('os', value.string(img.os));
    n.setProp('compression', value.string(img.compression ?? 'none'));
    if (img.load !== undefined) n.setProp('load', value.cellsOf(img.load, cells));
    if (img.entry !== undefined) n.setProp('entry', value.cellsOf(img.entry, cells));
    img.hashes.forEach((algo, i) => {
      const h = n.addChild(new Node(`hash-${i + 1}`));
      h.setProp('value', digest(algo, img.data));
      h.setProp('algo', value.string(algo));
    });
  }

  const configs = root.addChild(new Node('configurations'));
  configs.setProp('default', value.string(spec.configurations.default));
  for (const c of spec.configurations.list) {
    const n = configs.addChild(new Node(c.name));
    if (c.description !== undefined) n.setProp('description', value.string(c.description));
    for (const key of CONFIG_REFS) {
      const ref = c[key];
      if (ref !== undefined) n.setProp(key, value.string(ref));
    }
    if (c.loadables !== undefined && c.loadables.length > 0)
      n.setProp('loadables', value.strings(...c.loadables));
  }
  return tree;
}

/** The FIT blob (`boot.itb`) with every image embedded and hashed. */
export function buildFit(spec: FitSpec): Uint8Array {
  return writeDtb(fitTree(spec));
}

function digest(algo: FitHashAlgo, data: Uint8Array): Uint8Array {
  if (algo === 'crc32') return value.u32(crc32(data));
  return new Uint8Array(createHash(algo).update(data).digest());
}

function check(spec: FitSpec): void {
  const bad = (msg: string, hint?: string) => new ImageError('BADINPUT', undefined, msg, hint);
  if (!Number.isInteger(spec.timestamp) || spec.timestamp < 0 || spec.timestamp > 0xffffffff) {
    throw bad(`timestamp ${spec.timestamp} is not a u32`);
  }
  noNul(spec.description, 'FIT description');
  const names = new Set<string>();
  for (const img of spec.images) {
    const where = `image "${img.name}"`;
    if (!NODE_NAME.test(img.name))
      throw bad(`${where}: not a device-tree node name`, 'letters, digits and ,._+- only');
    if (names.has(img.name)) throw bad(`${where}: listed twice`);
    names.add(img.name);
    if (img.description !== undefined) noNul(img.description, `${where} description`);
    if (img.data.length > 0x7fffffff)
      throw new ImageError('LIMIT', undefined, `${where}: payload over 2 GiB`);
    oneOf(legacyType, img.type, where, 'type', (k) => k !== 'multi');
    if (img.arch !== undefined) oneOf(legacyArch, img.arch, where, 'arch');
    if (img.os !== undefined) oneOf(legacyOs, img.os, where, 'os');
    if (img.compression !== undefined) oneOf(legacyCompression, img.compression, where, 'compression');
    for (const a of [img.load, img.entry]) {
      if (a !== undefined && (a < 0n || a > 0xffffffffffffffffn))
        throw bad(`${where}: address ${a} is not a u64`);
    }
    for (const h of img.hashes) if (!(h in HASH_LENGTH)) throw bad(`${where}: unknown hash "${h}"`);
  }
  const confs = new Set<string>();
  for (const c of spec.configurations.list) {
    const where = `configuration "${c.name}"`;
    if (!NODE_NAME.test(c.name)) throw bad(`${where}: not a device-tree node name`);
    if (confs.has(c.name)) throw bad(`${where}: listed twice`);
    confs.add(c.name);
    if (c.description !== undefined) noNul(c.description, `${where} description`);
    for (const ref of [...CONFIG_REFS.map((k) => c[k]), ...(c.loadables ?? [])]) {
      if (ref !== undefined && !names.has(ref)) throw bad(`${where}: no image named "${ref}"`);
    }
  }
  if (!confs.has(spec.configurations.default)) {
    throw bad(`default configuration "${spec.configurations.default}" is not in the list`);
  }
}

function noNul(s: string, what: string): void {
  if (s.includes('\0')) throw new ImageError('BADINPUT', undefined, `${what} contains NUL`);
}

function oneOf(
  table: Record<string, number>,
  v: string,
  where: string,
  what: string,
  ok = (_: string) => true,
) {
  if (!Object.hasOwn(table, v) || !ok(v))
    throw new ImageError('BADINPUT', undefined, `${where}: unknown ${what} "${v}"`);
}

// ---- reading, for inspection and tests ----

export interface FitImage {
  name: string;
  description: string | undefined;
  data: Uint8Array;
  type: string;
  arch: string | undefined;
  os: string | undefined;
  compression: string | undefined;
  load: bigint | undefined;
  entry: bigint | undefined;
  hashes: { algo: string; value: Uint8Array }[];
}

export interface Fit {
  description: string | undefined;
  timestamp: number | undefined;
  images: FitImage[];
  configurations: { default: string | undefined; list: FitConfigSpec[] };
}

/**
 * Reads a FIT with embedded data and checks every hash it knows. Blob damage is reported by the
 * DTB reader as DtbError; FIT-level problems (a missing or malformed property, a wrong hash, an
 * unknown reference) as ImageError with code BADVALUE or BADCRC and no offset.
 */
export function readFit(bytes: Uint8Array): Fit {
  const tree = readDtb(bytes);
  const images = tree.lookup('/images');
  if (!images) throw new ImageError('BADVALUE', undefined, 'no /images node: not a FIT');
  const cells = optional(tree.root, '#address-cells', (p) => read.u32(p)) ?? 1;
  const out: FitImage[] = images.children.map((n) => {
    const data = n.prop('data');
    if (!data) throw new ImageError('BADVALUE', undefined, `${n.path}: no embedded data`);
    const addr = (name: string) =>
      optional(n, name, (p) => {
        const v = read.cellGroups(p, p.value.length === 8 ? 2 : cells);
        if (v.length !== 1) throw new ImageError('BADVALUE', undefined, `${n.path}/${name}: not one address`);
        return v[0]!;
      });
    const hashes = n.children
      .filter((h) => h.name.startsWith('hash'))
      .map((h) => {
        const algo = optional(h, 'algo', read.string);
        const v = h.prop('value')?.value;
        if (algo === undefined || v === undefined)
          throw new ImageError('BADVALUE', undefined, `${h.path}: no algo or value`);
        if (algo in HASH_LENGTH) {
          const want = digest(algo as FitHashAlgo, data.value);
          if (want.length !== v.length || want.some((b, i) => b !== v[i])) {
            throw new ImageError('BADCRC', undefined, `${h.path}: ${algo} does not match the data`);
          }
        }
        return { algo, value: v };
      });
    const type = optional(n, 'type', read.string);
    if (type === undefined) throw new ImageError('BADVALUE', undefined, `${n.path}: no type`);
    return {
      name: n.name,
      description: optional(n, 'description', read.string),
      data: data.value,
      type,
      arch: optional(n, 'arch', read.string),
      os: optional(n, 'os', read.string),
      compression: optional(n, 'compression', read.string),
      load: addr('load'),
      entry: addr('entry'),
      hashes,
    };
  });
  const names = new Set(out.map((i) => i.name));
  const configs = tree.lookup('/configurations');
  const list: FitConfigSpec[] = (configs?.children ?? []).map((n) => {
    const c: FitConfigSpec = { name: n.name };
    const d = optional(n, 'description', read.string);
    if (d !== undefined) c.description = d;
    for (const key of CONFIG_REFS) {
      const ref = optional(n, key, read.string);
      if (ref !== undefined) c[key] = ref;
    }
    const l = optional(n, 'loadables', read.strings);
    if (l !== undefined) c.loadables = l;
    for (const ref of [...CONFIG_REFS.map((k) => c[k]), ...(c.loadables ?? [])]) {
      if (ref !== undefined && !names.has(ref))
        throw new ImageError('BADVALUE', undefined, `${n.path}: no image "${ref}"`);
    }
    return c;
  });
  return {
    description: optional(tree.root, 'description', read.string),
    timestamp: optional(tree.root, 'timestamp', read.u32),
    images: out,
    configurations: { default: configs ? optional(configs, 'default', read.string) : undefined, list },
  };
}

/** A property through a typed accessor, its shape errors turned into ImageError. */
function optional<T>(n: Node, name: string, get: (p: Property) => T): T | undefined {
  const p = n.prop(name);
  if (!p) return undefined;
  try {
    return get(p);
  } catch (e) {
    if (e instanceof ImageError || e instanceof DtbError) throw e;
    throw new ImageError('BADVALUE', undefined, `${n.path}/${name}: ${(e as Error).message}`);
  }
}
