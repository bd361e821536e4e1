// Boots QEMU and watches its console until lines appear, then stops it. bootUntil is the
// library's runner (qemu/runner.ts) with plain-text expectations; interact types at prompts in
// order, which the runner's one-shot inputs cannot count. Every QEMU started here is bound to
// the test (test/support/children.ts): killed when the test ends or times out, and by the
// kernel if the worker dies.
import { runQemu } from '../../qemu/runner.js';
import { boundCommand, killChild, spawnBound, testAbortSignal } from '../support/children.js';

export interface BootResult {
  found: boolean;
  /** The serial console (line ends normalised to \n), then QEMU's stderr. */
  output: string;
  ms: number;
}

/** A wanted text as a runner expectation: a trailing line end means "at the end of a line". */
function expectation(want: string, i: number) {
  const text = want.replace(/[\r\n]+$/, '');
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { domain: `want-${i + 1}`, match: text === want ? text : new RegExp(`${escaped}$`) };
}

/** Resolves once every string in `want` has appeared on the console (or at the timeout/exit). */
export async function bootUntil(
  cmd: string,
  args: string[],
  want: string | string[],
  timeoutMs: number,
): Promise<BootResult> {
  const wanted = typeof want === 'string' ? [want] : want;
  const abort = testAbortSignal();
  try {
    const r = await runQemu({
      command: boundCommand(cmd, args),
      expectations: wanted.map(expectation),
      timeoutMs,
      signal: abort.signal,
    });
    return { found: r.outcome === 'met', output: r.console + r.stderr, ms: r.durationSeconds * 1000 };
  } finally {
    abort.release();
  }
}

export interface Step {
  /** Text to wait for on the console (searched after the previous step's match). */
  waitFor: string;
  /** Typed once it appears. */
  send?: string;
}

/**
 * Drives a console: waits for each step's text in order, types its answer, and stops QEMU (by its
 * pid) after the last step or at the timeout. `done` is the number of steps that completed.
 */
export function interact(
  cmd: string,
  args: string[],
  steps: Step[],
  timeoutMs: number,
): Promise<{ done: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnBound(cmd, args);
    let output = '';
    let from = 0;
    let done = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      killChild(child);
      resolve({ done, output });
    };
    const timer = setTimeout(finish, timeoutMs);
    const advance = () => {
      while (done < steps.length) {
        const step = steps[done]!;
        const at = output.indexOf(step.waitFor, from);
        if (at < 0) return;
        from = at + step.waitFor.length;
        done++;
        if (step.send !== undefined) child.stdin.write(step.send);
      }
      finish();
    };
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString('latin1');
      advance();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString('latin1');
    });
    child.stdin.on('error', () => {}); // QEMU may exit before reading everything we typed
    child.on('error', (e) => {
      if (!finished) {
        finished = true;
        clearTimeout(timer);
        reject(e);
      }
    });
    child.on('exit', finish);
  });
}
