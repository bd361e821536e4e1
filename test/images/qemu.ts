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
