// Runs the CLI in-process with a fake CliIO that captures what it prints: the one copy of the
// wrapper the CLI tests share.
import type { CliIO } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';

export interface CliRunOptions {
  cwd: string;
  env?: CliIO['env'];
}

export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Raw bytes written to stdout (a DTB from `dtc` with no -o), in order. */
  stdoutBytes: Uint8Array[];
}

export async function runCliCaptured(argv: string[], opts: CliRunOptions): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  const stdoutBytes: Uint8Array[] = [];
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stdoutBytes: (b) => {
      stdoutBytes.push(b);
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: async () => new Uint8Array(),
    cwd: opts.cwd,
    env: opts.env ?? {},
    isTTY: false,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr, stdoutBytes };
}
