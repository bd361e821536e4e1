// Whole-process measurements shared by the benchmarks: every command is started as its own
// process, round after round and interleaved with its reference (so load from other processes on
// the machine hits all of them alike), and reported as medians of wall time and of peak RSS.
//
// Peak RSS is the child's ru_maxrss as the kernel reports it when the process is reaped, read by
// GNU time (`/usr/bin/time -f %M -o FILE`): polling /proc/<pid>/status for VmHWM misses whatever
// happens between the last poll and the exit. GNU time adds one fork+exec to every command alike;
// without it RSS is reported as unknown rather than guessed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from './run.js';

export const root = fileURLToPath(new URL('..', import.meta.url));
const GNU_TIME = '/usr/bin/time';

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
  /** Median peak RSS in KiB; undefined when GNU time is not installed. */
  rssKiB: number | undefined;
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

export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export const median = (xs: number[]) => quantile(xs, 0.5);

/** Runs every command `rounds` times, interleaved, after `warmup` untimed rounds. */
export function timeInterleaved(cmds: Cmd[], rounds: number, warmup = 2): Timing[] {
  const withTime = existsSync(GNU_TIME);
  const scratch = mkdtempSync(join(tmpdir(), 'dombuild-bench-rss-'));
  const rssFile = join(scratch, 'rss');
  const wall = cmds.map(() => [] as number[]);
  const rss = cmds.map(() => [] as number[]);
  const cpu = cmds.map(() => 0);
  try {
    for (let round = -warmup; round < rounds; round++) {
      cmds.forEach((c, i) => {
        const argv = withTime ? [GNU_TIME, '-f', '%M', '-o', rssFile, ...c.argv] : c.argv;
        const cpu0 = childCpuMs() ?? 0;
        const t0 = performance.now();
        const r = spawnSync(argv[0]!, argv.slice(1), { cwd: c.cwd ?? root, env: c.env, stdio: 'ignore' });
        const dt = performance.now() - t0;
        const dcpu = (childCpuMs() ?? 0) - cpu0;
        if (r.error) throw new Error(`${c.label}: ${r.error.message}`);
        if (!(c.ok ?? [0]).includes(r.status ?? -1))
          throw new Error(`${c.label} exited ${r.status ?? r.signal}`);
        if (round < 0) return;
        wall[i]!.push(dt);
        cpu[i]! += dcpu;
        if (withTime) {
          // GNU time writes "Command exited with non-zero status N" first when the status is not 0.
          const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
          rss[i]!.push(Number(lines[lines.length - 1]));
        }
      });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return cmds.map((c, i) => {
    const med = median(wall[i]!);
    return {
      label: c.label,
      wallMs: med,
      rssKiB: withTime ? median(rss[i]!) : undefined,
      cpuMs: cpu[i]! / rounds,
      spread: (quantile(wall[i]!, 0.75) - quantile(wall[i]!, 0.25)) / med,
    };
  });
}

export const mib = (kib: number | undefined) =>
  kib === undefined ? 'RSS n/a' : `${(kib / 1024).toFixed(1)} MiB`;

/** One line per timing: wall, peak RSS, cpu, and ratios to the reference (the first unless named). */
export function reportTimings(report: Report, timings: Timing[], reference = timings[0]!): void {
  const width = Math.max(...timings.map((t) => t.label.length));
  for (const t of timings) {
    const rssRatio =
      t.rssKiB !== undefined && reference.rssKiB ? `, ${(t.rssKiB / reference.rssKiB).toFixed(2)}x RSS` : '';
    const ratios =
      t === reference
        ? 'reference'
        : `${(t.wallMs / reference.wallMs).toFixed(2)}x wall${rssRatio}, ${(t.cpuMs / reference.cpuMs).toFixed(2)}x cpu`;
    report(
      `${t.label.padEnd(width)}  ${t.wallMs.toFixed(1).padStart(7)} ms wall (±${(t.spread * 50).toFixed(0)}%)  ` +
        `${mib(t.rssKiB).padStart(9)} peak  ${t.cpuMs.toFixed(1).padStart(6)} ms cpu  ${ratios}`,
    );
  }
}

export interface Goal {
  /** The row of issue 14's table this measures. */
  what: string;
  maxWall: number;
  maxRss?: number;
}

/** "goal: ... met" or "NOT met", from the ratios of `t` to `ref` measured in the same run. */
export function reportGoal(report: Report, goal: Goal, t: Timing, ref: Timing): boolean {
  const wall = t.wallMs / ref.wallMs;
  const rss = t.rssKiB !== undefined && ref.rssKiB ? t.rssKiB / ref.rssKiB : undefined;
  const wallOk = wall <= goal.maxWall;
  const rssOk = goal.maxRss === undefined || (rss !== undefined && rss <= goal.maxRss);
  const rssText =
    goal.maxRss === undefined
      ? ''
      : `, ${rss === undefined ? 'RSS unknown' : `${rss.toFixed(2)}x`} peak RSS (goal <= ${goal.maxRss}x)`;
  const met = wallOk && rssOk;
  report(
    `GOAL ${goal.what}: ${wall.toFixed(2)}x wall (goal <= ${goal.maxWall}x)${rssText} [${ref.label} ` +
      `${ref.wallMs.toFixed(1)} ms, ${mib(ref.rssKiB)}; ${t.label} ${t.wallMs.toFixed(1)} ms, ${mib(t.rssKiB)}]: ` +
      `${met ? 'met' : 'NOT met'}`,
  );
  return met;
}

/** How the launcher starts a command that loads most of the code: from the snapshot, or not. */
export function launchMode(): string {
  const r = spawnSync('sh', ['-x', `${root}bin/dombuild.js`, 'boards'], { cwd: root, encoding: 'utf8' });
  if (r.stderr.includes('--snapshot-blob')) return 'the V8 start-up snapshot (.cache/snapshot)';
  return 'the bundled ESM (dist/cli.js): no usable snapshot (npm run build makes one)';
}
