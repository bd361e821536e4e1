// The toolstack path on x86 (issue 10 part 5): Debian's Xen 4.17 amd64 under QEMU q35, a Linux PV
// dom0 running Debian's amd64 toolstack (dombuild's initramfs, qemu/dom0) `xl create`s the PVH
// guest of examples/x86-pvh.yaml from the xl config `build` writes, then reads Xen's census, which
// must equal the config field by field. Debian's bookworm is the only suite with an amd64 Xen,
// so 4.17 only. The wrong-encoding case is proven on Arm (dom0-toolstack.e2e.ts), not repeated.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { readObservation } from '../../images/linux-guest.js';
import { bootWithToolstack } from '../../qemu/dom0/boot.js';
import { runWithCensus } from './helpers/cli.js';
import { stageExamples } from './helpers/examples.js';
import { bootGate, CACHE, tempDir } from './helpers/system.js';

const gate = bootGate(['qemu-system-x86_64', 'setpriv', 'xmllint']);
const boot = gate.available ? test.serial : test.serial.skip;

boot(
  'Xen 4.17 x86: a PV dom0 with the amd64 toolstack xl-creates the PVH guest of examples/x86-pvh.yaml; zero census mismatches, and the guest reports what it was given',
  async (t) => {
    const dir = stageExamples('dom0-x86');
    const work = tempDir('dom0-x86-work');
    const abort = new AbortController();
    t.teardown(() => {
      abort.abort();
      if (!process.env.KEEP_E2E) {
        rmSync(dir, { recursive: true, force: true });
        rmSync(work, { recursive: true, force: true });
      }
    });
    const file = join(dir, 'x86-pvh.yaml');
    const r = await bootWithToolstack({
      text: readFileSync(file, 'utf8'),
      file,
      configDir: dir,
      release: '4.17',
      arch: 'amd64',
      cacheRoot: CACHE,
      workDir: work,
      timeoutMs: 280_000,
      path: process.env.PATH ?? '',
      // Its last report chunk (i equals n) in xenconsoled's log of it.
      waitFor: { pvh1: 'DOMBUILD-OBSERVE guest \\([0-9]*\\)/\\1 ' },
      // QEMU dies with this process even if it is SIGKILLed (the ava worker runs no hook then).
      wrap: (c) => ({ command: 'setpriv', args: ['--pdeathsig', 'KILL', '--', c.command, ...c.args] }),
      signal: abort.signal,
    });
    writeFileSync(join(work, 'console.log'), r.run.console);
    const v = r.verdict;
    const why = JSON.stringify(
      {
        reason: r.run.reason,
        failedSteps: v.failedSteps,
        runtime: v.runtime,
        mismatches: v.mismatches,
        incomplete: v.incomplete,
        tail: r.run.console.split('\n').slice(-15),
      },
      null,
      1,
    );
    t.log(`Xen 4.17 x86: ${r.run.outcome} in ${r.run.durationSeconds.toFixed(1)} s; console ${work}`);
    t.true(r.run.ok, why);
    t.deepEqual(v.failedSteps, [], why);
    t.deepEqual(
      v.runtime.map((x) => [x.domain, x.created]),
      [['pvh1', true]],
      why,
    );
    t.deepEqual(v.mismatches, [], why);
    t.true(v.ok, why);

    // Xen's account: a PVH guest (an HVM container without a device model) with the declared vCPUs.
    const pvh = v.comparisons.find((c) => c.domain === 'pvh1');
    t.is(pvh?.path, 'xl');
    t.is(pvh?.census?.vcpus.length, 2, why);
    t.is(pvh?.checks.find((c) => c.field === 'guest-type')?.observed, 'hvm container, hap', why);
    const dom0 = v.comparisons.find((c) => c.domain === 'dom0');
    t.is(dom0?.checks.find((c) => c.field === 'guest-type')?.observed, 'pv', why);
    const compared = new Set(pvh?.checks.map((c) => c.field));
    for (const f of [
      'present',
      'vcpus',
      'max-memory',
      'cpupool',
      'scheduler',
      'grant-frames',
      'xenstore',
      'guest-type',
    ])
      t.true(compared.has(f as never), `${f} compared`);

    // The guest's own report, from xenconsoled's log of hvc0 in dom0.
    const obs = readObservation((v.runtime[0]?.console ?? '').split('\n'), 'guest');
    if (!obs) return t.fail(`no complete report from pvh1\n${v.runtime[0]?.console ?? ''}`);
    t.is(obs.vcpus, 2);
    t.is(obs.cmdline.trim(), 'console=hvc0 rdinit=/init quiet');
    // No device tree on x86: what Linux knows of Xen comes from CPUID and the PVH start info.
    t.false(obs.deviceTree);
    t.true(obs.memTotalKiB > 200 * 1024 && obs.memTotalKiB <= 256 * 1024, String(obs.memTotalKiB));
  },
);

boot(
  'dombuild run examples/x86-pvh.yaml --json --junit on x86: dom0 runs the toolstack with no flag, pvh1 is created by xl, zero census mismatches',
  async (t) => {
    const dir = stageExamples('dom0-x86-run');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const doc = await runWithCensus(t, join(dir, 'x86-pvh.yaml'), join(dir, 'report.xml'));
    t.true(doc.ok);
    t.deepEqual(
      doc.domains.map((d) => [d.domain, d.path, d.up, d.mismatches.length]),
      [
        ['dom0', 'dom0', true, 0],
        ['pvh1', 'xl', true, 0],
      ],
    );
    const pvh = doc.domains[1]?.fields.filter((f) => f.ok).map((f) => f.field) ?? [];
    for (const f of [
      'present',
      'vcpus',
      'affinity',
      'max-memory',
      'cpupool',
      'scheduler',
      'xenstore',
      'guest-type',
    ])
      t.true(pvh.includes(f), f);
    t.is([...doc.junitXml.matchAll(/<testcase /g)].length, 2);
    t.false(doc.junitXml.includes('<failure'));
  },
);
