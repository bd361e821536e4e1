// Runs the external judges (mkimage, dumpimage, cpio, dtc) on files in a scratch folder. The
// timestamp is pinned with SOURCE_DATE_EPOCH so mkimage's output is deterministic.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout as bytes, for binary output. */
  raw: Uint8Array;
}

export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; epoch?: number; input?: Uint8Array } = {},
): RunResult {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', TZ: 'UTC' };
  if (opts.epoch !== undefined) env.SOURCE_DATE_EPOCH = String(opts.epoch);
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env, input: opts.input, maxBuffer: 64 << 20 });
  return {
    status: r.status,
    stdout: r.stdout?.toString('utf8') ?? '',
    stderr: r.stderr?.toString('utf8') ?? '',
    raw: new Uint8Array(r.stdout ?? []),
  };
}

/** A scratch folder for one check, removed after `fn` finishes. */
export function withDir<T>(fn: (dir: string, io: DirIO) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'dombuild-images-'));
  const io = dirIO(dir);
  try {
    return fn(dir, io);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function withDirAsync<T>(fn: (dir: string, io: DirIO) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'dombuild-images-'));
  try {
    return await fn(dir, dirIO(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function dirIO(dir: string): DirIO {
  return {
    write: (name, data) => writeFileSync(join(dir, name), data),
    read: (name) => new Uint8Array(readFileSync(join(dir, name))),
    path: (name) => join(dir, name),
  };
}

export interface DirIO {
  write(name: string, data: Uint8Array | string): void;
  read(name: string): Uint8Array;
  path(name: string): string;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
