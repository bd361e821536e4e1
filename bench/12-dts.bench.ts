// DTS compile of a source with labels and references (10,000 nodes, 9,999 references, `-@`):
// `dombuild dtc` against `dtc`, whole processes, interleaved, medians of wall time and peak RSS.
// dtc resolves each reference and each label by walking the tree, so it is quadratic here and
// this is no goal row (issue 14 judges dts->dtb on the plain tree, in 10-dtb); it shows the
// compiler's reference and __symbols__ work. The in-process figure is labelled as such.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDtb } from '../devicetree/dtb.js';
import { parseDts } from '../devicetree/dts-parse.js';
import { median, reportTimings, root, timeInterleaved } from './measure.js';
import type { Report } from './run.js';

export const title = 'DTS compile with labels and references (10,000 nodes, -@) vs dtc';

/** 100 buses of 100 devices (dtc's parser runs out of stack past ~10,000 siblings). */
function source(nodes: number): string {
  const lines = ['/dts-v1/;', '/ {', '  #address-cells = <1>; #size-cells = <1>;'];
  for (let i = 0; i < nodes; i++) {
    if (i % 100 === 0) lines.push(`  bus${i / 100} {`);
    const ref = i > 0 ? ` interrupt-parent = <&n${(i * 7919) % i}>;` : '';
    lines.push(
      `    n${i}: dev@${i.toString(16)} { compatible = "acme,dev${i % 13}", "simple"; reg = <0x${i.toString(16)} 0x100>; ` +
        `values = /bits/ 16 <${i % 65536} (${i} * 3 + 1)>; status = "okay";${ref} };`,
    );
    if (i % 100 === 99) lines.push('  };');
  }
  lines.push('};');
  return `${lines.join('\n')}\n`;
}

export default async function (report: Report): Promise<void> {
  if (!existsSync(`${root}dist/cli.js`)) throw new Error('dist/cli.js is missing: run npm run build first');
  const src = source(10_000);
  const dir = mkdtempSync(join(tmpdir(), 'dts-bench-'));
  try {
    const file = join(dir, 'big.dts');
    writeFileSync(file, src);
    const cmds = [
      {
        label: 'dtc -@ dts->dtb',
        argv: ['dtc', '-q', '-@', '-I', 'dts', '-O', 'dtb', '-o', join(dir, 'dtc.dtb'), file],
      },
      {
        label: 'dombuild dtc -@ dts->dtb',
        argv: [
          `${root}bin/dombuild.js`,
          'dtc',
          '-@',
          '-I',
          'dts',
          '-O',
          'dtb',
          '-o',
          join(dir, 'ours.dtb'),
          file,
        ],
      },
    ];
    for (const c of cmds)
      if (spawnSync(c.argv[0]!, c.argv.slice(1)).status !== 0) throw new Error(`${c.label} failed`);
    if (!readFileSync(join(dir, 'dtc.dtb')).equals(readFileSync(join(dir, 'ours.dtb'))))
      throw new Error('dombuild dtc output differs from dtc');
    report(`source: ${(src.length / 1024).toFixed(0)} KiB, 10,000 nodes, 9,999 references`);
    const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
    reportTimings(report, timeInterleaved(cmds, rounds, 1));
    const ours: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      writeDtb(parseDts(src, { file, plugin: 'symbols' }));
      ours.push(performance.now() - t0);
    }
    report(
      `in-process only (not comparable with dtc): parseDts + writeDtb ${median(ours).toFixed(0)} ms (median of 5)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
