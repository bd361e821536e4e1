// The diff tests' way to make a side: a config (a file, or YAML written to a scratch folder)
// through diff's own runSide, on QEMU boards built from their description (no QEMU run).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PipelineResult } from '../../builder/pipeline/index.js';
import { type DiffResult, diffSystems, runSide } from '../../diff/index.js';
import { probeGuestImage } from '../../images/probe.js';
import type { XenRelease } from '../../schema/releases.js';
import { tempDir } from '../support/tmp.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export async function sideOf(file: string, release?: XenRelease): Promise<PipelineResult> {
  return runSide({
    text: readFileSync(file, 'utf8'),
    file,
    configDir: dirname(file),
    cwd: root,
    board: { qemu: 'generated' },
    ...(release ? { release } : {}),
  });
}

/** A scratch folder with a dom0 kernel stand-in (`dom0.img`, the probe image) for configs to name. */
export function scratch(): string {
  const dir = tempDir('dombuild-diff-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'dom0.img'), probeGuestImage({ marker: 'dom0 stand-in' }));
  return dir;
}

let n = 0;
/** Writes `yaml` into `dir` under a fresh name and returns the path. */
export function writeConfig(dir: string, yaml: string): string {
  const file = join(dir, `config-${n++}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** Runs both sides and diffs them; fails loudly (with the diagnostics) when a side does not build. */
export async function diffFiles(a: string, b: string, ra?: XenRelease, rb?: XenRelease): Promise<DiffResult> {
  const [x, y] = [await sideOf(a, ra), await sideOf(b, rb)];
  for (const r of [x, y]) {
    if (r.reached !== 'emit') {
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      throw new Error(`${r.source.file} does not build: ${JSON.stringify(errors, null, 1)}`);
    }
  }
  return diffSystems(
    { result: x, releaseFromFlag: ra !== undefined },
    { result: y, releaseFromFlag: rb !== undefined },
  );
}
