// What the CLI tells writeArtifacts about the output folder: the folders that must survive a
// replace (where the user is, the config's folder, home) and whether --force was given.
import { dirname, resolve } from 'node:path';
import { ArtifactsError, checkDestination, type WriteOptions } from '../../builder/artifacts.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';

/** writeArtifacts options for a command writing `-o`, given its config file when it has one. */
export function outputOptions(args: Record<string, unknown>, io: CliIO, configFile?: string): WriteOptions {
  const keep = [io.cwd];
  if (configFile !== undefined) keep.push(dirname(resolve(io.cwd, configFile)));
  if (io.env.HOME) keep.push(io.env.HOME);
  return { force: args.force === true, keep };
}

/** An ArtifactsError as the usage error (exit 2) the user sees, hint included. */
export function usageFromArtifacts(e: unknown): unknown {
  if (!(e instanceof ArtifactsError)) return e;
  const code = e.code && /^E[A-Z]+$/.test(e.code) ? ` (${e.code})` : '';
  return new UsageError(`${e.message}${code}`, e.hint);
}

/** Refuses an output folder before any work is done, so a refusal costs nothing. */
export async function checkOutput(
  args: Record<string, unknown>,
  io: CliIO,
  configFile?: string,
): Promise<void> {
  const dest = args.o ?? args.out;
  if (typeof dest !== 'string') return;
  try {
    await checkDestination(resolve(io.cwd, dest), outputOptions(args, io, configFile));
  } catch (e) {
    throw usageFromArtifacts(e);
  }
}
