// x86_64: Debian's Xen 4.17 amd64 boots Debian's amd64 kernel as a PV dom0 through QEMU's
// multiboot loader (Xen + a module list), with dombuild's initramfs; dom0 reports what it sees.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { linuxGuestInitramfs, observationPattern, readObservation } from '../../images/linux-guest.js';
import { qemuArgv } from '../../qemu/argv.js';
import { locateAsset, xenX86Elf } from '../../qemu/assets.js';
import { runQemu } from '../../qemu/runner.js';
import { bootGate, CACHE, tempDir } from './helpers/system.js';

const gate = bootGate(['qemu-system-x86_64']);
const boot = gate.available ? test.serial : test.serial.skip;

boot(
  'Xen 4.17 x86_64: a Linux PV dom0 with the module list reports the declared vCPUs, memory and command line',
  async (t) => {
    const dir = tempDir('x86');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const initrd = join(dir, 'initrd.gz');
    writeFileSync(
      initrd,
      linuxGuestInitramfs({ busybox: readFileSync(locateAsset(CACHE, 'busybox-amd64').path), tag: 'dom0' }),
    );
    const cmdline = 'console=hvc0 rdinit=/init quiet';
    const r = await runQemu({
      command: qemuArgv({
        method: 'multiboot',
        machine: { arch: 'x86_64', memoryMiB: 2048, cpus: 2 },
        xen: xenX86Elf(CACHE),
        xenCmdline: 'console=com1 dom0_mem=512M,max:512M dom0_max_vcpus=2 bootscrub=0',
        modules: [{ file: locateAsset(CACHE, 'linux-amd64').path, cmdline }, { file: initrd }],
      }),
      expectations: [{ domain: 'dom0', match: observationPattern('dom0') }],
      timeoutMs: 280_000,
    });
    t.log(`dom0 report after ${r.domains[0]?.secondsToMet?.toFixed(1)} s`);
    t.is(r.outcome, 'met', r.reason);
    const obs = readObservation(r.console.split('\n'), 'dom0');
    if (!obs) return t.fail('no complete report');
    t.is(obs.vcpus, 2);
    t.is(obs.cmdline, cmdline);
    t.is(obs.hypervisorType, 'xen');
    t.false(obs.deviceTree);
    t.true(
      obs.memTotalKiB <= 512 * 1024 && obs.memTotalKiB > 512 * 1024 * 0.6,
      `MemTotal ${obs.memTotalKiB}`,
    );
  },
);
