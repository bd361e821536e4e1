// Files that scripts/setup-system.sh fetched from Debian into dombuild's cache (Linux, Xen,
// busybox), for tests that use real binaries. Missing files skip the test outside CI and fail it
// under CI, like a missing tool.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { inCI, type ToolGate } from '../support/tools.js';

export const cacheRoot =
  process.env.DOMBUILD_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'dombuild');

export function debPath(key: string, ...rest: string[]): string {
  return join(cacheRoot, 'debs', key, ...rest);
}

export function requireCached(paths: string[]): ToolGate {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return { available: true, reason: '' };
  const reason = `missing ${missing.join(', ')} (run scripts/setup-system.sh)`;
  if (inCI) throw new Error(`CI=true and a cached binary is missing: ${reason}`);
  return { available: false, reason };
}
