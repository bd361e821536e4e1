// `dombuild` in-process for the end-to-end suites: argv in, exit code and both streams out.
import { rmSync } from 'node:fs';
import type { CliIO } from '../../../cli/io.js';
import { runCli } from '../../../cli/main.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function dombuild(argv: string[], cwd = process.cwd()): Promise<CliResult> {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    readStdin: async () => new Uint8Array(),
    cwd,
    env: process.env,
    isTTY: false,
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

/** A failed `run` keeps its build folder and says where; the suites remove it. */
export function removeKept(r: CliResult): void {
  const kept = /kept: (\S+)$/m.exec(r.out)?.[1];
  if (kept?.includes('dombuild-run-')) rmSync(kept, { recursive: true, force: true });
}

/** The check ids of a `validate --json` report. */
export function reportIds(r: CliResult): string[] {
  const report = JSON.parse(r.out) as { diagnostics: { id: string; severity: string }[] };
  return report.diagnostics.filter((d) => d.severity === 'error').map((d) => d.id);
}
