// Getting a board's device tree. For the built-in QEMU board: a `dumpdtb` from the installed QEMU
// with exactly the run's flags, cached by those flags and the binary, or — with no QEMU on the
// machine — our generated equivalent (qemu-virt-dtb.ts), which equals QEMU 7.2's dump. Either way
// the random /chosen seeds are dropped, so the same board gives the same bytes on every machine.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { readDtb, writeDtb } from '../devicetree/dtb.js';
import { DtbError } from '../devicetree/errors.js';
import type { Tree } from '../devicetree/tree.js';
import { buildQemuVirtDtb, type QemuVirtParams } from './qemu-virt-dtb.js';
import type { Board, BoardDiagnostic } from './types.js';

export type DtbOrigin = 'qemu-dump' | 'qemu-dump-cached' | 'generated' | 'file';

export interface BoardDtb {
  tree: Tree;
  origin: DtbOrigin;
  /** The file read, the cache entry used, or the QEMU command that dumped it. */
  detail: string;
}

export interface DtbSourceOptions {
  /** Cache folder for QEMU dumps (cli passes ${DOMBUILD_CACHE:-$XDG_CACHE_HOME/dombuild}). */
  cacheDir?: string;
  /** `auto`: dump when QEMU is installed, else generate; `dump`: QEMU required; `generated`: never run QEMU. */
  qemu?: 'auto' | 'dump' | 'generated';
  /** PATH to look QEMU up in (library code reads no environment; cli passes it). */
  path?: string;
  /** The QEMU parameters of a built-in board (needed to generate). */
  qemuParams?: QemuVirtParams;
}

/** Properties QEMU fills with fresh random bytes on every start. */
const RANDOM_CHOSEN_PROPS = ['rng-seed', 'kaslr-seed'];

export async function loadBoardDtb(
  board: Board,
  opts: DtbSourceOptions = {},
): Promise<{ dtb?: BoardDtb; diagnostics: BoardDiagnostic[] }> {
  const src = board.dtb;
  if (src.kind === 'user') {
    return {
      diagnostics: [
        {
          id: 'board-dtb-missing',
          severity: 'error',
          message: `board ${board.name} needs its DTB`,
          hint: src.hint,
        },
      ],
    };
  }
  if (src.kind === 'file') return readDtbFile(src.path);
  if (src.kind === 'none') return { diagnostics: [] };

  const mode = opts.qemu ?? 'auto';
  const binary = mode === 'generated' ? undefined : await findExecutable(src.binary, opts.path ?? '');
  if (binary === undefined) {
    if (mode === 'dump') {
      return {
        diagnostics: [
          {
            id: 'board-qemu-dump-failed',
            severity: 'error',
            message: `${src.binary} is not installed, so the board DTB cannot be dumped`,
            hint: 'apt-get install qemu-system-arm (or let dombuild generate the equivalent DTB)',
          },
        ],
      };
    }
    if (!opts.qemuParams) throw new Error(`board ${board.name}: no QEMU parameters to generate its DTB from`);
    return {
      dtb: {
        tree: buildQemuVirtDtb(opts.qemuParams),
        origin: 'generated',
        detail: 'QEMU 7.2 virt equivalent',
      },
      diagnostics: [],
    };
  }
  return dumpWithCache(binary, src.args, opts.cacheDir);
}

async function readDtbFile(path: string): Promise<{ dtb?: BoardDtb; diagnostics: BoardDiagnostic[] }> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    return {
      diagnostics: [
        {
          id: 'board-dtb-missing',
          severity: 'error',
          message: `cannot read board DTB ${path} (${code})`,
          where: path,
          hint: 'give the path of the board DTB, relative to the board file',
        },
      ],
    };
  }
  try {
    return { dtb: { tree: readDtb(bytes), origin: 'file', detail: path }, diagnostics: [] };
  } catch (e) {
    if (!(e instanceof DtbError)) throw e;
    return {
      diagnostics: [
        {
          id: 'board-dtb-invalid',
          severity: 'error',
          message: `${path}: ${e.message}`,
          where: path,
          hint: 'check it with `dtc -I dtb -O dts`',
        },
      ],
    };
  }
}

/** A cache entry is named by the binary (path, size, mtime) and the exact flags. */
export async function qemuDumpCacheKey(binary: string, args: readonly string[]): Promise<string> {
  const st = await stat(binary);
  return createHash('sha256')
    .update(JSON.stringify({ binary, size: st.size, mtime: st.mtimeMs, args }))
    .digest('hex')
    .slice(0, 32);
}

async function dumpWithCache(
  binary: string,
  args: string[],
  cacheDir: string | undefined,
): Promise<{ dtb?: BoardDtb; diagnostics: BoardDiagnostic[] }> {
  const key = await qemuDumpCacheKey(binary, args);
  const cached = cacheDir ? join(cacheDir, 'qemu-dtb', `${key}.dtb`) : undefined;
  if (cached) {
    const hit = await readFile(cached).catch(() => undefined);
    if (hit) {
      try {
        return {
          dtb: { tree: readDtb(new Uint8Array(hit)), origin: 'qemu-dump-cached', detail: cached },
          diagnostics: [],
        };
      } catch (e) {
        if (!(e instanceof DtbError)) throw e; // a damaged cache entry is dumped again
      }
    }
  }
  const dumped = dumpQemuDtb(binary, args);
  if ('error' in dumped) {
    return {
      diagnostics: [
        {
          id: 'board-qemu-dump-failed',
          severity: 'error',
          message: `${binary} ${args.join(' ')} -machine dumpdtb failed: ${dumped.error}`,
          hint: 'check that this QEMU supports the machine flags, or pass --board-dtb',
        },
      ],
    };
  }
  const tree = dumped.tree;
  if (cached) {
    // Written whole under a temporary name, then renamed: a concurrent reader never sees half.
    await mkdir(join(cacheDir!, 'qemu-dtb'), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    await writeFile(tmp, writeDtb(tree));
    await rename(tmp, cached).catch(() => rm(tmp, { force: true }));
  }
  return { dtb: { tree, origin: 'qemu-dump', detail: `${binary} ${args.join(' ')}` }, diagnostics: [] };
}

/** Runs QEMU's dumpdtb with the given machine flags into a temp file; drops the random seeds. */
export function dumpQemuDtb(binary: string, args: readonly string[]): { tree: Tree } | { error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dombuild-dumpdtb-'));
  const file = join(dir, 'board.dtb');
  try {
    const r = spawnSync(binary, [...args, '-machine', `dumpdtb=${file}`, '-display', 'none'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (r.status !== 0) return { error: (r.stderr || r.error?.message || `exit ${r.status}`).trim() };
    const tree = readDtb(new Uint8Array(readFileSync(file)));
    const chosen = tree.root.child('chosen');
    for (const p of RANDOM_CHOSEN_PROPS) chosen?.deleteProp(p);
    return { tree };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function findExecutable(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    const st = await stat(candidate).catch(() => undefined);
    if (st?.isFile() && (st.mode & 0o111) !== 0) return candidate;
  }
  return undefined;
}
