// `dombuild run`: build the config into a temp folder (with the cached Debian Xen when the config
// names none), boot it under QEMU — direct or through U-Boot — and judge each domain by what it
// prints. Exit 0 only when every watched domain came up; otherwise 1 with the domain and reason.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { resolveBoard } from '../../boards/registry.js';
import { writeArtifacts } from '../../builder/artifacts.js';
import { toBoardFacts } from '../../builder/board-facts.js';
import { buildSystem, OUTPUT_FILES } from '../../builder/build.js';
import { resolveImages } from '../../builder/images.js';
import { planLayout } from '../../builder/plan/layout.js';
import { writeDtb } from '../../devicetree/dtb.js';
import { type BootSpec, type QemuCommand, qemuArgv, ubootKeystrokes } from '../../qemu/argv.js';
import { cacheRootFrom, locateAsset, xenAssetId } from '../../qemu/assets.js';
import type { ConsoleLine, Expectation } from '../../qemu/console.js';
import { QemuError } from '../../qemu/errors.js';
import { junitXml } from '../../qemu/junit.js';
import { type RunResult, runQemu } from '../../qemu/runner.js';
import { directBootSpec, domainExpectations, prepareTftpRoot } from '../../qemu/system.js';
import type { Config } from '../../schema/config.js';
import { isXenRelease } from '../../schema/releases.js';
import { locate } from '../../schema/source.js';
import { validate } from '../../schema/validate.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';
import { loadSystem } from '../load-system.js';
import { finish, printDiagnostics } from '../report.js';
import { interruptible } from '../signals.js';
import { checkBoardFlag } from './board-flag.js';
import { usageFromArtifacts } from './build.output.js';
import { demoteChecks, skipsValidation } from './build.unchecked.js';
import { cacheDirFrom } from './plan.run.js';

// `run` places generated and cached files itself, so these build warnings are not the user's.
export const RUN_HANDLES = new Set([
  'uboot-path-outside-root',
  'xen-image-missing',
  'uboot-image-placeholder',
]);

function parseExpect(list: unknown): Map<string, string | RegExp> {
  const out = new Map<string, string | RegExp>();
  for (const item of Array.isArray(list) ? list : []) {
    const s = String(item);
    const eq = s.indexOf('=');
    if (eq < 1) throw new UsageError(`--expect ${s}: write DOMAIN=TEXT or DOMAIN=/REGEX/`);
    const name = s.slice(0, eq);
    const what = s.slice(eq + 1);
    const re = /^\/(.+)\/([imsu]*)$/.exec(what);
    try {
      out.set(name, re ? new RegExp(re[1] as string, re[2]) : what);
    } catch (e) {
      throw new UsageError(`--expect ${s}: ${(e as Error).message}`);
    }
  }
  return out;
}

export async function runRun(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const file = resolve(io.cwd, String(args.config));
  const timeout = Number(args.timeout ?? 120);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 3600)
    throw new UsageError('--timeout must be 1..3600 seconds');
  const extra = parseExpect(args.expect);
  const { configDir, loaded, diagnostics } = await loadSystem(file);
  if (!loaded.config) return finish(io, diagnostics);
  let config: Config = loaded.config;

  const boardOpts: Parameters<typeof resolveBoard>[1] = { configDir, qemu: 'auto', path: io.env.PATH ?? '' };
  const cacheDir = cacheDirFrom(io.env);
  if (cacheDir) boardOpts.cacheDir = cacheDir;
  const setting = typeof args.board === 'string' ? args.board : config.board;
  if (typeof args.board === 'string') boardOpts.configDir = io.cwd;
  const b = await resolveBoard(setting, boardOpts);
  checkBoardFlag(args, b.diagnostics);
  for (const d of b.diagnostics)
    diagnostics.push({
      id: d.id,
      severity: d.severity,
      message: d.message,
      path: 'board',
      ...(d.hint ? { hint: d.hint } : {}),
    });
  if (!b.board) return finish(io, diagnostics);
  if (args.xenRelease !== undefined) {
    const release = String(args.xenRelease);
    if (!isXenRelease(release))
      throw new UsageError(`--xen-release ${release}: not a Xen release dombuild knows`);
    config = { ...config, xen: { ...config.xen, release } };
  }
  if (b.board.arch === 'x86_64') {
    // x86 Xen reads no device tree: QEMU's multiboot loader takes the module list builder/x86 emits.
    const { runX86 } = await import('./run.x86.js');
    return runX86({
      args,
      io,
      file,
      config,
      board: b.board,
      source: loaded.source,
      diagnostics,
      extra,
      timeout,
    });
  }
  if (!b.tree) return finish(io, diagnostics);
  const board = b.board;
  if (board.arch !== 'arm64')
    throw new UsageError(`run boots arm64 and x86_64 boards; ${board.name} is ${board.arch}`);

  const method = (typeof args.method === 'string' ? args.method : config.boot.method) as string;
  if (method !== 'direct' && method !== 'uboot')
    throw new UsageError(`run boots with direct or uboot, not ${method}`);
  config = { ...config, boot: { ...config.boot, method } };
  if (!config.xen.image) {
    // The Debian build of the config's release, as scripts/setup-system.sh caches it.
    const cacheRoot = cacheRootFrom(io.env, io.env.HOME ?? homedir());
    let xen: string;
    try {
      xen = locateAsset(cacheRoot, xenAssetId(config.xen.release as '4.17' | '4.20', 'arm64')).path;
    } catch (e) {
      if (!(e instanceof QemuError)) throw e;
      throw new UsageError(
        `no Xen ${config.xen.release} for arm64: ${e.message}${e.hint ? ` (${e.hint})` : ''}`,
      );
    }
    config = { ...config, xen: { ...config.xen, image: { kind: 'file', path: xen } } };
    io.stderr(`dombuild: using Xen ${xen}\n`);
  }

  const checked = locate(
    validate(config, { board: toBoardFacts(board), source: loaded.source }),
    loaded.source,
  );
  diagnostics.push(...(skipsValidation(args) ? demoteChecks(io, checked) : checked));
  if (diagnostics.some((d) => d.severity === 'error')) return finish(io, diagnostics);
  const imgs = await resolveImages(config, { configDir });
  diagnostics.push(...locate(imgs.diagnostics, loaded.source));
  if (imgs.diagnostics.some((d) => d.severity === 'error')) return finish(io, diagnostics);
  const planned = planLayout({
    config,
    board,
    images: imgs.images,
    boardDtbSize: BigInt(writeDtb(b.tree).length),
  });
  diagnostics.push(...locate(planned.diagnostics, loaded.source));
  if (!planned.plan) return finish(io, diagnostics);
  const plan = planned.plan;

  const work = mkdtempSync(join(tmpdir(), 'dombuild-run-'));
  const outDir = join(work, 'out');
  const built = buildSystem({
    config,
    board,
    boardTree: b.tree,
    plan,
    images: imgs.images,
    // The output folder is the TFTP root: the script names every file relative to it.
    bootRoot: outDir,
    outDir,
    only: new Set(method === 'uboot' ? ['dtb', 'uboot'] : ['dtb']),
    dynamic: false,
    timestamp: 0,
  });
  diagnostics.push(...locate(built.diagnostics, loaded.source));
  if (diagnostics.some((d) => d.severity === 'error')) {
    rmSync(work, { recursive: true, force: true });
    return finish(io, diagnostics);
  }
  printDiagnostics(
    io,
    diagnostics.filter((d) => !RUN_HANDLES.has(d.id)),
  );
  try {
    await writeArtifacts(built.files, outDir);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw usageFromArtifacts(e);
  }

  let expectations: Expectation[];
  let spec: BootSpec;
  try {
    const found = domainExpectations(config, readFileSync(join(outDir, OUTPUT_FILES.systemDtb)), extra);
    if (found.unwatched.length > 0) {
      throw new UsageError(
        `nothing to wait for from ${found.unwatched.join(', ')}: give --expect ${found.unwatched[0]}=TEXT (what it prints when up)`,
      );
    }
    expectations = found.expectations;
    spec = method === 'direct' ? directBootSpec(board, plan, outDir) : prepareTftpRoot(board, plan, outDir);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    if (e instanceof QemuError) throw new UsageError(`${e.message}${e.hint ? ` (${e.hint})` : ''}`);
    throw e;
  }
  return bootAndReport({
    io,
    args,
    file,
    label: method,
    command: qemuArgv(spec),
    expectations,
    work,
    timeout,
    uboot: method === 'uboot',
  });
}

export interface BootJob {
  io: CliIO;
  args: Record<string, unknown>;
  /** The config file, for the progress line and the JUnit suite name. */
  file: string;
  /** How it boots: direct, uboot, multiboot. */
  label: string;
  command: QemuCommand;
  expectations: Expectation[];
  /** The scratch folder: removed after a good run, kept (and named) after a failed one. */
  work: string;
  timeout: number;
  uboot: boolean;
}

/** Boots, streams the console, writes the log and JUnit report, prints the summary; the exit code. */
export async function bootAndReport(job: BootJob): Promise<number> {
  const { io, args, file, command, expectations, work, timeout } = job;
  const method = job.label;
  const names = new Map(
    expectations.filter((e) => e.domid !== undefined).map((e) => [e.domid as number, e.domain]),
  );
  io.stderr(
    `dombuild: booting ${basename(file)} (${method}): ${command.command} ${command.args.join(' ')}\n`,
  );
  const onLine = args.quiet
    ? undefined
    : (l: ConsoleLine) => {
        if (l.payload.trim() === '') return;
        // Xen 4.20 prints the console-focus domain unprefixed: such a line is a domain's when it
        // carries that domain's expectation.
        const mine = expectations.find((e) =>
          typeof e.match === 'string' ? l.payload.includes(e.match) : e.match.test(l.payload),
        );
        const who =
          l.domid !== undefined
            ? (names.get(l.domid) ?? `d${l.domid}`)
            : mine
              ? mine.domain
              : l.text.startsWith('(XEN)')
                ? 'xen'
                : 'console';
        io.stderr(`[${who}] ${l.domid !== undefined || mine ? l.payload : l.text}\n`);
      };
  let result: RunResult;
  try {
    result = await interruptible((signal) =>
      runQemu({
        command,
        expectations,
        timeoutMs: timeout * 1000,
        // U-Boot or Xen speaks within a second or two; a silent console means Xen has no console.
        firstOutputTimeoutMs: Math.min(timeout, 30) * 1000,
        handover: 'Starting kernel ...',
        ...(job.uboot ? { input: ubootKeystrokes() } : {}),
        ...(onLine ? { onLine } : {}),
        signal,
      }),
    );
  } catch (e) {
    // No run to look at (QEMU missing, interrupted): the scratch folder goes unless asked to keep it.
    if (args.keep === true) io.stderr(`dombuild: build folder kept: ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
    if (e instanceof QemuError) throw new UsageError(`${e.message}${e.hint ? ` (${e.hint})` : ''}`);
    throw e;
  }
  const log = join(work, 'console.log');
  writeFileSync(log, result.console);
  if (typeof args.log === 'string') writeFileSync(resolve(io.cwd, args.log), result.console);
  if (typeof args.junit === 'string') {
    writeFileSync(resolve(io.cwd, args.junit), junitXml([{ name: `${basename(file)} (${method})`, result }]));
  }

  const rows = [
    ['domain', 'up', 'first output', 'up after'],
    ...result.domains.map((d) => [
      d.domain,
      d.met ? 'yes' : 'NO',
      d.secondsToFirstOutput === undefined ? '-' : `${d.secondsToFirstOutput.toFixed(2)} s`,
      d.secondsToMet === undefined ? '-' : `${d.secondsToMet.toFixed(2)} s`,
    ]),
  ];
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  io.stdout(
    `${rows
      .map((r) =>
        r
          .map((cell, c) => cell.padEnd(widths[c] as number))
          .join('  ')
          .trimEnd(),
      )
      .join('\n')}\n`,
  );
  const keep = args.keep === true || !result.ok;
  if (result.ok) {
    io.stdout(`all ${result.domains.length} domains up in ${result.durationSeconds.toFixed(2)} s\n`);
  } else {
    io.stdout(`FAILED: ${result.reason}\n`);
    for (const d of result.domains.filter((r) => !r.met)) {
      const wanted = expectations.filter((e) => e.domain === d.domain).map((e) => showMatch(e.match));
      if (wanted.length > 0) io.stdout(`  ${d.domain} never printed ${wanted.join(' or ')}\n`);
    }
  }
  if (keep) io.stdout(`build folder and console log kept: ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
  return result.ok ? 0 : 1;
}

/** What a domain's console was searched for: a quoted text or a /regex/. */
function showMatch(match: string | RegExp): string {
  return typeof match === 'string' ? JSON.stringify(match) : String(match);
}
