// Boots QEMU and watches its console until a line appears, then stops that QEMU by its pid.
import { spawn } from 'node:child_process';

export interface BootResult {
  found: boolean;
  output: string;
  ms: number;
}

/** Resolves once every string in `want` has appeared on the console (or at the timeout/exit). */
export function bootUntil(
  cmd: string,
  args: string[],
  want: string | string[],
  timeoutMs: number,
): Promise<BootResult> {
  const wanted = typeof want === 'string' ? [want] : want;
  const seen = (out: string) => wanted.every((w) => out.includes(w));
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let done = false;
    const finish = (found: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      resolve({ found, output, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('latin1');
      if (seen(output)) finish(true);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(e);
      }
    });
    child.on('exit', () => finish(seen(output)));
  });
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
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let from = 0;
    let done = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
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
