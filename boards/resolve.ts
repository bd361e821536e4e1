// Board lookup: a built-in name (with parameters), a board YAML file, or inline facts from a
// config's `board:` → a descriptor merged with its DTB. The one entry point the CLI and the
// builder use.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Tree } from '../devicetree/tree.js';
import { parseSize } from '../schema/units.js';
import { DEFAULT_BOARD, listBoards } from './catalog.js';
import { type DtbOrigin, loadBoardDtb } from './dtb-source.js';
import { readDtbFacts } from './from-dtb.js';
import { applyDtbFacts } from './merge.js';
import { checkQemuQ35Params, QEMU_Q35_DEFAULTS, qemuQ35Board } from './qemu-q35.js';
import { checkQemuVirtParams, QEMU_VIRT_DEFAULTS, type QemuVirtParams, qemuVirtBoard } from './qemu-virt.js';
import type { Arch, Board, BoardDiagnostic } from './types.js';
import { parseUserBoard } from './user-board.js';

export { type BoardListing, DEFAULT_BOARD, listBoards } from './catalog.js';

import { rpi4Board, zcu102Board } from './vendor.js';

const Q35 = 'qemu-q35-x86_64';

/** "qemu-virt-arm64:ram=4G,cpus=4,gic=2" → name and parameters. */
export function parseBoardSpec(spec: string): { name: string; params: Record<string, string> } {
  const colon = spec.indexOf(':');
  if (colon < 0) return { name: spec, params: {} };
  const params: Record<string, string> = {};
  for (const kv of spec.slice(colon + 1).split(',')) {
    if (!kv) continue;
    const eq = kv.indexOf('=');
    params[eq < 0 ? kv : kv.slice(0, eq)] = eq < 0 ? '' : kv.slice(eq + 1);
  }
  return { name: spec.slice(0, colon), params };
}

/**
 * What a config's `board:` says, as boards/ reads it: a built-in name with parameters, a board
 * YAML path, or inline facts. schema's parsed `BoardSetting` fits this shape, so the config is
 * passed in as is without boards/ importing schema/.
 */
export type BoardSelection =
  | string
  | {
      name?: string | undefined;
      arch?: Arch | undefined;
      /** One RAM size, or RAM banks. */
      memory?: bigint | readonly { base: bigint; size: bigint }[] | undefined;
      cpus?: number | undefined;
      gic?: 2 | 3 | undefined;
      dtb?: string | undefined;
    };

type InlineBoard = Exclude<BoardSelection, string>;

export interface ResolveBoardOptions {
  /** Folder the config (or the board file) paths are relative to. */
  configDir: string;
  cacheDir?: string;
  qemu?: 'auto' | 'dump' | 'generated';
  /** PATH to find QEMU in. */
  path?: string;
  /** A DTB that replaces the board's own source (CLI --board-dtb), absolute. */
  boardDtb?: string;
  readText?: (path: string) => Promise<string>;
}

export interface ResolvedBoard {
  board?: Board;
  tree?: Tree;
  dtbOrigin?: DtbOrigin;
  /** For built-in QEMU boards: the parameters the run must use. */
  qemuParams?: QemuVirtParams;
  diagnostics: BoardDiagnostic[];
}

interface Params {
  ram?: bigint;
  cpus?: number;
  gic?: 2 | 3;
  dtb?: string;
}

export async function resolveBoard(
  setting: BoardSelection | undefined,
  opts: ResolveBoardOptions,
): Promise<ResolvedBoard> {
  const diagnostics: BoardDiagnostic[] = [];
  const s = setting ?? DEFAULT_BOARD;
  let name: string;
  const params: Params = {};
  if (typeof s === 'string') {
    if (/\.ya?ml$/i.test(s)) return resolveUserBoard(abs(opts.configDir, s), opts);
    const spec = parseBoardSpec(s);
    name = spec.name;
    for (const [k, v] of Object.entries(spec.params)) {
      if (k === 'ram' || k === 'memory') {
        const r = parseSize(v);
        if (r.ok) params.ram = r.value;
        else diagnostics.push(paramError(`board parameter ${k}=${v}: ${r.reason}`));
      } else if (k === 'cpus') params.cpus = Number(v);
      else if (k === 'gic') {
        if (v === '2' || v === '3') params.gic = Number(v) as 2 | 3;
        else diagnostics.push(paramError(`board parameter gic=${v}: use 2 or 3`));
      } else if (k === 'dtb') params.dtb = abs(opts.configDir, v);
      else diagnostics.push(paramError(`unknown board parameter "${k}" (known: ram, cpus, gic, dtb)`));
    }
  } else {
    name = s.name ?? '';
    if (s.memory !== undefined) {
      if (typeof s.memory === 'bigint') params.ram = s.memory;
      else if (name.startsWith('qemu-')) {
        diagnostics.push(paramError('the QEMU board takes memory as one size (e.g. 2G), not banks'));
      }
    }
    if (s.cpus !== undefined) params.cpus = s.cpus;
    if (s.gic !== undefined) params.gic = s.gic;
    if (s.dtb !== undefined) params.dtb = abs(opts.configDir, s.dtb);
    if (!name.startsWith('qemu-virt') && name !== Q35 && name !== 'zcu102' && name !== 'rpi4') {
      return resolveInlineBoard(s, params, opts, diagnostics);
    }
  }
  if (diagnostics.length > 0) return { diagnostics };
  const dtbPath = opts.boardDtb ?? params.dtb;

  let board: Board;
  let qemuParams: QemuVirtParams | undefined;
  if (name === 'qemu-virt-arm64' || name === 'qemu-virt-arm64-gicv2') {
    qemuParams = {
      gic: params.gic ?? (name.endsWith('gicv2') ? 2 : QEMU_VIRT_DEFAULTS.gic),
      ram: params.ram ?? QEMU_VIRT_DEFAULTS.ram,
      cpus: params.cpus ?? QEMU_VIRT_DEFAULTS.cpus,
    };
    const bad = checkQemuVirtParams(qemuParams);
    if (bad.length > 0) return { diagnostics: bad };
    board = qemuVirtBoard(qemuParams, name);
    if (dtbPath) board.dtb = { kind: 'file', path: dtbPath };
  } else if (name === Q35) {
    const p = { ram: params.ram ?? QEMU_Q35_DEFAULTS.ram, cpus: params.cpus ?? QEMU_Q35_DEFAULTS.cpus };
    const bad = checkQemuQ35Params(p);
    if (params.gic !== undefined) bad.push(paramError('gic is an Arm setting; q35 has none'));
    if (bad.length > 0) return { diagnostics: bad };
    board = qemuQ35Board(p);
    // A DTB given anyway is ignored by x86 Xen; keeping none makes that visible in the descriptor.
  } else if (name === 'zcu102') {
    board = zcu102Board(dtbPath);
  } else if (name === 'rpi4') {
    board = rpi4Board(dtbPath, params.ram);
  } else {
    return {
      diagnostics: [
        {
          id: 'board-unknown',
          severity: 'error',
          message: `unknown board "${name}"`,
          hint: `built-in boards: ${listBoards()
            .map((b) => b.name)
            .join(', ')}; or give a board YAML file`,
        },
      ],
    };
  }
  return finish(board, opts, qemuParams);
}

async function resolveUserBoard(file: string, opts: ResolveBoardOptions): Promise<ResolvedBoard> {
  const readText = opts.readText ?? ((p: string) => readFile(p, 'utf8'));
  let text: string;
  try {
    text = await readText(file);
  } catch (e) {
    return {
      diagnostics: [
        {
          id: 'board-unknown',
          severity: 'error',
          message: `cannot read board file ${file} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`,
          where: file,
        },
      ],
    };
  }
  const parsed = parseUserBoard(text, file);
  if (!parsed.board) return { diagnostics: parsed.diagnostics };
  if (opts.boardDtb) parsed.board.dtb = { kind: 'file', path: opts.boardDtb };
  return finish(parsed.board, opts, undefined);
}

async function resolveInlineBoard(
  s: InlineBoard,
  params: Params,
  opts: ResolveBoardOptions,
  diagnostics: BoardDiagnostic[],
): Promise<ResolvedBoard> {
  const dtbPath = opts.boardDtb ?? params.dtb;
  if (s.arch === 'x86_64') return inlineX86Board(s, params, diagnostics);
  if (!dtbPath) {
    diagnostics.push({
      id: 'board-dtb-missing',
      severity: 'error',
      message: `board "${s.name ?? '(inline)'}" is not built in, so it needs a dtb`,
      hint: 'add board.dtb, use a built-in board (dombuild boards), or pass --board-dtb',
    });
  }
  if (diagnostics.length > 0 || !dtbPath) return { diagnostics };
  const board: Board = {
    name: s.name ?? 'inline',
    description: 'board given inline in the config',
    arch: s.arch ?? 'arm64',
    ram: Array.isArray(s.memory) ? s.memory.map((b) => ({ start: b.base, size: b.size })) : [],
    reserved: [],
    cpus: [],
    dtb: { kind: 'file', path: dtbPath },
  };
  if (s.gic !== undefined) board.gic = { version: s.gic };
  return finish(board, opts, undefined);
}

/** An inline x86 board: RAM banks and CPUs as given; no DTB, since x86 Xen reads none. */
function inlineX86Board(s: InlineBoard, params: Params, diagnostics: BoardDiagnostic[]): ResolvedBoard {
  if (params.gic !== undefined) diagnostics.push(paramError('gic is an Arm setting; x86 boards have none'));
  if (diagnostics.length > 0) return { diagnostics };
  const board: Board = {
    name: s.name ?? 'inline',
    description: 'x86 board given inline in the config',
    arch: 'x86_64',
    // One size is RAM from address 0, as on every PC; banks are taken as given.
    ram: Array.isArray(s.memory)
      ? s.memory.map((b) => ({ start: b.base, size: b.size }))
      : params.ram !== undefined
        ? [{ start: 0n, size: params.ram }]
        : [],
    reserved: [],
    cpus: Array.from({ length: params.cpus ?? 0 }, (_, i) => ({ id: BigInt(i), path: `cpu${i}` })),
    dtb: { kind: 'none', reason: 'x86 Xen boots from a multiboot module list, not a device tree' },
  };
  return { board, diagnostics };
}

async function finish(
  board: Board,
  opts: ResolveBoardOptions,
  qemuParams: QemuVirtParams | undefined,
): Promise<ResolvedBoard> {
  const dtbOpts: Parameters<typeof loadBoardDtb>[1] = { qemu: opts.qemu ?? 'auto' };
  if (opts.cacheDir !== undefined) dtbOpts.cacheDir = opts.cacheDir;
  if (opts.path !== undefined) dtbOpts.path = opts.path;
  if (qemuParams) dtbOpts.qemuParams = qemuParams;
  const loaded = await loadBoardDtb(board, dtbOpts);
  const diagnostics = [...loaded.diagnostics];
  if (!loaded.dtb) return qemuParams ? { board, qemuParams, diagnostics } : { board, diagnostics };
  const facts = readDtbFacts(loaded.dtb.tree);
  diagnostics.push(...facts.diagnostics);
  const merged = applyDtbFacts(board, facts.facts);
  diagnostics.push(...merged.diagnostics);
  const out: ResolvedBoard = {
    board: merged.board,
    tree: loaded.dtb.tree,
    dtbOrigin: loaded.dtb.origin,
    diagnostics,
  };
  if (qemuParams) out.qemuParams = qemuParams;
  return out;
}

function abs(dir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(dir, p);
}

function paramError(message: string): BoardDiagnostic {
  return { id: 'board-param-invalid', severity: 'error', message, where: 'board' };
}
