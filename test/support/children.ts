// QEMUs (and other long-lived children) a test starts die with that test. Three layers, so no
// way out of a test leaves one running:
// - the kernel: each child is exec'd through util-linux `setpriv --pdeathsig KILL`, so it gets
//   SIGKILL the moment the worker that spawned it dies, even if the worker itself was SIGKILLed
//   and runs no hook (setpriv execs, so the pid we hold is the child's own);
// - vitest: an afterEach registered on the importing file's root suite kills whatever is still
//   running when a test ends, passes, fails or times out, and aborts runner boots in flight;
// - Node: an exit hook kills what is left when the worker exits normally.
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { afterEach } from 'vitest';
import type { QemuCommand } from '../../qemu/argv.js';

const live = new Set<ChildProcess>();
const runs = new Set<AbortController>();

/** `cmd args` wrapped so the kernel kills it when this worker dies. */
export function boundCommand(cmd: string, args: string[]): QemuCommand {
  return { command: 'setpriv', args: ['--pdeathsig', 'KILL', '--', cmd, ...args] };
}

/** Spawns `cmd args` with piped stdio, bound to the worker and to the current test. */
export function spawnBound(cmd: string, args: string[]): ChildProcessWithoutNullStreams {
  const bound = boundCommand(cmd, args);
  const child = spawn(bound.command, bound.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  child.on('close', () => live.delete(child));
  child.on('error', () => live.delete(child));
  return child;
}

/** SIGKILL unless it already ended. */
export function killChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** An AbortSignal for runQemu that afterEach fires, so a boot never outlives its test. */
export function testAbortSignal(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  runs.add(controller);
  return { signal: controller.signal, release: () => runs.delete(controller) };
}

function killAll(): void {
  for (const child of live) killChild(child);
  live.clear();
  for (const c of runs) c.abort();
  runs.clear();
}

afterEach(killAll);
process.on('exit', killAll);
