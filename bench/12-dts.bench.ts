// DTS compile throughput on a large generated source (10,000 nodes with labels and references),
// our in-process parseDts + writeDtb against one whole `dtc -I dts -O dtb -@` process, same run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDtb } from '../devicetree/dtb.js';
import { parseDts } from '../devicetree/dts-parse.js';
import type { Report } from './run.js';

export const title = 'DTS compile (10,000 nodes) vs dtc';

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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export default async function (report: Report): Promise<void> {
  const src = source(10_000);
  const dir = mkdtempSync(join(tmpdir(), 'dts-bench-'));
  try {
    const file = join(dir, 'big.dts');
    writeFileSync(file, src);
    const runs = 5;
    const ours: number[] = [];
    const dtc: number[] = [];
    for (let i = 0; i < runs; i++) {
      let t0 = performance.now();
      writeDtb(parseDts(src, { file, plugin: 'symbols' }));
      ours.push(performance.now() - t0);
      t0 = performance.now();
      const r = spawnSync('dtc', ['-q', '-@', '-I', 'dts', '-O', 'dtb', '-o', join(dir, 'big.dtb'), file]);
      dtc.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`dtc failed: ${r.stderr}`);
    }
    report(`source: ${(src.length / 1024).toFixed(0)} KiB, 10,000 nodes, 9,999 references`);
    report(`dombuild parseDts + writeDtb (in process): ${median(ours).toFixed(0)} ms (median of ${runs})`);
    report(`dtc -@ -I dts -O dtb (whole process): ${median(dtc).toFixed(0)} ms`);
    report(`ratio: ${(median(ours) / median(dtc)).toFixed(2)}x`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
