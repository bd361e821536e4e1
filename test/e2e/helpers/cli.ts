// `dombuild` in-process for the end-to-end suites: argv in, exit code and both streams out.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
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

/** One domain of `dombuild run --json`. */
export interface RunJsonDomain {
  domain: string;
  path: string;
  up: boolean;
  fields: { field: string; ok: boolean }[];
  mismatches: unknown[];
}

/**
 * `dombuild run <config> --json --junit` with the toolstack dom0 as a user runs it (no --expect),
 * asserted to exit 0; the parsed JSON and the JUnit report, whose XML xmllint must accept.
 */
export async function runWithCensus(
  t: { is: (a: unknown, b: unknown, m?: string) => void; teardown: (f: () => void) => void },
  config: string,
  junit: string,
  extra: string[] = [],
): Promise<{ ok: boolean; domains: RunJsonDomain[]; junitXml: string }> {
  const r = await dombuild([
    'run',
    config,
    ...extra,
    '--json',
    '--junit',
    junit,
    '--quiet',
    '--timeout',
    '280',
  ]);
  // A failed toolstack run keeps its folder and says so on stderr (stdout is the JSON).
  const kept = /kept: (\S+)$/m.exec(r.err)?.[1];
  if (kept?.includes('dombuild-run-')) t.teardown(() => rmSync(kept, { recursive: true, force: true }));
  t.is(r.code, 0, `${r.out}\n${r.err.slice(-2000)}`);
  t.is(spawnSync('xmllint', ['--noout', junit]).status, 0, 'xmllint accepts the JUnit report');
  return {
    ...(JSON.parse(r.out) as { ok: boolean; domains: RunJsonDomain[] }),
    junitXml: readFileSync(junit, 'utf8'),
  };
}
