import yargs from 'yargs';
import type { CommandSpec } from './command.js';
import { blobCommand } from './commands/blob.js';
import { boardsCommand } from './commands/boards.js';
import { buildCommand } from './commands/build.js';
import { diffCommand } from './commands/diff.js';
import { doctorCommand } from './commands/doctor.js';
import { dtcCommand } from './commands/dtc.js';
import { importCommand } from './commands/import.js';
import { planCommand } from './commands/plan.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { validateCommand } from './commands/validate.js';
import { xlCommand } from './commands/xl.js';
import { ExitError, UsageError } from './errors.js';
import { type CliIO, processIO } from './io.js';
import { Interrupted } from './signals.js';

// Order here is the order of `dombuild --help`.
const commands: CommandSpec[] = [
  validateCommand,
  planCommand,
  buildCommand,
  runCommand,
  xlCommand,
  importCommand,
  diffCommand,
  dtcCommand,
  blobCommand,
  schemaCommand,
  boardsCommand,
  doctorCommand,
];

const VERSION = '0.1.0';

/** Runs the CLI with the given I/O and returns the exit code; never calls process.exit. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let exitCode = 0;
  const y = yargs(argv)
    .scriptName('dombuild')
    .version(VERSION)
    .strict()
    .demandCommand(1, 'Say which command to run; see the list above.')
    .recommendCommands()
    // Only a terminal has columns. Not touching stdout otherwise also keeps the start-up snapshot's
    // warm-up (a fake IO) from opening it, which a snapshot cannot hold.
    .wrap(Math.min(100, (io.isTTY ? process.stdout.columns : undefined) ?? 100))
    .exitProcess(false)
    // Throwing here stops yargs before any handler runs: a mistyped flag must not write anything.
    .fail((msg, err, instance) => {
      if (err) throw err;
      let usage = '';
      instance.showHelp((text: string) => {
        usage = text;
      });
      throw new ArgvError(nameMissing(msg ?? 'invalid arguments', usage), usage);
    });
  for (const spec of commands) {
    y.command(spec.command, spec.describe, spec.builder, async (args) => {
      exitCode = await spec.run(args as Record<string, unknown>, io);
    });
  }
  let helpText = '';
  try {
    await y.parseAsync(argv, {}, (_err, _argv, output) => {
      if (output) helpText = output;
    });
  } catch (err) {
    return reportError(err, io);
  }
  if (helpText) io.stdout(`${helpText}\n`);
  return exitCode;
}

/** yargs refused the arguments: its message, after the usage of the command they were for. */
class ArgvError extends UsageError {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** yargs counts missing positionals without naming them; the usage line has their names. */
function nameMissing(message: string, usage: string): string {
  const m = /^Not enough non-option arguments: got (\d+)/.exec(message);
  if (!m) return message;
  const wanted = [...(usage.split('\n')[0] ?? '').matchAll(/<([^>]+)>/g)].map((x) => `<${x[1]}>`);
  const missing = wanted.slice(Number(m[1]));
  return missing.length > 0 ? `missing ${missing.join(' ')}: ${message}` : message;
}

function reportError(err: unknown, io: CliIO): number {
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof Interrupted) {
    io.stderr(`dombuild: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof ArgvError && err.usage) io.stderr(`${err.usage}\n\n`);
  if (err instanceof UsageError) {
    io.stderr(`dombuild: ${err.message}\n`);
    if (err.hint) io.stderr(`  hint: ${err.hint}\n`);
    return 2;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  io.stderr(
    `dombuild: internal error: ${e.message}\n${e.stack ?? ''}\n` +
      `This is a bug in dombuild ${VERSION} (node ${process.version}); please report it with the command you ran.\n`,
  );
  return 70;
}

export async function main(argv: string[]): Promise<number> {
  return runCli(argv, processIO());
}
