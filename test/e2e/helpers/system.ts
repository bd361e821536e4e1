// The systems the end-to-end suites boot are assembled by qemu/probe-system.ts (the boot
// benchmark uses them too, and benchmarks import no test code); this adds the suites' gate.
import { readManifest } from '../../../qemu/assets.js';
import { CACHE } from '../../../qemu/probe-system.js';
import { inCI, requireTools, type ToolGate } from '../../support/tools.js';

export * from '../../../qemu/probe-system.js';

/** Tools plus the cache setup-system.sh fills; under CI a missing one throws (the file fails). */
export function bootGate(tools: string[]): ToolGate {
  const gate = requireTools(tools, 'run scripts/setup-system.sh');
  if (!gate.available) return gate;
  try {
    readManifest(CACHE);
    return gate;
  } catch (err) {
    const reason = `no dombuild cache at ${CACHE} (run scripts/setup-system.sh)`;
    if (inCI) throw new Error(`CI=true and ${reason}: ${(err as Error).message}`);
    return { available: false, reason };
  }
}
