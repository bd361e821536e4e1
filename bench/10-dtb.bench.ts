// `dombuild dtc` against `dtc` on a generated 10,000-node tree, whole process against whole
// process (each reads the file, checks, writes its output file), interleaved, medians of wall time
// and peak RSS: dtb->dtb and dtb->dts, then dts->dtb on the DTS text of the same tree. Goals are
// issue 14's. The codec alone, in this process, is reported after, labelled as such: it leaves
// out process start and module loading, so it is not a comparison with dtc.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDtb, writeDtb } from '../devicetree/dtb.js';
import { checkTree, parseDts } from '../devicetree/dts-parse.js';
import { printDts } from '../devicetree/dts-print.js';
import { Tree, value } from '../devicetree/tree.js';
import { type Cmd, median, reportGoal, reportTimings, root, timeInterleaved } from './measure.js';
import type { Report } from './run.js';

export const title = 'dombuild dtc vs dtc, 10,000-node tree, whole processes';

/**
 * A SoC-like tree: 100 buses, each with a clock controller and 100 devices that carry the
 * properties real bindings do. With `withRefs` the devices point at their bus's clock by phandle;
 * dtc's checks then look each phandle up by walking the tree (quadratic), which flatters us, so
 * the goals are judged on the tree without references, where dtc is linear.
 */
export function bigTree(withRefs: boolean): Tree {
  const t = new Tree();
  t.root.setProp('compatible', value.strings('vendor,board', 'vendor,soc'));
  t.root.setProp('#address-cells', value.u32(2));
  t.root.setProp('#size-cells', value.u32(2));
  t.memreserves.push({ address: 0x48000000n, size: 0x100000n, labels: [] });
  for (let b = 0; b < 100; b++) {
    const base = 0x10000000 + b * 0x100000;
    const bus = t.ensurePath(`/soc/bus@${base.toString(16)}`);
    bus.setProp('compatible', value.string('simple-bus'));
    bus.setProp('#address-cells', value.u32(2));
    bus.setProp('#size-cells', value.u32(2));
    bus.setProp('ranges', value.empty());
    const clk = bus.ensureChild(`clock-controller@${base.toString(16)}`);
    clk.setProp('compatible', value.string('fixed-clock'));
    clk.setProp('reg', value.u32(0, base, 0, 0x1000));
    clk.setProp('#clock-cells', value.u32(1));
    clk.setProp('phandle', value.u32(b + 1));
    for (let d = 1; d <= 100; d++) {
      const addr = base + d * 0x1000;
      const dev = bus.ensureChild(`serial@${addr.toString(16)}`);
      dev.setProp('compatible', value.strings('arm,pl011', 'arm,primecell'));
      dev.setProp('reg', value.u32(0, addr, 0, 0x1000));
      dev.setProp('interrupts', value.u32(0, (b * 100 + d) % 988, 4));
      dev.setProp('clock-names', value.strings('uartclk', 'apb_pclk'));
      if (withRefs) dev.setProp('clocks', value.u32(b + 1, 0, b + 1, 1));
      dev.setProp('status', value.string(d % 3 === 0 ? 'disabled' : 'okay'));
    }
  }
  return t;
}

/** Milliseconds of `fn` in this process: median of runs over about `budgetMs` (at least 5). */
function inProcess(fn: () => void, budgetMs = 1500): number {
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 5 || performance.now() - start < budgetMs) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

function sameFiles(a: string, b: string): boolean {
  return Buffer.from(readFileSync(a)).equals(readFileSync(b));
}

export default async function (report: Report): Promise<void> {
  if (spawnSync('dtc', ['--version']).status !== 0)
    throw new Error('dtc not found (apt-get install device-tree-compiler)');
  if (!existsSync(`${root}dist/cli.js`)) throw new Error('dist/cli.js is missing: run npm run build first');
  const dir = mkdtempSync(join(tmpdir(), 'dombuild-bench-dtb-'));
  const bin = `${root}bin/dombuild.js`;
  try {
    const plain = bigTree(false);
    const plainBlob = writeDtb(plain);
    writeFileSync(join(dir, 'tree.dtb'), plainBlob);
    writeFileSync(join(dir, 'tree.dts'), printDts(plain));
    const refs = bigTree(true);
    writeFileSync(join(dir, 'refs.dtb'), writeDtb(refs));
    let nodes = 0;
    for (const _ of plain.root.walk()) nodes++;
    report(
      `tree: ${nodes} nodes, ${plainBlob.length} bytes as DTB; a variant with a phandle reference per device`,
    );

    const pair = (what: string, inFile: string, from: 'dts' | 'dtb', to: 'dts' | 'dtb'): Cmd[] => [
      {
        label: `dtc ${what}`,
        argv: ['dtc', '-q', '-I', from, '-O', to, '-o', join(dir, `dtc-${what}.${to}`), inFile],
      },
      {
        label: `dombuild dtc ${what}`,
        argv: [bin, 'dtc', '-I', from, '-O', to, '-o', join(dir, `ours-${what}.${to}`), inFile],
      },
    ];
    const rows = [
      { cmds: pair('dtb->dtb', join(dir, 'tree.dtb'), 'dtb', 'dtb'), goal: { maxWall: 1.5, maxRss: 3 } },
      { cmds: pair('dtb->dts', join(dir, 'tree.dtb'), 'dtb', 'dts'), goal: undefined },
      { cmds: pair('dts->dtb', join(dir, 'tree.dts'), 'dts', 'dtb'), goal: { maxWall: 1.0 } },
      { cmds: pair('dtb->dtb with refs', join(dir, 'refs.dtb'), 'dtb', 'dtb'), goal: undefined },
    ];
    // The judge agrees with us on these very files before anything is timed.
    for (const { cmds } of rows) {
      for (const c of cmds) {
        const r = spawnSync(c.argv[0]!, c.argv.slice(1));
        if (r.status !== 0) throw new Error(`${c.label} failed: ${r.stderr}`);
      }
      const out = (c: Cmd) => c.argv[c.argv.length - 2]!;
      if (!sameFiles(out(cmds[0]!), out(cmds[1]!)))
        throw new Error(`${cmds[1]!.label}: output differs from dtc's`);
    }
    const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
    const timings = timeInterleaved(
      rows.flatMap((r) => r.cmds),
      rounds,
      1,
    );
    report(`${rounds} interleaved rounds, whole processes (outputs checked byte-identical to dtc's first)`);
    rows.forEach((row, i) => {
      const [ref, ours] = [timings[2 * i]!, timings[2 * i + 1]!];
      reportTimings(report, [ref, ours]);
      if (row.goal)
        reportGoal(report, { what: `dombuild dtc ${ref.label.slice(4)} vs dtc`, ...row.goal }, ours, ref);
      else
        report(
          `${ours.label}: ${(ours.wallMs / ref.wallMs).toFixed(2)}x wall, ${ref.rssKiB && ours.rssKiB ? (ours.rssKiB / ref.rssKiB).toFixed(2) : '?'}x peak RSS (no goal in issue 14)`,
        );
    });

    // In this process, after warm-up: the codec without process start or module loading.
    const text = printDts(plain);
    for (let i = 0; i < 3; i++) writeDtb(checkTree(readDtb(plainBlob), { file: 'tree.dtb' }));
    const read = inProcess(() => readDtb(plainBlob));
    const checked = checkTree(readDtb(plainBlob), { file: 'tree.dtb' });
    const check = inProcess(() => checkTree(readDtb(plainBlob), { file: 'tree.dtb' })) - read;
    const write = inProcess(() => writeDtb(checked));
    const print = inProcess(() => printDts(checked), 1000);
    const compile = inProcess(() => parseDts(text, { file: 'tree.dts' }), 1500);
    report(
      `in-process only (not comparable with dtc): readDtb ${read.toFixed(1)} ms, checkTree ${check.toFixed(1)} ms, ` +
        `writeDtb ${write.toFixed(1)} ms, printDts ${print.toFixed(1)} ms, parseDts ${compile.toFixed(1)} ms (medians)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
