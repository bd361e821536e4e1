// The read → load step build, plan and run share (and the board query build and plan share): an unreadable file is a usage error (exit 2);
// a config that does not load comes back without `config`, its diagnostics in `diagnostics`.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { resolveBoard } from '../boards/registry.js';
import type { Config } from '../schema/config.js';
import type { Diagnostic } from '../schema/diagnostic.js';
import { loadConfig } from '../schema/load.js';
import { UsageError } from './errors.js';
import type { CliIO } from './io.js';

export interface LoadedSystem {
  /** The config's folder: relative image paths are resolved from here. */
  configDir: string;
  loaded: ReturnType<typeof loadConfig>;
  /** The loader's diagnostics, copied so the caller can append the later stages' own. */
  diagnostics: Diagnostic[];
}

/** Reads and loads the config at the absolute path `file`. */
export async function loadSystem(file: string): Promise<LoadedSystem> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`);
  }
  const loaded = loadConfig(text, file);
  return { configDir: dirname(file), loaded, diagnostics: [...loaded.diagnostics] };
}

/**
 * The board build and plan resolve: --board and --board-dtb are relative to where the user
 * stands, a board named in the config to the config's folder.
 */
export function boardQuery(
  args: Record<string, unknown>,
  io: CliIO,
  configDir: string,
  configBoard: Config['board'],
  cacheDir: string | undefined,
): { setting: Config['board'] | string; options: Parameters<typeof resolveBoard>[1] } {
  const options: Parameters<typeof resolveBoard>[1] = { configDir, qemu: 'auto', path: io.env.PATH ?? '' };
  if (cacheDir) options.cacheDir = cacheDir;
  if (typeof args.boardDtb === 'string') options.boardDtb = resolve(io.cwd, args.boardDtb);
  const setting = typeof args.board === 'string' ? args.board : configBoard;
  if (typeof args.board === 'string') options.configDir = io.cwd;
  return { setting, options };
}
