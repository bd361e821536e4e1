// Scratch folders for tests. Every folder made here is removed after the importing test file
// ends, passing or failing: the afterAll below registers on that file's root suite (vitest
// loads modules afresh per file), so a test never has to remember its own cleanup and a
// thrown expectation never leaves a folder in /tmp.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made = new Set<string>();

/** A fresh folder under the OS temp dir, removed when the current test file finishes. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes every folder made so far (also run automatically after the file). */
export function removeTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}

afterAll(removeTempDirs);
