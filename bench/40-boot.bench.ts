// Seconds from QEMU start to every guest up, for the two-probe dom0less system on Debian's Xen
// 4.17 arm64: loaded directly by QEMU, and through Debian's U-Boot (DHCP, TFTP, script). The
// reference measured in the same run is QEMU itself: start the same machine, write its DTB, exit.
// Goals (issue 5): direct under 2 s, U-Boot under 5 s on these 2-core machines.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { dumpDtbArgv, qemuArgv, ubootKeystrokes } from '../qemu/argv.js';
import { locateAsset, UBOOT_QEMU_ARM64 } from '../qemu/assets.js';
import { ARM_MACHINE, armSystem, CACHE, tempDir, ubootTftpRoot, writeProbes } from '../qemu/probe-system.js';
import { runQemu } from '../qemu/runner.js';
import type { Report } from './run.js';

export const title = 'boot to all guests up (two probe guests, Xen 4.17 arm64)';

const RUNS = 3;
const MARKERS = ['bench probe ONE up', 'bench probe TWO up'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export default async function bench(report: Report): Promise<void> {
  const dir = tempDir('bench-boot');
  const [k1, k2] = writeProbes(dir, MARKERS) as [string, string];
  const sys = await armSystem(dir, [
    { name: 'domU1', kernel: k1, memoryKiB: 65536, cpus: 1 },
    { name: 'domU2', kernel: k2, memoryKiB: 65536, cpus: 1 },
  ]);
  try {
    const xen = locateAsset(CACHE, 'xen-4.17-arm64');
    const expectations = MARKERS.map((match, i) => ({ domain: `domU${i + 1}`, match, domid: i + 1 }));
    const tftpRoot = ubootTftpRoot(sys, xen.path);
    const uboot = qemuArgv({ method: 'uboot', machine: ARM_MACHINE, firmware: UBOOT_QEMU_ARM64, tftpRoot });
    const direct = qemuArgv({
      method: 'direct',
      machine: ARM_MACHINE,
      xen: xen.path,
      dtb: sys.dtb,
      modules: sys.modules,
    });
    const methods = [
      { name: 'direct', goal: 2, command: direct, input: undefined },
      { name: 'U-Boot, autoboot', goal: 5, command: uboot, input: undefined },
      { name: 'U-Boot, prompt', goal: 5, command: uboot, input: ubootKeystrokes() },
    ];
    const qemuAlone: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { command, args } = dumpDtbArgv(ARM_MACHINE, join(dir, `ref${i}.dtb`));
      const t0 = performance.now();
      const r = spawnSync(command, args, { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`${command} dumpdtb failed`);
      qemuAlone.push((performance.now() - t0) / 1000);
    }
    const ref = median(qemuAlone);
    report(`reference: QEMU start + dumpdtb + exit, median of ${RUNS}: ${ref.toFixed(2)} s`);
    for (const { name, goal, command, input } of methods) {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await runQemu({ command, input, expectations, timeoutMs: 120_000 });
        if (!r.ok) throw new Error(`${name} boot failed: ${r.reason}`);
        times.push(Math.max(...r.domains.map((d) => d.secondsToMet ?? Number.NaN)));
      }
      const m = median(times);
      report(
        `${name.padEnd(16)}: all guests up in ${m.toFixed(2)} s (median of ${RUNS}; runs ${times.map((t) => t.toFixed(2)).join(', ')}); ` +
          `${(m / ref).toFixed(1)}x QEMU alone; goal < ${goal} s: ${m < goal ? 'met' : 'NOT met'}`,
      );
    }
  } finally {
    sys.cleanup();
  }
}
