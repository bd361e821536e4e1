// The examples matrix: every config in examples/ builds, and every Arm example that Debian's Xen
// builds can run boots through `dombuild run` with both methods (QEMU's loader, real U-Boot over
// TFTP) on both Debian builds (Xen 4.17 from bookworm, 4.20 from trixie, chosen per run with
// --xen-release). An example that needs Kconfig options Debian's builds lack is listed below with
// the reason, and `dombuild validate` must refuse it when given those builds' own .config (the
// file Debian ships next to each Xen binary) — naming exactly the Kconfig checks.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { observationPattern, readObservation } from '../../images/linux-guest.js';
import { locateAsset, xenAssetId } from '../../qemu/assets.js';
import { dombuild, removeKept, reportIds } from './helpers/cli.js';
import { EXAMPLES, stageExamples } from './helpers/examples.js';
import { bootGate, CACHE } from './helpers/system.js';

const gate = bootGate(['qemu-system-aarch64']);
const boot = gate.available ? test.serial : test.serial.skip;

const RELEASES = ['4.17', '4.20'] as const;
const METHODS = ['direct', 'uboot'] as const;

type Plan =
  | { kind: 'arm'; dom0Linux: boolean }
  | { kind: 'x86'; where: string }
  | { kind: 'efi'; where: string }
  | { kind: 'needs-kconfig'; reason: string; kconfigIds: string[]; alsoOn417: string[] };

/** Every example and how this suite proves it. A new example must be added here (asserted). */
const EXAMPLE_PLANS: Record<string, Plan> = {
  'minimal.yaml': { kind: 'arm', dom0Linux: false },
  // dom0 is Debian's arm64 Linux with our initramfs; its report must match the config's dom0.
  'dom0-runtime.yaml': { kind: 'arm', dom0Linux: true },
  // Booted by `dombuild run` on Xen 4.17 x86_64 in run-x86.e2e.ts (Debian ships no x86 4.20 here).
  'x86-dom0.yaml': {
    kind: 'x86',
    where: 'run-x86.e2e.ts',
  },
  // dom0 xl-creates its PVH guest; booted by `dombuild run` on Xen 4.17 x86_64 with the census in
  // dom0-toolstack-x86.e2e.ts.
  'x86-pvh.yaml': { kind: 'x86', where: 'dom0-toolstack-x86.e2e.ts' },
  // Booted by `dombuild run` through EDK2 on Xen 4.17 and 4.20 in media.e2e.ts (its own method).
  'efi.yaml': { kind: 'efi', where: 'media.e2e.ts' },
  'static-partitioning.yaml': {
    kind: 'needs-kconfig',
    reason:
      "Debian's Xen 4.17 and 4.20 arm64 builds have no STATIC_MEMORY (xen,static-mem, direct-map), " +
      'no STATIC_SHM (static shared memory), no BOOT_TIME_CPUPOOLS (cpupools would be silently Pool-0) ' +
      'and no SCHED_NULL; the mirror has no Xen sources to rebuild them (recipes/qemu.md)',
    kconfigIds: [
      'cpupool-kconfig',
      'cpupools-kconfig',
      'direct-map-kconfig',
      'scheduler-kconfig',
      'shared-memory-kconfig',
      'static-memory-kconfig',
    ],
    // 4.17 also predates xenstore: no-xenstore (4.19), which the example uses.
    alsoOn417: ['xenstore-release'],
  },
};

test('every example in examples/ has a plan in this suite', (t) => {
  const files = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  t.deepEqual(files, Object.keys(EXAMPLE_PLANS).sort());
});

const staged = gate.available ? stageExamples('examples') : '';
test.after.always(() => {
  if (staged) rmSync(staged, { recursive: true, force: true });
});

const CONTRACT = {
  arm: ['system.dtb', 'chosen.dtsi', 'chosen.dtbo', 'boot.source', 'boot.scr', 'plan.json'],
  x86: ['grub.cfg', 'xen.cfg', 'createdomain.bin', 'plan.json'],
  efi: ['system.dtb', 'chosen.dtsi', 'chosen.dtbo', 'plan.json'],
};

for (const [file, plan] of Object.entries(EXAMPLE_PLANS)) {
  boot(`examples/${file} builds and writes the outputs the CLI contract names`, async (t) => {
    const out = join(staged, 'out', file);
    const r = await dombuild(['build', join(staged, file), '-o', out]);
    t.is(r.code, 0, r.err);
    for (const name of CONTRACT[plan.kind === 'x86' || plan.kind === 'efi' ? plan.kind : 'arm'])
      t.true(existsSync(join(out, name)), name);
  });

  if (plan.kind === 'arm') {
    for (const release of RELEASES) {
      for (const method of METHODS) {
        boot(`examples/${file} boots on Xen ${release} (${method}): every boot-time domain up`, async (t) => {
          const log = join(staged, `${file}-${release}-${method}.log`);
          const argv = ['run', join(staged, file), '--xen-release', release, '--method', method];
          argv.push('--quiet', '--timeout', plan.dom0Linux ? '240' : '90', '--log', log);
          if (plan.dom0Linux) argv.push('--expect', `dom0=/${observationPattern('dom0').source}/`);
          const r = await dombuild(argv);
          removeKept(r);
          t.log(r.out.trim());
          t.is(r.code, 0, `${r.out}\n${r.err.slice(-1500)}`);
          t.regex(readFileSync(log, 'utf8'), new RegExp(`Xen version ${release.replace('.', '\\.')}`));
          if (plan.dom0Linux) {
            // dom0 sees what the example declares (dom0: vcpus 1, memory 512M, its cmdline).
            const obs = readObservation(readFileSync(log, 'utf8').split('\n'), 'dom0');
            if (!obs) return t.fail('dom0 sent no complete report');
            t.is(obs.vcpus, 1);
            t.is(obs.cmdline, 'console=hvc0 earlycon=xen rdinit=/init');
            t.true(obs.memTotalKiB <= 512 * 1024 && obs.memTotalKiB > 512 * 1024 * 0.8, `${obs.memTotalKiB}`);
            t.true(obs.hypervisorNode);
          }
        });
      }
    }
  }

  if (plan.kind === 'needs-kconfig') {
    test.serial(`examples/${file} validates against its own .config`, async (t) => {
      const r = await dombuild(['validate', join(EXAMPLES, file), '--json']);
      t.is(r.code, 0, r.out);
    });
    for (const release of RELEASES) {
      boot(
        `examples/${file} cannot boot on Debian's Xen ${release}: validate with that build's .config names the Kconfig checks`,
        async (t) => {
          const kconfig = locateAsset(CACHE, xenAssetId(release, 'arm64')).configPath;
          if (!kconfig) return t.fail(`no .config beside Debian's Xen ${release}`);
          const text = readFileSync(join(EXAMPLES, file), 'utf8')
            .replace(/^ {2}kconfig: .*$/m, `  kconfig: ${JSON.stringify(kconfig)}`)
            .replace(/^ {2}release: .*$/m, `  release: "${release}"`);
          t.true(text.includes(kconfig));
          const copy = join(staged, `${release}-${file}`);
          writeFileSync(copy, text);
          const r = await dombuild(['validate', copy, '--json']);
          t.is(r.code, 1);
          const ids = [...new Set(reportIds(r))].sort();
          t.deepEqual(ids, [...plan.kconfigIds, ...(release === '4.17' ? plan.alsoOn417 : [])].sort());
        },
      );
    }
  }
}
