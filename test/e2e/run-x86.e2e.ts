// `dombuild run examples/x86-dom0.yaml`: the CLI boots Xen 4.17 x86_64 (Debian's, from the cache)
// under QEMU's multiboot loader with the module list builder/x86 emits, and the Linux PV dom0
// (Debian's amd64 kernel + dombuild's initramfs, where the example's paths say) reports exactly the
// vCPUs, memory and command line the example declares.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { observationPattern, readObservation } from '../../images/linux-guest.js';
import { loadConfigOrThrow } from '../../schema/index.js';
import { dombuild, removeKept } from './helpers/cli.js';
import { stageExamples } from './helpers/examples.js';
import { bootGate } from './helpers/system.js';

const gate = bootGate(['qemu-system-x86_64']);
const boot = gate.available ? test.serial : test.serial.skip;
const staged = gate.available ? stageExamples('run-x86') : '';
test.after.always(() => {
  if (staged) rmSync(staged, { recursive: true, force: true });
});
const EXPECT_DOM0 = `dom0=/${observationPattern('dom0').source}/`;

boot(
  'dombuild run examples/x86-dom0.yaml: Xen 4.17 x86_64 boots the PV dom0 the config declares',
  async (t) => {
    const file = join(staged, 'x86-dom0.yaml');
    const log = join(staged, 'x86.log');
    const r = await dombuild([
      'run',
      file,
      '--expect',
      EXPECT_DOM0,
      '--quiet',
      '--timeout',
      '240',
      '--log',
      log,
    ]);
    removeKept(r);
    t.log(r.out.trim());
    t.is(r.code, 0, `${r.out}\n${r.err.slice(-2000)}`);
    t.regex(r.out, /^dom0 +yes /m);
    // The multiboot argv is the emitted module list: Xen's line, then dom0's kernel with its cmdline.
    t.regex(r.err, /-append console=com1 dom0_mem=512M/);
    t.regex(
      r.err,
      /-initrd \S+\/images\/x86\/vmlinuz console=hvc0 rdinit=\/init,\S+\/images\/x86\/initrd\.cpio\.gz/,
    );
    const console = readFileSync(log, 'utf8');
    t.regex(console, /Xen version 4\.17/);
    const dom0 = loadConfigOrThrow(readFileSync(file, 'utf8'), file).dom0;
    if (!dom0) return t.fail('the example has no dom0');
    const obs = readObservation(console.split('\n'), 'dom0');
    if (!obs) return t.fail('dom0 sent no complete report');
    t.is(obs.vcpus, dom0.vcpus ?? 1);
    t.is(obs.cmdline, dom0.cmdline ?? '');
    t.is(obs.hypervisorType, 'xen');
    // A PV dom0 sees the host's e820, so MemTotal is the measure: at most what dom0_mem gives it
    // (without it dom0 would take nearly all 2 GiB), less the kernel and Xen's 64 MiB swiotlb.
    const kib = Number((dom0.memory ?? 0n) / 1024n);
    t.true(
      obs.memTotalKiB <= kib && obs.memTotalKiB > kib * 0.65,
      `MemTotal ${obs.memTotalKiB} KiB of ${kib}`,
    );
  },
);

boot(
  // Without --expect dom0, run boots the toolstack dom0 (dom0-toolstack-x86.e2e.ts).
  'dombuild run on x86 with --expect dom0: another method or an uncached release is a usage error',
  async (t) => {
    const file = join(staged, 'x86-dom0.yaml');
    t.is((await dombuild(['run', file, '--method', 'uboot', '--expect', EXPECT_DOM0, '--quiet'])).code, 2);
    t.is(
      (await dombuild(['run', file, '--xen-release', '4.20', '--expect', EXPECT_DOM0, '--quiet'])).code,
      2,
    );
  },
);
