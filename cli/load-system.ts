// The read → load step build, plan and run share: an unreadable file is a usage error (exit 2);
// a config that does not load comes back without `config`, its diagnostics in `diagnostics`.
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Diagnostic } from '../schema/diagnostic.js';
import { loadConfig } from '../schema/load.js';
import { UsageError } from './errors.js';

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
