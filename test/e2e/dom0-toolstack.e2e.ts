// Both creation paths on real Xen, judged by Xen's own account. A dom0 running Debian's toolstack
// (dombuild's initramfs, qemu/dom0) `xl create`s every runtime domain from the very xl configs
// `build` writes, then reads the census (xl list/-l/-c, vcpu-list, cpupool-list, xenstore-ls,
// Xen's debug-key dumps), which must equal the config field by field. Booted through the library,
// on Debian's Xen 4.17 and 4.20 under QEMU.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { linuxGuestInitramfs, observationPattern, readObservation } from '../../images/linux-guest.js';
import { locateAsset } from '../../qemu/assets.js';
import {
  bootWithToolstack,
  type ToolstackBootInput,
  type ToolstackBootResult,
} from '../../qemu/dom0/boot.js';
import { DOM0_MARKER } from '../../qemu/dom0/records.js';
import type { ToolstackVerdict } from '../../qemu/dom0/verdicts.js';
import { runWithCensus } from './helpers/cli.js';
import { stageExamples } from './helpers/examples.js';
import { bootGate, CACHE, tempDir } from './helpers/system.js';

const gate = bootGate(['qemu-system-aarch64', 'setpriv', 'xmllint']);
const boot = gate.available ? test.serial : test.serial.skip;

const RELEASES = ['4.17', '4.20'] as const;

/** QEMU dies with this process even if it is SIGKILLed (the ava worker runs no hook then). */
const bound = (c: { command: string; args: string[] }) => ({
  command: 'setpriv',
  args: ['--pdeathsig', 'KILL', '--', c.command, ...c.args],
});

async function bootIt(
  t: ExecutionContext,
  input: Omit<ToolstackBootInput, 'cacheRoot' | 'workDir' | 'timeoutMs' | 'path' | 'wrap' | 'signal'>,
): Promise<{ r: ToolstackBootResult; verdict: ToolstackVerdict }> {
  const work = tempDir('dom0-toolstack');
  const abort = new AbortController();
  t.teardown(() => {
    abort.abort();
    if (!process.env.KEEP_E2E) rmSync(work, { recursive: true, force: true });
  });
  const r = await bootWithToolstack({
    ...input,
    cacheRoot: CACHE,
    workDir: work,
    timeoutMs: 280_000,
    path: process.env.PATH ?? '',
    wrap: bound,
    signal: abort.signal,
  });
  writeFileSync(join(work, 'console.log'), r.run.console);
  const verdict = r.verdict;
  const up = r.run.domains.map((d) => `${d.domain} ${d.secondsToMet?.toFixed(1) ?? '-'} s`).join(', ');
  t.log(
    `Xen ${input.release}: ${r.run.outcome} in ${r.run.durationSeconds.toFixed(1)} s (${up}); console ${work}`,
  );
  return { r, verdict };
}

function explain(v: ToolstackVerdict, r: ToolstackBootResult): string {
  return JSON.stringify(
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
}

for (const release of RELEASES) {
  boot(
    `Xen ${release}: dombuild run examples/dom0-runtime.yaml --json --junit — dom0, a boot-time guest and two guests xl creates in dom0, each with its verdict and creation path, zero census mismatches`,
    async (t) => {
      const dir = stageExamples('dom0-toolstack');
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      // No flag but the release: the dom0's default expectation is its own final report.
      const doc = await runWithCensus(t, join(dir, 'dom0-runtime.yaml'), join(dir, 'report.xml'), [
        '--xen-release',
        release,
      ]);
      t.true(doc.ok);
      t.deepEqual(
        doc.domains.map((d) => [d.domain, d.path, d.up, d.mismatches.length]),
        [
          ['dom0', 'dom0', true, 0],
          ['boottime', 'boot', true, 0],
          ['runtime1', 'xl', true, 0],
          ['runtime2', 'xl', true, 0],
        ],
      );
      for (const d of doc.domains) {
        const fields = d.fields.filter((f) => f.ok).map((f) => f.field);
        t.true(fields.includes('present'), d.domain);
        if (d.path !== 'dom0')
          t.true(
            fields.includes('vcpus') && fields.includes('max-memory') && fields.includes('affinity'),
            d.domain,
          );
      }
      // A testcase per domain, none failed (xmllint judged the XML).
      t.is([...doc.junitXml.matchAll(/<testcase /g)].length, 4);
      t.false(doc.junitXml.includes('<failure'));
    },
  );

  boot(
    `Xen ${release}: a deliberately wrong xl encoding (runtime1's vcpus off by one) makes the census comparison fail on that field`,
    async (t) => {
      const dir = stageExamples('dom0-toolstack-wrong');
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      const file = join(dir, 'dom0-runtime.yaml');
      const { r, verdict } = await bootIt(t, {
        text: readFileSync(file, 'utf8'),
        file,
        configDir: dir,
        release,
        // What a broken emitter would write: the config says 1 vCPU, the xl file 2.
        tamperXl: (domain, text) =>
          domain === 'runtime1' ? text.replace(/^vcpus = 1$/m, 'vcpus = 2') : text,
      });
      t.true(r.run.ok, explain(verdict, r));
      t.false(verdict.ok);
      t.deepEqual(
        verdict.mismatches.map((m) => [m.domain, m.field, m.declared, m.observed]),
        [['runtime1', 'vcpus', '1', '2']],
      );
    },
  );
}

boot(
  "Xen 4.20: an xl create that fails is reported with xl's own message, and its domain is absent from the census",
  async (t) => {
    const dir = stageExamples('dom0-toolstack-xlfail');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'dom0-runtime.yaml');
    const { r, verdict } = await bootIt(t, {
      text: readFileSync(file, 'utf8'),
      file,
      configDir: dir,
      release: '4.20',
      // More memory than the 2 GiB machine has: Xen refuses to populate it.
      tamperXl: (domain, text) =>
        domain === 'runtime2' ? text.replace(/^memory = 64$/m, 'memory = 8192') : text,
    });
    t.true(r.run.ok, explain(verdict, r));
    t.false(verdict.ok);
    t.deepEqual(
      verdict.failedSteps.map((s) => s.step),
      ['xl-create:runtime2'],
    );
    const v2 = verdict.runtime.find((v) => v.domain === 'runtime2');
    t.false(v2?.created);
    t.regex(v2?.error ?? '', /libxl: error: /);
    t.log(`xl said: ${v2?.error}`);
    t.deepEqual(
      verdict.mismatches.map((m) => [m.domain, m.field]),
      [['runtime2', 'present']],
    );
    t.true(verdict.runtime.find((v) => v.domain === 'runtime1')?.created);
  },
);

for (const release of RELEASES) {
  boot(
    `Xen ${release}: per-vCPU hard affinity written as xl's cpus= is what Xen applies (xl vcpu-list)`,
    async (t) => {
      const dir = tempDir('dom0-affinity');
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      const kernel = JSON.stringify(locateAsset(CACHE, 'linux-arm64').path);
      const file = join(dir, 'pinned.yaml');
      writeFileSync(
        file,
        [
          'xen:',
          `  release: "${release}"`,
          '  cmdline: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M bootscrub=0"',
          'board: qemu-virt-arm64',
          'dom0:',
          `  kernel: ${kernel}`,
          `  ramdisk: ${kernel}`,
          '  cmdline: "console=hvc0 earlycon=xen rdinit=/init"',
          '  memory: 512M',
          '  vcpus: 1',
          'domains:',
          '  - name: pinned',
          '    boot: false',
          '    kernel: { probe: "pinned up" }',
          '    memory: 32M',
          '    vcpus: 2',
          '    vpl011: true',
          '    vcpuAffinity: [{ vcpu: 0, cpus: "1" }, { vcpu: 1, cpus: "0" }]',
          '',
        ].join('\n'),
      );
      const { r, verdict } = await bootIt(t, {
        text: readFileSync(file, 'utf8'),
        file,
        configDir: dir,
        release,
      });
      t.true(r.run.ok, explain(verdict, r));
      t.deepEqual(verdict.mismatches, [], explain(verdict, r));
      const pinned = verdict.comparisons.find((c) => c.domain === 'pinned');
      t.true(pinned?.matched.includes('affinity'));
      t.deepEqual(
        pinned?.census?.vcpus.map((v) => [v.vcpu, v.hard]),
        [
          [0, [1]],
          [1, [0]],
        ],
      );
    },
  );
}

for (const release of RELEASES) {
  boot(
    `Xen ${release}: the census catches Debian's init-dom0less leaving a 2-vCPU boot-time domain without xenstore`,
    async (t) => {
      const dir = stageExamples('dom0-toolstack-2vcpu');
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      const file = join(dir, 'dom0-runtime.yaml');
      // boottime declares xenstore: enabled; only its vCPU count changes.
      const text = readFileSync(file, 'utf8').replace(
        /(- name: boottime\n(?: {4}.*\n)*? {4}memory: 64M\n)/,
        '$1    vcpus: 2\n',
      );
      t.regex(text, /name: boottime[\s\S]*?vcpus: 2\n[\s\S]*?name: runtime1/);
      const { r, verdict } = await bootIt(t, { text, file, configDir: dir, release });
      t.true(r.run.ok, explain(verdict, r));
      // When a Debian update fixes it, this fails: then TWIN_VCPUS can be 2.
      t.deepEqual(
        verdict.failedSteps.map((s) => [s.step, /writing to xenstore/.test(s.out ?? '')]),
        [['init:init-dom0less', true]],
      );
      t.deepEqual(
        verdict.mismatches.map((m) => [m.domain, m.field, m.declared, m.observed]),
        [['boottime', 'xenstore', 'yes', 'no']],
      );
    },
  );
}

/**
 * Part 3: one Linux guest declared twice, `boot: true` and `boot: false`. Fields that differ by
 * design, each with the reason; everything else in Xen's census and in the guest's own report
 * must be identical.
 */
const BY_DESIGN: Record<string, string> = {
  xenstore:
    'declared only on the boot-time twin: xl gives every domain xenstore and has no key for it (check xenstore-expressible); enabled is what makes the boot-time one the same',
  domid: 'Xen numbers boot-time domains first (1, 2, ...), xl-created ones after them',
  name: 'Xen knows a boot-time domain as dom0less-<domid> (init-dom0less); xl passes the config name',
  maxPages:
    'xl raises the maximum by LIBXL_MAXMEM_CONSTANT (1 MiB); a boot-time domain gets one page for the xenstore ring',
  totPages:
    'the toolstack adds console/vuart ring pages to an xl domain; Xen builds a boot-time one with fewer',
  'vcpus[].cpu': 'where a vCPU last ran is the scheduler’s choice at the moment of the read',
  'vcpus[].state': 'running/blocked at the moment of the read',
  grantFrames:
    'grant frames in use: the xl guest’s console backends grant pages, the boot-time one’s vpl011 is Xen’s',
  libxl:
    'libxl’s stored config: the full xl config for an xl domain, a stub init-dom0less writes for a boot-time one',
  vuart:
    'the vpl011 backend: xenconsoled in dom0 (a xenstore vuart node) for xl, Xen itself (its console) at boot',
};

/**
 * One vCPU: Debian's init-dom0less (4.17 and 4.20 alike) fails on a boot-time domain with more
 * ("init-dom0less: writing to xenstore", seen in this test's first runs, both releases). It writes
 * `cpu/<n>/availability/` with a trailing slash, which xenstored refuses, for every vCPU but the
 * last; the upstream fix came after these builds. The domain is then left without xenstore.
 */
const TWIN_VCPUS = 1;

/** The same for the guest's own report (images/linux-guest.ts). */
const OBSERVED_BY_DESIGN = {
  memTotalKiB:
    'may differ by one page: Xen’s dom0less builder and libxl’s place the ramdisk at different guest addresses, and the pages Linux frees with it round differently at its ends (4 KiB apart on both releases)',
};

function twinConfig(dir: string, release: (typeof RELEASES)[number]): string {
  const vcpus = TWIN_VCPUS;
  const kernel = JSON.stringify(locateAsset(CACHE, 'linux-arm64').path);
  writeFileSync(
    join(dir, 'twin.cpio.gz'),
    linuxGuestInitramfs({ busybox: readFileSync(locateAsset(CACHE, 'busybox-arm64').path), tag: 'twin' }),
  );
  const guest = (name: string, bootTime: boolean) => [
    `  - name: ${name}`,
    `    boot: ${bootTime}`,
    `    kernel: ${kernel}`,
    '    ramdisk: twin.cpio.gz',
    '    cmdline: "console=ttyAMA0 rdinit=/init quiet"',
    '    memory: 192M',
    `    vcpus: ${vcpus}`,
    '    vpl011: true',
    // The one line the descriptions differ in (besides name and boot): see BY_DESIGN.xenstore.
    ...(bootTime ? ['    xenstore: enabled'] : []),
  ];
  return [
    'xen:',
    `  release: "${release}"`,
    '  cmdline: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M bootscrub=0"',
    'board: qemu-virt-arm64',
    'dom0:',
    `  kernel: ${kernel}`,
    // Replaced by the toolstack initramfs; named so the config is complete on its own.
    '  ramdisk: twin.cpio.gz',
    '  cmdline: "console=hvc0 earlycon=xen rdinit=/init"',
    '  memory: 512M',
    '  vcpus: 1',
    'domains:',
    ...guest('twinboot', true),
    ...guest('twinxl', false),
    '',
  ].join('\n');
}

for (const release of RELEASES) {
  boot(
    `Xen ${release}: the same Linux guest declared boot: true and boot: false — census and the guest's own report identical but for listed by-design differences`,
    async (t) => {
      const dir = tempDir('dom0-twin');
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      const file = join(dir, 'twin.yaml');
      writeFileSync(file, twinConfig(dir, release));
      const { r, verdict } = await bootIt(t, {
        text: readFileSync(file, 'utf8'),
        file,
        configDir: dir,
        release,
        expect: new Map([['twinboot', observationPattern('twin')]]),
        waitFor: { twinxl: 'DOMBUILD-OBSERVE twin \\([0-9]*\\)/\\1 ' },
      });
      t.true(r.run.ok, explain(verdict, r));
      t.deepEqual(verdict.mismatches, [], explain(verdict, r));
      t.deepEqual(
        verdict.runtime.map((v) => [v.domain, v.created]),
        [['twinxl', true]],
      );

      // Xen's census of each, minus the fields listed above.
      const census = (name: string) => verdict.comparisons.find((c) => c.domain === name)?.census;
      const strip = (c: ReturnType<typeof census>) => {
        if (!c) return undefined;
        const {
          domid: _d,
          name: _n,
          maxPages: _m,
          totPages: _p,
          libxl: _l,
          vuart: _v,
          vcpus,
          grant,
          state: _s,
          ...rest
        } = c;
        return {
          ...rest,
          vcpus: vcpus.map(({ cpu: _c, state: _st, ...v }) => v),
          grant: grant && { ...grant, frames: undefined },
        };
      };
      t.deepEqual(strip(census('twinboot')), strip(census('twinxl')), Object.values(BY_DESIGN).join('; '));

      // The guest's own report: the boot-time one on Xen's console, the xl one in its vuart log.
      const xenConsole = r.run.console.split('\n').filter((l) => !l.includes(DOM0_MARKER));
      const bootObs = readObservation(xenConsole, 'twin');
      const xlLog = verdict.runtime[0]?.console ?? '';
      const xlObs = readObservation(xlLog.split('\n'), 'twin');
      if (!bootObs || !xlObs) return t.fail(`no complete report: boot ${!!bootObs}, xl ${!!xlObs}\n${xlLog}`);
      // MemTotal: within one page (OBSERVED_BY_DESIGN.memTotalKiB); the rest byte for byte.
      t.true(
        Math.abs(xlObs.memTotalKiB - bootObs.memTotalKiB) <= 4,
        `${xlObs.memTotalKiB} vs ${bootObs.memTotalKiB}`,
      );
      t.deepEqual(
        { ...xlObs, memTotalKiB: 0 },
        { ...bootObs, memTotalKiB: 0 },
        OBSERVED_BY_DESIGN.memTotalKiB,
      );
    },
  );
}

const diskGate = bootGate(['qemu-system-aarch64', 'setpriv', 'mkfs.vfat', 'mcopy']);
const bootDisk = diskGate.available ? test.serial : test.serial.skip;

/** What the test writes into the guest's disk image, and reads back from the guest's report. */
const DISK_TEXT = 'read by xen-blkfront from /dev/xvda';

/**
 * The guest's modules, from the same Debian kernel it runs (the kernel cache keeps them): code
 * pages and FAT before vfat, the block frontend last, so /dev/xvda appears once vfat can mount it.
 */
const GUEST_MODULES = [
  'fs/nls/nls_cp437.ko',
  'fs/nls/nls_ascii.ko',
  'fs/nls/nls_utf8.ko',
  'fs/fat/fat.ko',
  'fs/fat/vfat.ko',
  'drivers/block/xen-blkfront.ko',
  'drivers/net/xen-netfront.ko',
];

// Xen 4.17 only: xl's disk path (xlu_disk_parse, libxl's phy backend and its hotplug script,
// xen-blkback in dom0) is the same code on 4.20, and Debian's dom0 and guest kernel are one
// bookworm kernel on both releases.
bootDisk(
  "Xen 4.17: a guest xl creates with a vfat disk image (disks:, phy on a loop device, xen-blkback in dom0) mounts /dev/xvda and reports the file's content; its vif (script vif-dombuild, no bridge) is connected to xen-netfront",
  async (t) => {
    const dir = tempDir('dom0-disk');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    // The disk: a 2 MiB FAT image holding one file, made with dosfstools and mtools.
    const img = join(dir, 'data.img');
    writeFileSync(join(dir, 'hello.txt'), `${DISK_TEXT}\n`);
    for (const [cmd, args] of [
      ['mkfs.vfat', ['-C', img, '2048']],
      ['mcopy', ['-i', img, join(dir, 'hello.txt'), '::hello.txt']],
    ] as const) {
      const p = spawnSync(cmd, [...args], { encoding: 'utf8' });
      if (p.status !== 0) return t.fail(`${cmd} ${args.join(' ')}: ${p.stderr}`);
    }
    const kernelTree = join(locateAsset(CACHE, 'linux-xen-modules-arm64').path, '..', '..');
    writeFileSync(
      join(dir, 'disk.cpio.gz'),
      linuxGuestInitramfs({
        busybox: readFileSync(locateAsset(CACHE, 'busybox-arm64').path),
        tag: 'disk',
        modules: GUEST_MODULES.map((m) => ({
          name: m.slice(m.lastIndexOf('/') + 1),
          data: readFileSync(join(kernelTree, m)),
        })),
        disk: { device: '/dev/xvda', fsType: 'vfat', file: 'hello.txt' },
      }),
    );
    const kernel = JSON.stringify(locateAsset(CACHE, 'linux-arm64').path);
    const file = join(dir, 'disk.yaml');
    writeFileSync(
      file,
      [
        'xen:',
        '  release: "4.17"',
        '  cmdline: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M bootscrub=0"',
        'board: qemu-virt-arm64',
        'dom0:',
        `  kernel: ${kernel}`,
        '  ramdisk: disk.cpio.gz',
        '  cmdline: "console=hvc0 earlycon=xen rdinit=/init"',
        '  memory: 512M',
        '  vcpus: 1',
        'domains:',
        '  - name: withdisk',
        '    boot: false',
        `    kernel: ${kernel}`,
        '    ramdisk: disk.cpio.gz',
        '    cmdline: "console=ttyAMA0 rdinit=/init quiet"',
        '    memory: 192M',
        '    vcpus: 1',
        '    vpl011: true',
        '    disks:',
        '      - { image: data.img, vdev: xvda, access: ro }',
        // No bridge in dom0: dombuild's vif-dombuild only brings the backend interface up.
        '    vifs:',
        '      - { mac: "00:16:3E:00:00:01", script: vif-dombuild }',
        '',
      ].join('\n'),
    );
    const { r, verdict } = await bootIt(t, {
      text: readFileSync(file, 'utf8'),
      file,
      configDir: dir,
      release: '4.17',
      expect: new Map(),
      waitFor: { withdisk: 'DOMBUILD-OBSERVE disk \\([0-9]*\\)/\\1 ' },
    });
    t.true(r.run.ok, explain(verdict, r));
    t.deepEqual(verdict.mismatches, [], explain(verdict, r));
    t.deepEqual(
      verdict.runtime.map((v) => [v.domain, v.created]),
      [['withdisk', true]],
    );
    // xl network-list: the vif with its MAC, connected, which the backend is only once the
    // guest's xen-netfront has probed the device and connected its rings.
    const vifs = verdict.comparisons
      .find((c) => c.domain === 'withdisk')
      ?.checks.find((c) => c.field === 'vifs');
    t.deepEqual(vifs && { observed: vifs.observed, ok: vifs.ok }, {
      observed: '0 00:16:3e:00:00:01 be 0 connected',
      ok: true,
    });
    // Xen's side, from `xl block-list withdisk`: xvda (device 51712) served by dom0, connected.
    const disks = verdict.comparisons
      .find((c) => c.domain === 'withdisk')
      ?.checks.find((c) => c.field === 'disks');
    t.deepEqual(disks && { observed: disks.observed, ok: disks.ok }, {
      observed: '51712 be 0 connected',
      ok: true,
    });
    const log = verdict.runtime[0]?.console ?? '';
    const obs = readObservation(log.split('\n'), 'disk');
    if (!obs) return t.fail(`no complete report from withdisk:\n${log}`);
    t.deepEqual(obs.disk, {
      device: '/dev/xvda',
      mounted: true,
      file: 'hello.txt',
      content: DISK_TEXT,
    });
  },
);
