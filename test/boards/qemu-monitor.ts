// Runs QEMU paused (-S) with its monitor on stdio, waits for the monitor prompt before typing
// each command (input typed earlier can be lost while QEMU starts), and returns what it printed.
// QEMU is bound to the test (test/support/children.ts).
import { killChild, spawnBound } from '../support/children.js';

export interface MonitorResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function qemuMonitor(
  args: string[],
  commands: string[],
  timeoutMs = 30_000,
  binary = 'qemu-system-aarch64',
): Promise<MonitorResult> {
  // Bound to the test: killed at its end or timeout, and by the kernel if the worker dies.
  const child = spawnBound(binary, [
    ...args,
    '-S',
    '-display',
    'none',
    '-monitor',
    'stdio',
    '-serial',
    'none',
  ]);
  let stdout = '';
  let stderr = '';
  let prompts = 0;
  const queue = [...commands, 'quit'];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killChild(child);
      reject(new Error(`QEMU monitor timed out:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      const seen = stdout.split('(qemu) ').length - 1;
      while (prompts < seen) {
        prompts++;
        const next = queue.shift();
        if (next !== undefined) child.stdin.write(`${next}\n`);
      }
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.stdin.on('error', () => {});
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
