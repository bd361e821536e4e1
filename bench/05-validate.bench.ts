// Start-up cost of `dombuild validate examples/minimal.yaml` (the editor / pre-commit path) against
// an empty `node -e ''`, both whole processes in the same run. The target is within 1.5x.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Report } from './run.js';

export const title = 'validate start-up vs empty node';

const root = fileURLToPath(new URL('..', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(args: string[], runs: number): number {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
    out.push(performance.now() - t0);
    if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}`);
  }
  return median(out);
}

export default async function (report: Report): Promise<void> {
  if (!existsSync(`${root}dist/cli.js`)) throw new Error('dist/cli.js is missing: run npm run build first');
  const runs = 9;
  const empty = time(['-e', ''], runs);
  const validate = time(['bin/dombuild.js', 'validate', 'examples/minimal.yaml'], runs);
  report(`node -e '': ${empty.toFixed(0)} ms (median of ${runs})`);
  report(`dombuild validate examples/minimal.yaml: ${validate.toFixed(0)} ms`);
  report(`ratio: ${(validate / empty).toFixed(2)}x (target 1.5x)`);
}
