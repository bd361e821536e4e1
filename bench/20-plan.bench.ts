// Start-up cost of `dombuild boards` and `dombuild plan examples/minimal.yaml --json` against an
// empty `node -e ''`, whole processes interleaved in the same run (median wall and peak RSS),
// plus the planner alone on 2 and 64 guests in-process (it must stay linear and negligible next
// to process start).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { qemuVirtBoard } from '../boards/qemu-virt.js';
import type { ResolvedImage } from '../builder/image-files.js';
import { planLayout } from '../builder/plan/planner.js';
import { type Config, configSchema } from '../schema/config.js';
import { reportTimings, timeInterleaved } from './measure.js';
import type { Report } from './run.js';

export const title = 'plan and boards start-up vs empty node; planner scaling';

const root = fileURLToPath(new URL('..', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
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
    const bin = `${root}bin/dombuild.js`;
    // Fills the DTB cache before anything is timed.
    spawnSync(bin, ['plan', 'examples/minimal.yaml', '--json'], { cwd: root, env, stdio: 'ignore' });
    const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
    report(`${rounds} interleaved rounds, whole processes`);
    reportTimings(
      report,
      timeInterleaved(
        [
          { label: "node -e ''", argv: [process.execPath, '-e', ''], env },
          { label: 'dombuild boards', argv: [bin, 'boards'], env },
          {
            label: 'dombuild plan examples/minimal.yaml --json',
            argv: [bin, 'plan', 'examples/minimal.yaml', '--json'],
            env,
          },
        ],
        rounds,
      ),
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
