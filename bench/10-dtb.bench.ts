// DTB codec throughput on a large generated tree (10,000+ nodes), and our in-process
// read + write against one whole `dtc -I dtb -O dtb` process on the same file, in the same run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDtb, writeDtb } from '../devicetree/dtb.js';
import { printDts } from '../devicetree/dts-print.js';
import { Tree, value } from '../devicetree/tree.js';
import type { Report } from './run.js';

export const title = 'DTB read/write vs dtc';

/**
 * A SoC-like tree: 100 buses, each with a clock controller and 100 devices that carry the
 * properties real bindings do and point at their bus's clocks by phandle (phandles on every node
 * would make dtc's checks quadratic and flatter us).
 */
function bigTree(withRefs: boolean): Tree {
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

interface Timing {
  median: number;
  best: number;
}

/** Milliseconds of `fn`, repeated until about `budgetMs` has passed (at least `minRuns` runs). */
function time(fn: () => void, budgetMs = 1500, minRuns = 5): Timing {
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minRuns || performance.now() - start < budgetMs) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[samples.length >> 1]!, best: samples[0]! };
}

const ms = (t: Timing) => `median ${t.median.toFixed(2)} ms, best ${t.best.toFixed(2)} ms`;
const rate = (mb: number, t: Timing) =>
  `${(mb / (t.median / 1000)).toFixed(1)} MB/s (best ${(mb / (t.best / 1000)).toFixed(1)})`;

export default async function (report: Report): Promise<void> {
  const probe = spawnSync('dtc', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error('dtc not found (apt-get install device-tree-compiler)');
  const dir = mkdtempSync(join(tmpdir(), 'dombuild-bench-dtb-'));
  try {
    // dtc's checks look phandles up by walking the tree, so references make it quadratic; the
    // tree without them shows the codec against dtc's plain read + write.
    measure('with clocks phandle references', bigTree(true), dir, report);
    measure('without phandle references', bigTree(false), dir, report);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function measure(what: string, tree: Tree, dir: string, report: Report): void {
  const blob = writeDtb(tree);
  let nodes = 0;
  for (const _ of tree.root.walk()) nodes++;
  const mb = blob.length / 1e6;
  report(`tree ${what}: ${nodes} nodes, ${blob.length} bytes`);
  const file = join(dir, 'big.dtb');
  writeFileSync(file, blob);
  // Sanity: the judge agrees with us on this very file before anything is timed.
  const check = spawnSync('dtc', ['-q', '-I', 'dtb', '-O', 'dtb', file], { maxBuffer: 256 << 20 });
  if (check.status !== 0 || !Buffer.from(blob).equals(check.stdout))
    throw new Error('dtc output differs from ours');

  for (let i = 0; i < 3; i++) writeDtb(readDtb(blob)); // warm up the JIT
  const readMs = time(() => readDtb(blob));
  const parsed = readDtb(blob);
  const writeMs = time(() => writeDtb(parsed));
  const printMs = time(() => printDts(parsed), 1000);
  const dtc = (to: string) => () => {
    const r = spawnSync('dtc', ['-q', '-I', 'dtb', '-O', to, '-o', join(dir, `out.${to}`), file]);
    if (r.status !== 0) throw new Error(`dtc failed: ${r.stderr}`);
  };
  const dtcMs = time(dtc('dtb'), 1500, 3);
  const dtcDtsMs = time(dtc('dts'), 1500, 3);

  report(`  readDtb:  ${ms(readMs)}  ${rate(mb, readMs)}`);
  report(`  writeDtb: ${ms(writeMs)}  ${rate(mb, writeMs)}`);
  report(`  printDts: ${ms(printMs)}  ${rate(mb, printMs)} of DTB in`);
  report(`  dtc -I dtb -O dtb (whole process): ${ms(dtcMs)}`);
  report(`  dtc -I dtb -O dts (whole process): ${ms(dtcDtsMs)}`);
  const ratio = (a: Timing, b: Timing, c: Timing) =>
    `${((a.median + b.median) / c.median).toFixed(3)} (best ${((a.best + b.best) / c.best).toFixed(3)})`;
  report(`  ratio (readDtb + writeDtb) / dtc dtb->dtb: ${ratio(readMs, writeMs, dtcMs)}`);
  report(`  ratio (readDtb + printDts) / dtc dtb->dts: ${ratio(readMs, printMs, dtcDtsMs)}`);
}
