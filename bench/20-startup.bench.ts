// Whole-process start-up of the CLI against an empty `node -e ''`, in one run: `--version`, `--help`
// and `validate examples/minimal.yaml`, each started the way a user starts it (bin/dombuild.js as a
// program: the V8 snapshot when dist/ has one for this node) and as `node bin/dombuild.js` (the
// bundled ESM, what runs without a snapshot). Targets: validate within 1.5x of the empty node.
//
// Commands run interleaved, round after round, so that load from other processes on the machine
// hits all of them alike. Wall time is the median; CPU time (user+sys of the children, read from
// /proc/self/stat) is the mean, and is the steadier figure on a loaded machine.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Report } from './run.js';

export const title = 'CLI start-up vs empty node';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface Cmd {
  label: string;
  argv: string[];
  /** Exit codes that count as success (a validate with findings exits 1). */
  ok?: number[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Timing {
  label: string;
  wallMs: number;
  cpuMs: number;
  /** Spread of the wall times: (p75 - p25) / median. */
  spread: number;
}

const ticksPerSecond = 100; // USER_HZ: Linux always reports 100 in /proc, whatever the kernel's HZ

/** CPU time (user + sys) of all waited-for children so far, in ms; undefined off Linux. */
function childCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** Runs every command `rounds` times, interleaved, after `warmup` untimed rounds. */
export function timeInterleaved(cmds: Cmd[], rounds: number, warmup = 2): Timing[] {
  const wall = cmds.map(() => [] as number[]);
  const cpu = cmds.map(() => 0);
  for (let round = -warmup; round < rounds; round++) {
    cmds.forEach((c, i) => {
      const cpu0 = childCpuMs() ?? 0;
      const t0 = performance.now();
      const r = spawnSync(c.argv[0]!, c.argv.slice(1), { cwd: c.cwd ?? root, env: c.env, stdio: 'ignore' });
      const dt = performance.now() - t0;
      const dcpu = (childCpuMs() ?? 0) - cpu0;
      if (r.error) throw new Error(`${c.label}: ${r.error.message}`);
      if (!(c.ok ?? [0]).includes(r.status ?? -1))
        throw new Error(`${c.label} exited ${r.status ?? r.signal}`);
      if (round >= 0) {
        wall[i]!.push(dt);
        cpu[i]! += dcpu;
      }
    });
  }
  return cmds.map((c, i) => {
    const med = quantile(wall[i]!, 0.5);
    return {
      label: c.label,
      wallMs: med,
      cpuMs: cpu[i]! / rounds,
      spread: (quantile(wall[i]!, 0.75) - quantile(wall[i]!, 0.25)) / med,
    };
  });
}

/** One line per timing, with ratios to the reference (the first timing unless named). */
export function reportTimings(report: Report, timings: Timing[], reference = timings[0]!): void {
  const width = Math.max(...timings.map((t) => t.label.length));
  for (const t of timings) {
    const ratios =
      t === reference
        ? 'reference'
        : `${(t.wallMs / reference.wallMs).toFixed(2)}x wall, ${(t.cpuMs / reference.cpuMs).toFixed(2)}x cpu`;
    report(
      `${t.label.padEnd(width)}  ${t.wallMs.toFixed(1).padStart(7)} ms wall (±${(t.spread * 50).toFixed(0)}%)  ` +
        `${t.cpuMs.toFixed(1).padStart(6)} ms cpu  ${ratios}`,
    );
  }
}

/** How the launcher will start: from the snapshot, or why not. */
export function launchMode(): string {
  const r = spawnSync('sh', ['-x', `${root}bin/dombuild.js`, '--version'], { encoding: 'utf8' });
  if (r.stderr.includes('--snapshot-blob')) return 'V8 start-up snapshot (dist/cli.blob)';
  if (!existsSync(`${root}dist/cli.blob`))
    return 'bundled ESM: dist/cli.blob is missing (npm run build makes it)';
  return 'bundled ESM: dist/cli.blob was built by another node binary, or NODE_OPTIONS is set';
}

export default async function (report: Report): Promise<void> {
  if (!existsSync(`${root}dist/cli.js`)) throw new Error('dist/cli.js is missing: run npm run build first');
  const bin = `${root}bin/dombuild.js`;
  const node = process.execPath;
  const cmds: Cmd[] = [
    { label: "node -e ''", argv: [node, '-e', ''] },
    { label: 'dombuild --version', argv: [bin, '--version'] },
    { label: 'dombuild --help', argv: [bin, '--help'] },
    { label: 'dombuild validate examples/minimal.yaml', argv: [bin, 'validate', 'examples/minimal.yaml'] },
    { label: 'node bin/dombuild.js --version', argv: [node, bin, '--version'] },
    { label: 'node bin/dombuild.js --help', argv: [node, bin, '--help'] },
    {
      label: 'node bin/dombuild.js validate examples/minimal.yaml',
      argv: [node, bin, 'validate', 'examples/minimal.yaml'],
    },
  ];
  const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
  report(`dombuild started as a program runs: ${launchMode()}`);
  report(`${rounds} interleaved rounds; node ${process.version}`);
  reportTimings(report, timeInterleaved(cmds, rounds));
  report('targets: validate within 1.5x of the empty node (issue 3)');
}
