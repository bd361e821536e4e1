// Process-wide signals are the CLI's business, not the library's. While a command runs something
// that must be stopped cleanly (QEMU), SIGINT, SIGTERM and SIGHUP abort it through an AbortSignal
// instead of ending the process at once, so the command can stop QEMU and remove its scratch
// folder; then it ends with 128 + the signal's number, as a shell reports a process killed by it.
// A second signal while the first is being handled ends the process straight away.
import { constants } from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The command was interrupted by a signal; cli/main.ts turns this into exit 128 + its number. */
export class Interrupted extends Error {
  override name = 'Interrupted';
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }

  get exitCode(): number {
    return 128 + (constants.signals[this.signal] ?? 0);
  }
}

/**
 * Runs `work` with the signals above turned into an abort of the AbortSignal it gets. Throws
 * Interrupted once `work` settles when a signal came, whatever `work` answered.
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handlers = new Map<NodeJS.Signals, () => void>();
  const remove = () => {
    for (const [sig, handler] of handlers) process.removeListener(sig, handler);
    process.removeListener('exit', onExit);
  };
  // The process is ending some other way (an uncaught error): still stop what `work` started.
  const onExit = () => controller.abort();
  for (const sig of SIGNALS) {
    const handler = () => {
      if (received) {
        remove();
        process.kill(process.pid, sig);
        return;
      }
      received = sig;
      controller.abort(new Interrupted(sig));
    };
    handlers.set(sig, handler);
    process.on(sig, handler);
  }
  process.on('exit', onExit);
  try {
    const value = await work(controller.signal);
    if (received) throw new Interrupted(received);
    return value;
  } catch (e) {
    if (received) throw new Interrupted(received);
    throw e;
  } finally {
    remove();
  }
}
