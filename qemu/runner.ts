// Spawns QEMU, streams its console through ConsoleMonitor, and stops QEMU (by its own pid) as
// soon as every expectation is met, a panic is seen, or the timeout passes. Whatever happens —
// success, failure, a throw in a callback, the caller aborting, the test process exiting — the
// QEMU child is gone when this returns.
import { spawn } from 'node:child_process';
import type { QemuCommand } from './argv.js';
import {
  type ConsoleFailure,
  type ConsoleLine,
  ConsoleMonitor,
  type DomainResult,
  type Expectation,
  LineSplitter,
  parseConsoleLine,
} from './console.js';
import { QemuError } from './errors.js';

/** Text typed on the console once, when a line (or an unfinished prompt) first matches. */
export interface ConsoleInput {
  when: string | RegExp;
  send: string;
}

export interface RunOptions {
  command: QemuCommand;
  /** Keystrokes for firmware prompts, in order: each waits for the previous one to fire. */
  input?: ConsoleInput[];
  expectations: Expectation[];
  /** Hard limit for the whole boot. */
  timeoutMs: number;
  /**
   * Give up early when the console stays completely empty this long: Xen prints nothing at all
   * when its console (`dtuart=`) does not exist or it dies before setting it up (recipes/qemu.md).
   */
  firstOutputTimeoutMs?: number;
  /**
   * A firmware line after which the next program must speak within firstOutputTimeoutMs too
   * (U-Boot's `Starting kernel ...`: Xen's first line is due right after it).
   */
  handover?: string;
  /** Called for each console line as it arrives (the CLI streams these). */
  onLine?: (line: ConsoleLine) => void;
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL when stopping QEMU. */
  killGraceMs?: number;
  cwd?: string;
}

export type RunOutcome =
  | 'met' // every expectation was seen
  | 'failed' // Xen or a guest panicked
  | 'timeout' // the time ran out first
  | 'silent' // nothing at all appeared on the console within firstOutputTimeoutMs
  | 'exited'; // QEMU ended on its own before all expectations were met

export interface RunResult {
  ok: boolean;
  outcome: RunOutcome;
  /** Why the run failed, in one line, naming the domain when it is known. */
  reason?: string;
  failure?: ConsoleFailure;
  domains: DomainResult[];
  /** The whole serial console, line terminators normalised to \n. */
  console: string;
  /** QEMU's own stderr (its warnings and errors). */
  stderr: string;
  durationSeconds: number;
  command: QemuCommand;
  /** QEMU's exit code or signal when it ended on its own. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

export async function runQemu(opts: RunOptions): Promise<RunResult> {
  if (opts.signal?.aborted) throw new QemuError('ABORTED', 'aborted before QEMU started');
  const monitor = new ConsoleMonitor(opts.expectations);
  const splitter = new LineSplitter();
  const decoder = new TextDecoder('utf-8');
  const consoleLines: string[] = [];
  let stderr = '';
  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;

  const child = spawn(opts.command.command, opts.command.args, {
    cwd: opts.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });

  return new Promise<RunResult>((resolve, reject) => {
    let outcome: RunOutcome | undefined;
    let callbackError: unknown;
    let killTimer: NodeJS.Timeout | undefined;
    let exit: RunResult['exit'];

    const stop = (why: RunOutcome) => {
      if (outcome) return;
      outcome = why;
      clearTimeout(timer);
      clearTimeout(silenceTimer);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), opts.killGraceMs ?? 2000);
      }
    };

    const feed = (texts: string[]) => {
      for (const text of texts) {
        const line = parseConsoleLine(text, elapsed());
        consoleLines.push(text);
        monitor.line(line);
        if (opts.onLine && callbackError === undefined) {
          try {
            opts.onLine(line);
          } catch (err) {
            callbackError = err;
            stop('failed');
          }
        }
        if (monitor.failure) stop('failed');
        else if (monitor.allMet) stop('met');
      }
    };

    const timer = setTimeout(() => stop('timeout'), opts.timeoutMs);
    let sawOutput = false;
    let silenceTimer: NodeJS.Timeout | undefined;
    const watchSilence = () => {
      clearTimeout(silenceTimer);
      sawOutput = false;
      if (opts.firstOutputTimeoutMs === undefined || opts.firstOutputTimeoutMs >= opts.timeoutMs) return;
      silenceTimer = setTimeout(() => {
        if (!sawOutput) stop('silent');
      }, opts.firstOutputTimeoutMs);
    };
    watchSilence();
    const onAbort = () => {
      callbackError = new QemuError('ABORTED', 'the run was aborted');
      stop('failed');
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const pending = [...(opts.input ?? [])];
    const typeIfPrompted = (texts: string[]) => {
      for (const text of [...texts, splitter.peek()]) {
        const next = pending[0];
        if (!next || outcome) return;
        if (typeof next.when === 'string' ? text.includes(next.when) : next.when.test(text)) {
          pending.shift();
          child.stdin?.write(next.send);
        }
      }
    };

    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.some((b) => b > 0x20)) sawOutput = true;
      const lines = splitter.push(decoder.decode(chunk, { stream: true }));
      if (opts.handover && !outcome && lines.some((l) => l.includes(opts.handover as string))) watchSilence();
      feed(lines);
      typeIfPrompted(lines);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 1 << 16) stderr += chunk.toString('utf8');
    });
    // QEMU never reads this pipe unless a test types at U-Boot; an EPIPE there is not ours.
    child.stdin?.on('error', () => {});

    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      clearTimeout(silenceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(
        new QemuError(
          'SPAWN',
          err.code === 'ENOENT' ? 'not found on PATH' : err.message,
          opts.command.command,
          'run scripts/setup-system.sh to install QEMU',
        ),
      );
    });

    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(silenceTimer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      feed([...splitter.push(decoder.decode()), ...splitter.flush()]);
      monitor.finish();
      if (!outcome) {
        exit = { code, signal };
        outcome = monitor.failure ? 'failed' : monitor.allMet ? 'met' : 'exited';
      }
      if (callbackError !== undefined) {
        reject(callbackError);
        return;
      }
      const domains = monitor.domainResults();
      const failure = monitor.failure;
      const result: RunResult = {
        ok: outcome === 'met' && !failure,
        outcome,
        domains,
        console: consoleLines.length ? `${consoleLines.join('\n')}\n` : '',
        stderr,
        durationSeconds: elapsed(),
        command: opts.command,
      };
      if (exit) result.exit = exit;
      if (failure) result.failure = failure;
      if (!result.ok) result.reason = explain(outcome, failure, domains, exit, stderr, opts);
      resolve(result);
    });
  });
}

function explain(
  outcome: RunOutcome,
  failure: ConsoleFailure | undefined,
  domains: DomainResult[],
  exit: RunResult['exit'],
  stderr: string,
  opts: RunOptions,
): string {
  if (failure) return failure.domain ? `${failure.domain}: ${failure.reason}` : failure.reason;
  const waiting = domains.filter((d) => !d.met).map((d) => d.domain);
  const who = waiting.length ? `; not up: ${waiting.join(', ')}` : '';
  if (outcome === 'timeout') return `timed out after ${opts.timeoutMs / 1000} s${who}`;
  if (outcome === 'silent') {
    return (
      `no console output ${opts.handover ? `after "${opts.handover}" ` : ''}in ${(opts.firstOutputTimeoutMs ?? 0) / 1000} s${who} ` +
      "(Xen prints nothing when its console, e.g. dtuart=, names a device the tree doesn't have)"
    );
  }
  const last = stderr.trim().split('\n').pop();
  const how = exit?.signal ? `signal ${exit.signal}` : `code ${exit?.code}`;
  return `QEMU exited (${how})${last ? `: ${last}` : ''}${who}`;
}
