// examples/x86-dom0.yaml booted exactly as dombuild emits it: the module list and Xen command
// line come from emitX86Boot (the same list grub.cfg and xen.cfg print), handed to the runner's
// argv builder; only the files are swapped for the cached Debian ones (Xen 4.17 amd64 ELF, Linux
// amd64, and our initramfs). Dom0 must report the vCPUs, memory and command line the config says.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { emitX86Boot } from '../../builder/x86/emit.js';
import { linuxGuestInitramfs, observationPattern, readObservation } from '../../images/linux-guest.js';
import { qemuArgv } from '../../qemu/argv.js';
import { locateAsset, xenX86Elf } from '../../qemu/assets.js';
import { runQemu } from '../../qemu/runner.js';
import type { Diagnostic } from '../../schema/index.js';
import { loadConfigOrThrow } from '../../schema/index.js';
import { bootGate, CACHE, tempDir } from './helpers/system.js';

const gate = bootGate(['qemu-system-x86_64']);
const boot = gate.available ? test.serial : test.serial.skip;
const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'x86-dom0.yaml');

boot(
  'examples/x86-dom0.yaml: the emitted multiboot module list boots Xen 4.17 and dom0 sees the config',
  async (t) => {
    const config = loadConfigOrThrow(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
    const dom0 = config.dom0!;
    const dir = tempDir('x86-example');
    const initrd = join(dir, 'initrd.gz');
    writeFileSync(
      initrd,
      linuxGuestInitramfs({ busybox: readFileSync(locateAsset(CACHE, 'busybox-amd64').path), tag: 'dom0' }),
    );
    const diagnostics: Diagnostic[] = [];
    const emitted = emitX86Boot(config, undefined, {
      xenFile: xenX86Elf(CACHE),
      qemuFiles: { [dom0.kernel.path]: locateAsset(CACHE, 'linux-amd64').path, [dom0.ramdisk!.path]: initrd },
      diagnostics,
    });
    t.deepEqual(
      diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const q = emitted.qemu!;
    const board = config.board as { memory: bigint; cpus: number };
    const command = qemuArgv({
      method: 'multiboot',
      machine: { arch: 'x86_64', memoryMiB: Number(board.memory >> 20n), cpus: board.cpus },
      xen: q.kernel,
      xenCmdline: q.append,
      modules: q.modules,
    });
    // The runner's argv ends with exactly the arguments dombuild emitted.
    t.deepEqual(command.args.slice(command.args.indexOf('-kernel')), q.args);
    const r = await runQemu({
      command,
      expectations: [{ domain: 'dom0', match: observationPattern('dom0') }],
      timeoutMs: 280_000,
    });
    t.log(`dom0 report after ${r.domains[0]?.secondsToMet?.toFixed(1)} s`);
    t.is(r.outcome, 'met', r.reason);
    const obs = readObservation(r.console.split('\n'), 'dom0');
    if (!obs) return t.fail('no complete report');
    t.is(obs.vcpus, dom0.vcpus ?? 1);
    t.is(obs.cmdline, dom0.cmdline ?? '');
    t.is(obs.hypervisorType, 'xen');
    const kib = Number(dom0.memory! / 1024n);
    t.true(obs.memTotalKiB <= kib && obs.memTotalKiB > kib * 0.6, `MemTotal ${obs.memTotalKiB}`);
  },
);
