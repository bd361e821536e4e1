// Start-up cost of `dombuild boards` and `dombuild plan examples/minimal.yaml --json` against an
// empty `node -e ''`, whole processes in the same run, plus the planner alone on 2 and 64 guests
// in-process (it must stay linear and negligible next to process start).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { qemuVirtBoard } from '../boards/qemu-virt.js';
import type { ResolvedImage } from '../builder/image-files.js';
import { planLayout } from '../builder/plan/planner.js';
import { type Config, configSchema } from '../schema/config.js';
import type { Report } from './run.js';

export const title = 'plan and boards start-up vs empty node; planner scaling';

const root = fileURLToPath(new URL('..', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(args: string[], runs: number, env: NodeJS.ProcessEnv): number {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore', env });
    out.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  }
  return median(out);
}

function plannerMs(guests: number): number {
  const cfg = configSchema.parse({
    xen: { release: '4.20' },
    board: 'qemu-virt-arm64',
    domains: Array.from({ length: guests }, (_, i) => ({
      name: `g${i}`,
      kernel: 'probe',
      memory: '16M',
      vcpus: 1,
    })),
  }) as Config;
  const images: ResolvedImage[] = [
    { name: 'xen', role: 'xen', size: 0x100000n, effectiveSize: 0x180000n, textOffset: 0n },
    ...cfg.domains.map(
      (d): ResolvedImage => ({
        name: `${d.name}/kernel`,
        role: 'kernel',
        domain: d.name,
        size: 0x88n,
        effectiveSize: 0x88n,
      }),
    ),
  ];
  const board = qemuVirtBoard({ gic: 3, ram: 2n << 30n, cpus: 2 });
  const runs: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t0 = performance.now();
    planLayout({ config: cfg, board, images });
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

export default async function (report: Report): Promise<void> {
  if (!existsSync(`${root}dist/cli.js`)) throw new Error('dist/cli.js is missing: run npm run build first');
  const cache = mkdtempSync(join(tmpdir(), 'dombuild-bench-plan-'));
  try {
    const env = { ...process.env, DOMBUILD_CACHE: cache };
    const runs = 9;
    time(['bin/dombuild.js', 'plan', 'examples/minimal.yaml', '--json'], 1, env); // fills the DTB cache
    const empty = time(['-e', ''], runs, env);
    const boards = time(['bin/dombuild.js', 'boards'], runs, env);
    const plan = time(['bin/dombuild.js', 'plan', 'examples/minimal.yaml', '--json'], runs, env);
    report(`node -e '': ${empty.toFixed(0)} ms (median of ${runs})`);
    report(`dombuild boards: ${boards.toFixed(0)} ms, ratio ${(boards / empty).toFixed(2)}x`);
    report(
      `dombuild plan examples/minimal.yaml --json: ${plan.toFixed(0)} ms, ratio ${(plan / empty).toFixed(2)}x`,
    );
    const two = plannerMs(2);
    const many = plannerMs(64);
    report(
      `planLayout in-process: 2 guests ${two.toFixed(3)} ms, 64 guests ${many.toFixed(3)} ms (x${(many / two).toFixed(1)} for 32x the guests)`,
    );
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
