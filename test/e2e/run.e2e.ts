// `dombuild run` end to end, in-process: config → build in a temp folder → real Xen under QEMU,
// both methods; a domain that never comes up makes it exit 1 naming that domain, in the summary
// and in the JUnit report (judged by xmllint).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { CliIO } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';
import { bootGate } from './helpers/system.js';

const gate = bootGate(['qemu-system-aarch64', 'xmllint']);
const boot = gate.available ? test.serial : test.serial.skip;

const made: string[] = [];
test.after.always(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function config(release: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dombuild-run-e2e-'));
  made.push(dir);
  const file = join(dir, 'two-probes.yaml');
  writeFileSync(
    file,
    `xen:
  release: "${release}"
  cmdline: "console=dtuart dtuart=/pl011@9000000 bootscrub=0"
board: qemu-virt-arm64
domains:
  - name: alpha
    kernel: { probe: "alpha says hello" }
    memory: 64M
    vcpus: 1
    vpl011: true
  - name: beta
    kernel: probe
    memory: 64M
    vcpus: 1
    vpl011: true
`,
  );
  return file;
}

async function dombuild(argv: string[]): Promise<{ code: number; out: string; err: string }> {
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
    cwd: process.cwd(),
    env: process.env,
    isTTY: false,
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

const xpath = (file: string, q: string) =>
  spawnSync('xmllint', ['--xpath', q, file], { encoding: 'utf8' }).stdout.trim();

for (const [release, method] of [
  ['4.17', 'direct'],
  ['4.17', 'uboot'],
  ['4.20', 'direct'],
  ['4.20', 'uboot'],
] as const) {
  boot(
    `dombuild run (Xen ${release}, ${method}): both probes up, exit 0, JUnit with no failures`,
    async (t) => {
      const cfg = config(release);
      const junit = join(cfg, '..', 'report.xml');
      const r = await dombuild(['run', cfg, '--method', method, '--timeout', '150', '--junit', junit]);
      t.log(r.out.trim());
      t.is(r.code, 0, r.err.slice(-2000));
      t.regex(r.out, /^alpha +yes /m);
      t.regex(r.out, /^beta +yes /m);
      // The console is streamed with each line attributed to its domain.
      t.regex(r.err, /^\[alpha\] alpha says hello$/m);
      t.regex(r.err, /^\[beta\] dombuild-probe: beta up$/m);
      t.is(spawnSync('xmllint', ['--noout', junit]).status, 0);
      t.is(xpath(junit, 'string(/testsuites/@tests)'), '2');
      t.is(xpath(junit, 'string(/testsuites/@failures)'), '0');
    },
  );
}

boot('dombuild run: a domain that never shows its expectation fails the run with its name', async (t) => {
  const cfg = config('4.17');
  const junit = join(cfg, '..', 'report.xml');
  const log = join(cfg, '..', 'console.log');
  const r = await dombuild([
    'run',
    cfg,
    '--method',
    'direct',
    '--expect',
    'beta=/never printed/',
    '--timeout',
    '10',
    '--junit',
    junit,
    '--log',
    log,
    '--quiet',
  ]);
  t.is(r.code, 1);
  // A failed run keeps its build folder for a look; this one is not needed.
  const kept = /kept: (\S+)$/m.exec(r.out)?.[1];
  t.truthy(kept);
  if (kept) made.push(kept);
  t.regex(r.out, /^alpha +yes /m);
  t.regex(r.out, /^beta +NO /m);
  t.regex(r.out, /^FAILED: .*beta/m);
  t.is(xpath(junit, 'string(/testsuites/@failures)'), '1');
  t.is(xpath(junit, 'string(//testcase[failure]/@name)'), 'beta');
  // The full console is saved: Xen's banner and the guest that did come up.
  const text = readFileSync(log, 'utf8');
  t.regex(text, /Xen version 4\.17/);
  t.regex(text, /alpha says hello/);
});

boot(
  'dombuild run: an --expect for a domain the config does not have is a usage error (exit 2)',
  async (t) => {
    const r = await dombuild(['run', config('4.17'), '--expect', 'gamma=x', '--quiet']);
    t.is(r.code, 2);
  },
);
