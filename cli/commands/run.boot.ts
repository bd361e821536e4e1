// How `dombuild run` boots a built system and reports: stream the console, judge each domain,
// write the log and JUnit report, print the summary table. Shared by the Arm and x86 paths.
import { rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { type QemuCommand, ubootKeystrokes } from '../../qemu/argv.js';
import type { ConsoleLine, Expectation } from '../../qemu/console.js';
import { QemuError } from '../../qemu/errors.js';
import { junitXml } from '../../qemu/junit.js';
import { type RunResult, runQemu } from '../../qemu/runner.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';
import { interruptible } from '../signals.js';

// `run` places generated and cached files itself, so these build warnings are not the user's.
export const RUN_HANDLES = new Set([
  'uboot-path-outside-root',
  'xen-image-missing',
  'uboot-image-placeholder',
]);

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

  if (args.json === true) {
    // The same document a toolstack run prints; without a dom0 reading Xen's census, only what
    // the console showed is known of each domain.
    const doc = {
      format: 'dombuild-run',
      version: 1,
      file,
      ok: result.ok,
      domains: result.domains.map((d) => ({
        domain: d.domain,
        path: d.domain === 'dom0' ? 'dom0' : 'boot',
        up: d.met,
        problem: d.met ? null : (result.reason ?? 'expectation not met'),
        fields: [],
        mismatches: [],
      })),
    };
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    if (!result.ok) io.stderr(`dombuild: FAILED: ${result.reason}\n`);
  } else {
    printBootTable(io, result, expectations);
  }
  const keep = args.keep === true || !result.ok;
  if (keep) io.stdout(`build folder and console log kept: ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
  return result.ok ? 0 : 1;
}

/** The human report: one row per domain, then the verdict (or why it failed). */
function printBootTable(io: CliIO, result: RunResult, expectations: readonly Expectation[]): void {
  const rows = [
    ['domain', 'up', 'first output', 'up after'],
    ...result.domains.map((d) => [
      d.domain,
      d.met ? 'yes' : 'NO',
      d.secondsToFirstOutput === undefined ? '-' : `${d.secondsToFirstOutput.toFixed(2)} s`,
      d.secondsToMet === undefined ? '-' : `${d.secondsToMet.toFixed(2)} s`,
    ]),
  ];
  printColumns(io, rows);
  if (result.ok) {
    io.stdout(`all ${result.domains.length} domains up in ${result.durationSeconds.toFixed(2)} s\n`);
  } else if (xenSilent(result)) {
    // No guest could have spoken: blaming each one would hide the cause.
    io.stdout(`FAILED: Xen printed nothing (${result.reason})\n${XEN_SILENT_CAUSES}`);
  } else {
    io.stdout(`FAILED: ${result.reason}\n`);
    for (const d of result.domains.filter((r) => !r.met)) {
      const wanted = expectations.filter((e) => e.domain === d.domain).map((e) => showMatch(e.match));
      if (wanted.length > 0) io.stdout(`  ${d.domain} never printed ${wanted.join(' or ')}\n`);
    }
  }
}

/** Xen's console lines start with "(XEN)"; a run without one never reached Xen's console. */
export function xenSilent(result: Pick<RunResult, 'ok' | 'console' | 'outcome'>): boolean {
  return (result.outcome === 'silent' || result.outcome === 'timeout') && !/^\(XEN\)/m.test(result.console);
}

export const XEN_SILENT_CAUSES =
  '  likely causes:\n' +
  "  - Xen's console is not a device in the tree: console=dtuart with dtuart= naming an alias the board's\n" +
  '    device tree lacks (give the UART by its path, e.g. dtuart=/pl011@9000000), or no console= at all\n' +
  '  - Xen stopped before its console existed: a binary for another machine or architecture, or a build\n' +
  "    missing what the tree needs (validate with that build's .config: xen.kconfig, or a .config beside\n" +
  '    xen.image)\n' +
  '  - the boot loader never handed over to Xen (see the console log for U-Boot errors)\n';

/** Rows of cells as aligned columns, the first row the header. */
export function printColumns(io: CliIO, rows: readonly (readonly string[])[]): void {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  io.stdout(`${rows.map(line).join('\n')}\n`);
}

/** What a domain's console was searched for: a quoted text or a /regex/. */
function showMatch(match: string | RegExp): string {
  return typeof match === 'string' ? JSON.stringify(match) : String(match);
}
