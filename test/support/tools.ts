// Gate for tests that need an external judge (dtc, mkimage, QEMU, Xen...). Outside CI a missing
// tool skips with a reason; under CI=true it fails the suite, so a green CI never hides a
// missing install step.
import { spawnSync } from 'node:child_process';

export interface ToolGate {
  available: boolean;
  /** Why the tests are skipped, for the skip message. */
  reason: string;
}

const cache = new Map<string, boolean>();

export function hasCommand(cmd: string): boolean {
  let ok = cache.get(cmd);
  if (ok === undefined) {
    ok = spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
    cache.set(cmd, ok);
  }
  return ok;
}

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Checks that every command exists. Under CI a missing one throws (the file fails to load and
 * counts as failed); elsewhere the caller skips with `reason`.
 */
export function requireTools(cmds: string[], installHint: string): ToolGate {
  const missing = cmds.filter((c) => !hasCommand(c));
  if (missing.length === 0) return { available: true, reason: '' };
  const reason = `missing ${missing.join(', ')} (${installHint})`;
  if (inCI) throw new Error(`CI=true and a required tool is missing: ${reason}`);
  return { available: false, reason };
}
