// Observed equals declared: Debian's arm64 kernel boots as a dom0less guest on real Xen 4.17 and
// 4.20 with dombuild's initramfs, beside a probe guest, and its report (vCPUs, memory banks,
// System RAM, MemTotal, command line, hypervisor node, reserved memory) matches the tree exactly.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import {
  linuxGuestInitramfs,
  observationPattern,
  readObservation,
  regPairs,
} from '../../images/linux-guest.js';
import { qemuArgv } from '../../qemu/argv.js';
import { type CachedXenRelease, locateAsset, xenAssetId } from '../../qemu/assets.js';
import { runQemu } from '../../qemu/runner.js';
import { ARM_MACHINE, armSystem, bootGate, CACHE, tempDir, writeProbes } from './helpers/system.js';

const gate = bootGate(['qemu-system-aarch64']);
const boot = gate.available ? test.serial : test.serial.skip;

const MEMORY_KIB = 256 * 1024;
const BOOTARGS = 'console=ttyAMA0 earlycon=pl011,0x22000000 rdinit=/init quiet dombuild.check="a b"';
const PROBE = 'dombuild probe beside Linux is up';

const sum = (pairs: Array<[bigint, bigint]>) => pairs.reduce((n, [, s]) => n + s, 0n);

for (const release of ['4.17', '4.20'] as CachedXenRelease[]) {
  boot(`Xen ${release} arm64: a Linux dom0less guest observes exactly what the tree declares`, async (t) => {
    const dir = tempDir('linux');
    const initrd = join(dir, 'initrd.gz');
    writeFileSync(
      initrd,
      linuxGuestInitramfs({ busybox: readFileSync(locateAsset(CACHE, 'busybox-arm64').path), tag: 'domU1' }),
    );
    const [probe] = writeProbes(dir, [PROBE]) as [string];
    const sys = await armSystem(dir, [
      {
        name: 'domU1',
        kernel: locateAsset(CACHE, 'linux-arm64').path,
        ramdisk: initrd,
        memoryKiB: MEMORY_KIB,
        cpus: 2,
        bootargs: BOOTARGS,
      },
      { name: 'domU2', kernel: probe, memoryKiB: 65536, cpus: 1 },
    ]);
    t.teardown(sys.cleanup);
    const r = await runQemu({
      command: qemuArgv({
        method: 'direct',
        machine: ARM_MACHINE,
        xen: locateAsset(CACHE, xenAssetId(release, 'arm64')).path,
        dtb: sys.dtb,
        modules: sys.modules,
      }),
      expectations: [
        { domain: 'domU1', match: observationPattern('domU1'), domid: 1 },
        { domain: 'domU2', match: PROBE, domid: 2 },
      ],
      timeoutMs: 240_000,
    });
    t.log(`Linux report after ${r.domains[0]?.secondsToMet?.toFixed(1)} s`);
    t.is(r.outcome, 'met', r.reason);
    const obs = readObservation(r.console.split('\n'), 'domU1');
    if (!obs) return t.fail('no complete report');
    t.is(obs.vcpus, 2);
    t.is(obs.online, '0-1');
    t.is(obs.cmdline, BOOTARGS);
    t.true(obs.deviceTree);
    // No xen,enhanced in the tree: Xen gives the guest no hypervisor node.
    t.false(obs.hypervisorNode);
    t.deepEqual(obs.reservedMemory, []);
    const declared = BigInt(MEMORY_KIB) * 1024n;
    t.is(sum(obs.memoryNodes.flatMap((n) => regPairs(n.reg))), declared);
    const ram = obs.systemRam.map((range): [bigint, bigint] => {
      const [a, b] = range.split('-').map((h) => BigInt(`0x${h}`)) as [bigint, bigint];
      return [a, b - a + 1n];
    });
    t.is(sum(ram), declared);
    // The kernel keeps some for itself; what it reports is a little under the declared amount.
    t.true(
      obs.memTotalKiB <= MEMORY_KIB && obs.memTotalKiB > MEMORY_KIB * 0.75,
      `MemTotal ${obs.memTotalKiB}`,
    );
  });
}
