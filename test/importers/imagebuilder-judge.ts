// Runs ImageBuilder's own uboot-script-gen (from a checkout given in $IMAGEBUILDER, or the GitHub
// mirror the project's fetch tool keeps) and reduces a dom0less device tree to what Xen reads from
// it, so dombuild's tree and ImageBuilder's can be compared with addresses, node names and
// phandle numbers taken out. ImageBuilder itself is never copied into this repository: its two
// scripts are read from the checkout into a temp folder for the run.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Node, type Property, parseDts, read, type Tree } from '../../devicetree/index.js';
import { formatRangeList } from '../../schema/index.js';

export const MIRROR = '/work/.mirror/Xilinx+imagebuilder/repo';
export const DEFAULT_REF = 'xlnx_rel_v2023.2';

export interface Checkout {
  /** Folder holding uboot-script-gen and common. */
  dir: string;
  /** What was checked out, for the test names. */
  revision: string;
  /** The text of uboot-script-gen: which variables this revision reads. */
  script: string;
}

/** ImageBuilder's scripts in `dest`, or the reason there are none. */
export function checkoutImageBuilder(dest: string, env: NodeJS.ProcessEnv): Checkout | string {
  const given = env.IMAGEBUILDER;
  const ref = env.IMAGEBUILDER_REF;
  if (given && existsSync(join(given, 'scripts', 'uboot-script-gen')) && !ref) {
    for (const f of ['uboot-script-gen', 'common'])
      if (existsSync(join(given, 'scripts', f))) copyFileSync(join(given, 'scripts', f), join(dest, f));
    return { dir: dest, revision: `checkout ${given}`, script: readText(join(dest, 'uboot-script-gen')) };
  }
  const gitDir = given ?? MIRROR;
  if (!existsSync(gitDir))
    return `no ImageBuilder: set IMAGEBUILDER to a checkout or git directory of ImageBuilder (gitlab.com/xen-project/imagebuilder or its GitHub mirror Xilinx/imagebuilder)`;
  const git = (args: string[]) => spawnSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8' });
  const wanted =
    ref ?? (git(['rev-parse', '--verify', '-q', DEFAULT_REF]).status === 0 ? DEFAULT_REF : 'HEAD');
  let script = '';
  for (const f of ['uboot-script-gen', 'common']) {
    const r = git(['show', `${wanted}:scripts/${f}`]);
    if (r.status !== 0) {
      if (f === 'uboot-script-gen')
        return `no ImageBuilder: ${gitDir} has no scripts/uboot-script-gen at ${wanted}`;
      continue;
    }
    writeFileSync(join(dest, f), r.stdout, { mode: 0o755 });
    if (f === 'uboot-script-gen') script = r.stdout;
  }
  const head = git(['rev-parse', '--short', wanted]).stdout.trim();
  return { dir: dest, revision: `${wanted} (${head})`, script };
}

function readText(p: string): string {
  return spawnSync('cat', [p], { encoding: 'utf8' }).stdout;
}

/** Decompiles a DTB with dtc (forced: ImageBuilder's offline edits write "\#…" property names). */
export function decompile(dtb: string): { text: string; tree: Tree } {
  const r = spawnSync('dtc', ['-f', '-q', '-I', 'dtb', '-O', 'dts', dtb], { encoding: 'utf8' });
  if (r.status !== 0 && !r.stdout) throw new Error(`dtc could not decompile ${dtb}: ${r.stderr}`);
  // ImageBuilder escapes '#' for U-Boot's shell and passes the same name to fdtput, so its DTB has
  // "\#address-cells" where U-Boot's script would have set "#address-cells": read them as meant.
  const text = r.stdout.replace(/\\#/g, '#');
  return { text, tree: parseDts(text, { file: dtb }) };
}

/** What Xen reads from a dom0less tree, without load addresses, node names or phandle values. */
export interface Dom0lessModel {
  chosen: Record<string, string>;
  xenBootargs: string[];
  dom0Modules: string[];
  cpupools: { cpus: string[]; sched: string | null }[];
  domains: Record<string, { props: Record<string, string>; modules: string[]; children: string[] }>;
  passthrough: string[];
}

const KIND: Record<string, string> = {
  'multiboot,kernel': 'kernel',
  'xen,linux-zimage': 'kernel',
  'multiboot,ramdisk': 'ramdisk',
  'xen,linux-initrd': 'ramdisk',
  'multiboot,device-tree': 'device-tree',
  'xen,xsm-policy': 'xsm-policy',
};

function strings(p: Property): string[] | undefined {
  try {
    const s = read.strings(p);
    return s.every((x) => /^[\x20-\x7e]*$/.test(x)) && s.some((x) => x !== '') ? s : undefined;
  } catch {
    return undefined;
  }
}

function show(p: Property): string {
  if (p.value.length === 0) return '(empty)';
  const s = strings(p);
  if (s) return s.map((x) => JSON.stringify(x)).join(', ');
  if (p.value.length % 4 === 0)
    return `<${read
      .cells(p)
      .map((c) => `0x${c.toString(16)}`)
      .join(' ')}>`;
  return `[${[...p.value].map((b) => b.toString(16).padStart(2, '0')).join(' ')}]`;
}

function moduleEntry(n: Node): string | undefined {
  const c = n.prop('compatible');
  const list = c ? (strings(c) ?? []) : [];
  const kind = list.map((x) => KIND[x]).find((k) => k !== undefined);
  if (!kind) return undefined;
  const reg = n.prop('reg');
  // reg is <addr-hi addr-lo size-hi size-lo> in /chosen's 2+2 cells: keep the size, drop the address.
  const cells = reg ? read.cells(reg) : [];
  const size = cells.length === 4 ? (BigInt(cells[2]!) << 32n) | BigInt(cells[3]!) : -1n;
  const args = n.prop('bootargs');
  return `${kind} size=0x${size.toString(16)}${args ? ` bootargs=${show(args)}` : ''}`;
}

/** ImageBuilder's Xilinx-branch colour bitmask as the range list upstream's llc-colors holds. */
function maskToRanges(p: Property): string {
  const cells = read.cells(p);
  let mask = 0n;
  for (const c of cells) mask = (mask << 32n) | BigInt(c);
  const bits: number[] = [];
  for (let i = 0; mask >> BigInt(i) !== 0n; i++) if ((mask >> BigInt(i)) & 1n) bits.push(i);
  return JSON.stringify(formatRangeList(bits));
}

export function dom0lessModel(tree: Tree): Dom0lessModel {
  const chosen = tree.root.child('chosen');
  if (!chosen) throw new Error('no /chosen');
  const byPhandle = new Map<number, Node>();
  for (const n of tree.root.walk()) {
    const p = n.prop('phandle');
    if (p && p.value.length === 4) byPhandle.set(read.u32(p), n);
  }
  const model: Dom0lessModel = {
    chosen: {},
    xenBootargs: [],
    dom0Modules: [],
    cpupools: [],
    domains: {},
    passthrough: [],
  };
  for (const p of chosen.props) {
    if (p.name === 'xen,xen-bootargs') {
      model.xenBootargs = (strings(p)?.[0] ?? '')
        .split(/\s+/)
        .filter((w) => w !== '' && w !== 'llc-coloring=on')
        // The Xilinx branch's colour words, in upstream Xen's spelling (see colors below).
        .map((w) => w.replace(/^xen_colors=/, 'xen-llc-colors=').replace(/^dom0_colors=/, 'dom0-llc-colors='))
        .sort();
    } else model.chosen[p.name] = show(p);
  }
  const pools = chosen.children.filter(
    (c) => c.prop('compatible') && strings(c.prop('compatible')!)?.[0] === 'xen,cpupool',
  );
  for (const pool of pools) {
    const cpus = pool.prop('cpupool-cpus');
    const sched = pool.prop('cpupool-sched');
    model.cpupools.push({
      cpus: cpus
        ? read.cells(cpus).map((ph) => byPhandle.get(ph)?.path ?? `unresolved phandle 0x${ph.toString(16)}`)
        : [],
      sched: sched ? (strings(sched)?.[0] ?? null) : null,
    });
  }
  for (const c of chosen.children) {
    const compat = c.prop('compatible') ? (strings(c.prop('compatible')!) ?? []) : [];
    if (compat[0] === 'xen,cpupool') continue;
    if (compat[0] !== 'xen,domain') {
      const m = moduleEntry(c);
      model.dom0Modules.push(m ?? `node ${c.name}: ${compat.join(',')}`);
      continue;
    }
    const props: Record<string, string> = {};
    for (const p of c.props) {
      if (p.name === 'domain-cpupool') {
        const target = byPhandle.get(read.u32(p));
        props[p.name] = target ? `pool ${pools.indexOf(target)}` : 'unresolved';
      } else if (p.name === 'colors') props['llc-colors'] = maskToRanges(p);
      else if (p.name === 'vpl011')
        props.vpl011 = '(empty)'; // the Xilinx branch writes "pl011": same meaning
      else props[p.name] = show(p);
    }
    const modules: string[] = [];
    const children: string[] = [];
    for (const k of c.children) {
      const m = moduleEntry(k);
      if (m) modules.push(m);
      else
        children.push(
          k.props
            .filter((p) => p.name !== 'phandle')
            .map((p) => `${p.name}=${show(p)}`)
            .join(' '),
        );
    }
    model.domains[c.name] = { props, modules: modules.sort(), children: children.sort() };
  }
  model.dom0Modules.sort();
  for (const n of tree.root.walk()) if (n.prop('xen,passthrough')) model.passthrough.push(n.path);
  return model;
}

/**
 * Applies the `fdt mknod` / `fdt set` lines of a U-Boot script to a tree, reading each line as
 * U-Boot's hush splits it and each value as U-Boot's `fdt set` parses it (cmd/fdt.c: `<…>` cells
 * by simple_strtoul with base 0, so "8001" is decimal and "0x8001" hex; `[…]` bytes; otherwise
 * one string per word; nothing: an empty property). Other commands (load, fdt addr/resize/apply,
 * setenv, boot) do not edit the tree and are skipped.
 */
export function applyUbootFdtScript(tree: Tree, script: string): Tree {
  for (const line of script.split('\n')) {
    const argv = hushWords(line);
    if (argv[0] !== 'fdt' || (argv[1] !== 'mknod' && argv[1] !== 'set')) continue;
    const node = tree.lookup(argv[2] ?? '');
    if (!node) throw new Error(`script edits ${argv[2]}, which is not in the tree: ${line}`);
    if (argv[1] === 'mknod') {
      if (!node.child(argv[3]!)) node.addChild(new Node(argv[3]!));
      continue;
    }
    node.setProp(argv[3]!, fdtSetValue(argv.slice(4)));
  }
  return tree;
}

function hushWords(line: string): string[] {
  const out: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (cur !== undefined) out.push(cur);
      cur = undefined;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      cur = (cur ?? '') + line.slice(i + 1, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      cur = (cur ?? '') + line.slice(i + 1, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    } else if (c === '\\' && i + 1 < line.length) {
      cur = (cur ?? '') + line[++i];
    } else cur = (cur ?? '') + c;
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

function fdtSetValue(words: string[]): Uint8Array {
  if (words.length === 0) return new Uint8Array();
  const text = words.join(' ');
  if (text.startsWith('<')) {
    const cells = text
      .slice(1, text.lastIndexOf('>'))
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '')
      .map(strtoulBase0);
    const out = new Uint8Array(cells.length * 4);
    const dv = new DataView(out.buffer);
    for (const [i, c] of cells.entries()) dv.setUint32(i * 4, c);
    return out;
  }
  if (text.startsWith('[')) {
    const bytes = text.slice(1, text.lastIndexOf(']')).trim().split(/\s+/).filter(Boolean);
    return new Uint8Array(bytes.map((b) => Number.parseInt(b, 16)));
  }
  return new TextEncoder().encode(`${words.join('\0')}\0`);
}

/** simple_strtoul(s, _, 0): 0x hex, a leading 0 octal, else decimal; 32 bits kept. */
function strtoulBase0(s: string): number {
  const v = /^0x/i.test(s) ? BigInt(s) : /^0[0-7]+$/.test(s) ? BigInt(`0o${s.slice(1)}`) : BigInt(s);
  return Number(v & 0xffffffffn);
}
