// `dombuild run` on a system with a dom0: the dom0 runs Xen's real toolstack (qemu/dom0), creates
// every runtime domain with `xl create` from the very xl configs `build` writes, and reads back
// Xen's own account of every domain (the census), which is compared with the config field by
// field. Each domain gets its verdict and the path that created it: dom0, boot (Xen's dom0less
// builder) or xl. Exit 0 only when every domain is up and nothing differs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { cacheRootFrom } from '../../qemu/assets.js';
import type { DomainComparison } from '../../qemu/dom0/compare.js';
import { bootWithToolstack, type ToolstackBootResult, ToolstackBuildError } from '../../qemu/dom0/index.js';
import type { ToolstackArch } from '../../qemu/dom0/initramfs.js';
import type { ToolstackRelease } from '../../qemu/dom0/runtime.js';
import { QemuError } from '../../qemu/errors.js';
import { type JunitCase, junitCasesXml } from '../../qemu/junit.js';
import type { Config } from '../../schema/config.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';
import { printDiagnostics } from '../print-diagnostics.js';
import { interruptible } from '../signals.js';
import { printColumns } from './run.boot.js';

const TOOLSTACK_RELEASES: readonly string[] = ['4.17', '4.20'];

/** One domain's verdict as run reports it (the rows of the table, the JSON, the JUnit cases). */
export interface DomainVerdict {
  domain: string;
  path: 'dom0' | 'boot' | 'xl';
  up: boolean;
  /** Why it is not up or not as declared, in one line. */
  problem?: string;
  /** Every compared field: declared (the config), observed (Xen's census), expected when derived. */
  checks: DomainComparison['checks'];
  mismatches: DomainComparison['mismatches'];
}

export interface ToolstackRun {
  args: Record<string, unknown>;
  io: CliIO;
  file: string;
  text: string;
  config: Config;
  extra: ReadonlyMap<string, string | RegExp>;
  timeout: number;
  /** The dom0's architecture; arm64 when not given. */
  arch?: ToolstackArch;
}

export async function runToolstack(r: ToolstackRun): Promise<number> {
  const { args, io, file, config } = r;
  const release = config.xen.release;
  // Debian's bookworm is the only suite with an amd64 Xen and toolstack.
  if (r.arch === 'amd64' && release !== '4.17')
    throw new UsageError(
      `a dom0 with the toolstack on x86_64 runs on Debian's cached Xen 4.17; xen.release is ${release}`,
      'give --xen-release 4.17',
    );
  if (!TOOLSTACK_RELEASES.includes(release))
    throw new UsageError(
      `a dom0 with the toolstack runs on Debian's cached Xen 4.17 or 4.20; xen.release is ${release}`,
      'give --xen-release 4.17 or 4.20',
    );
  if (typeof args.method === 'string' && args.method !== 'direct')
    throw new UsageError(
      `--method ${args.method}: a system with a toolstack dom0 boots with QEMU's loader (direct)`,
    );
  const cacheRoot = cacheRootFrom(io.env, io.env.HOME ?? homedir());
  const work = mkdtempSync(join(tmpdir(), 'dombuild-run-'));
  const runtime = config.domains.filter((d) => !d.boot).map((d) => d.name);
  io.stderr(
    `dombuild: dom0 runs Xen ${release}'s toolstack${runtime.length ? ` and creates ${runtime.join(', ')} with xl` : ''}, then reads Xen's census\n`,
  );
  let result: ToolstackBootResult;
  try {
    result = await interruptible((signal) =>
      bootWithToolstack({
        text: r.text,
        file,
        configDir: resolve(file, '..'),
        release: release as ToolstackRelease,
        ...(r.arch === 'amd64' ? { arch: r.arch } : {}),
        cacheRoot,
        workDir: work,
        timeoutMs: r.timeout * 1000,
        path: io.env.PATH ?? '',
        expect: r.extra,
        signal,
      }),
    );
  } catch (e) {
    if (args.keep === true) io.stderr(`dombuild: build folder kept: ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
    if (e instanceof ToolstackBuildError) {
      printDiagnostics(io, e.diagnostics);
      return 1;
    }
    if (e instanceof QemuError) throw new UsageError(`${e.message}${e.hint ? ` (${e.hint})` : ''}`);
    throw e;
  }
  const verdicts = domainVerdicts(result);
  const ok = result.run.ok && result.verdict.ok && verdicts.every((v) => v.up && v.mismatches.length === 0);
  writeFileSync(join(work, 'console.log'), result.run.console);
  if (typeof args.log === 'string') writeFileSync(resolve(io.cwd, args.log), result.run.console);
  if (typeof args.junit === 'string')
    writeFileSync(
      resolve(io.cwd, args.junit),
      junitCasesXml(`${basename(file)} (toolstack)`, verdicts.map(junitCase), result.run),
    );
  if (args.json === true) io.stdout(`${JSON.stringify(runJson(file, ok, verdicts), null, 2)}\n`);
  else printTable(io, verdicts);
  for (const s of result.verdict.failedSteps)
    io.stderr(`dombuild: dom0 step ${s.step} failed${s.out ? `: ${s.out.trim()}` : ` (exit ${s.rc})`}\n`);
  if (!ok && !result.run.ok) io.stderr(`dombuild: ${result.run.reason ?? 'the boot failed'}\n`);
  const keep = args.keep === true || !ok;
  if (keep) io.stderr(`dombuild: build folder and console log kept: ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
  return ok ? 0 : 1;
}

/** dom0 and the boot-time domains by what the console showed, runtime ones by the dom0's records. */
export function domainVerdicts(r: ToolstackBootResult): DomainVerdict[] {
  const byName = new Map(r.verdict.comparisons.map((c) => [c.domain, c]));
  const out: DomainVerdict[] = [];
  const push = (domain: string, path: DomainVerdict['path'], up: boolean, problem?: string) => {
    const c = byName.get(domain);
    const v: DomainVerdict = { domain, path, up, checks: c?.checks ?? [], mismatches: c?.mismatches ?? [] };
    const why = problem ?? (c && !c.census ? 'not in the census Xen gave dom0' : undefined);
    if (why) v.problem = why;
    else if (v.mismatches.length)
      v.problem = v.mismatches
        .map((m) => `${m.field}: declared ${m.declared}, Xen has ${m.observed}`)
        .join('; ');
    out.push(v);
  };
  const consoleUp = new Map(r.run.domains.map((d) => [d.domain, d.met]));
  const dom0Up = r.dom0.records.some((x) => x.kind === 'done');
  push('dom0', 'dom0', dom0Up, dom0Up ? undefined : 'the dom0 never finished its report');
  for (const d of r.config.domains.filter((x) => x.boot)) {
    const up = consoleUp.get(d.name) ?? byName.get(d.name)?.census !== undefined;
    push(d.name, 'boot', up, up ? undefined : 'never printed what it was waited for');
  }
  for (const rt of r.verdict.runtime) {
    const up = rt.created && rt.markerSeen !== false;
    const problem = !rt.created
      ? `xl create failed: ${rt.error ?? 'no reason given'}`
      : rt.markerSeen === false
        ? 'created, but its console never showed its marker'
        : undefined;
    push(rt.domain, 'xl', up, problem);
  }
  return out;
}

function junitCase(v: DomainVerdict): JunitCase {
  const c: JunitCase = { name: `${v.domain} (${v.path})` };
  if (!v.up || v.mismatches.length) c.failure = v.problem ?? 'not as declared';
  return c;
}

function runJson(file: string, ok: boolean, verdicts: DomainVerdict[]) {
  return {
    format: 'dombuild-run',
    version: 1,
    file,
    ok,
    domains: verdicts.map((v) => ({
      domain: v.domain,
      path: v.path,
      up: v.up,
      problem: v.problem ?? null,
      fields: v.checks.map((c) => ({
        field: c.field,
        declared: c.declared,
        observed: c.observed,
        expected: c.expected ?? null,
        ok: c.ok,
      })),
      mismatches: v.mismatches.map((m) => ({ field: m.field, declared: m.declared, observed: m.observed })),
    })),
  };
}

function printTable(io: CliIO, verdicts: DomainVerdict[]): void {
  const rows = [
    ['domain', 'created by', 'up', 'census', 'problem'],
    ...verdicts.map((v) => [
      v.domain,
      v.path === 'xl' ? 'xl create' : v.path === 'boot' ? 'Xen at boot' : 'Xen (dom0)',
      v.up ? 'yes' : 'NO',
      v.checks.length ? `${v.checks.length - v.mismatches.length}/${v.checks.length} fields match` : '-',
      v.problem ?? '',
    ]),
  ];
  printColumns(io, rows);
}
