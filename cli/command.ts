import type { Argv } from 'yargs';
import type { CliIO } from './io.js';

/**
 * A command is declared eagerly (name, help, flags) and its implementation is imported only when
 * it runs, so `--help` and cheap commands never load the emitters.
 */
export interface CommandSpec {
  command: string | string[];
  describe: string;
  builder: (y: Argv) => Argv;
  /** Returns the exit code. Throws UsageError (2) or ExitError(n). */
  run: (args: Record<string, unknown>, io: CliIO) => Promise<number>;
}
