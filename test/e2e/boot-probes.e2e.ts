// Real Xen (Debian's 4.17 and 4.20 arm64 builds) under qemu-system-aarch64 boots two dom0less
// probe guests, directly and through Debian's U-Boot; the runner must see each guest's own marker
// and stop QEMU at once. A tree Xen cannot honour must end in a panic the runner attributes.
import test from 'ava';
import { qemuArgv, ubootKeystrokes } from '../../qemu/argv.js';
import { type CachedXenRelease, locateAsset, UBOOT_QEMU_ARM64, xenAssetId } from '../../qemu/assets.js';
import { runQemu } from '../../qemu/runner.js';
import {
  ARM_MACHINE,
  armSystem,
  bootGate,
  CACHE,
  tempDir,
  ubootTftpRoot,
  writeProbes,
} from './helpers/system.js';

const gate = bootGate(['qemu-system-aarch64']);
const boot = gate.available ? test.serial : test.serial.skip;
const MARKERS = ['dombuild probe ONE is up', 'dombuild probe TWO is up'];

async function twoProbes() {
  const dir = tempDir('probes');
  const [k1, k2] = writeProbes(dir, MARKERS) as [string, string];
  return armSystem(dir, [
    { name: 'domU1', kernel: k1, memoryKiB: 65536, cpus: 1, bootargs: 'one' },
    { name: 'domU2', kernel: k2, memoryKiB: 65536, cpus: 1, bootargs: 'two' },
  ]);
}

const expectations = [
  { domain: 'domU1', match: MARKERS[0] as string, domid: 1 },
  { domain: 'domU2', match: MARKERS[1] as string, domid: 2 },
];

for (const release of ['4.17', '4.20'] as CachedXenRelease[]) {
  boot(`Xen ${release} arm64, direct: both probe guests print their marker`, async (t) => {
    const sys = await twoProbes();
    t.teardown(sys.cleanup);
    const xen = locateAsset(CACHE, xenAssetId(release, 'arm64'));
    const r = await runQemu({
      command: qemuArgv({
        method: 'direct',
        machine: ARM_MACHINE,
        xen: xen.path,
        dtb: sys.dtb,
        modules: sys.modules,
      }),
      expectations,
      timeoutMs: 120_000,
    });
    t.log(
      `Xen ${xen.version}: ${r.domains.map((d) => `${d.domain} ${d.secondsToMet?.toFixed(2)} s`).join(', ')}`,
    );
    t.is(r.outcome, 'met', r.reason);
    t.true(r.ok);
    t.regex(r.console, new RegExp(`Xen version ${release.replace('.', '\\.')}\\.`));
    for (const [i, d] of r.domains.entries()) {
      t.true(d.met);
      t.true(d.matchedLine?.includes(MARKERS[i] as string));
      // 4.17 prefixes every guest line; 4.20 leaves the console-focus domain (domU1) unprefixed.
      if (release === '4.17') t.true(d.matchedLine?.startsWith(`(XEN) DOM${i + 1}: `));
    }
    // Stopped on the expectations, not by Xen or the timeout.
    t.is(r.exit, undefined);
  });

  boot(`Xen ${release} arm64, through U-Boot (DHCP + TFTP + script image): both probes up`, async (t) => {
    const sys = await twoProbes();
    t.teardown(sys.cleanup);
    const xen = locateAsset(CACHE, xenAssetId(release, 'arm64'));
    const tftpRoot = ubootTftpRoot(sys, xen.path);
    const r = await runQemu({
      command: qemuArgv({ method: 'uboot', machine: ARM_MACHINE, firmware: UBOOT_QEMU_ARM64, tftpRoot }),
      expectations,
      timeoutMs: 180_000,
    });
    t.log(`U-Boot + Xen ${xen.version}: ${r.durationSeconds.toFixed(2)} s`);
    t.is(r.outcome, 'met', r.reason);
    t.regex(r.console, /U-Boot 20\d\d/);
    t.regex(r.console, /## Executing script at/);
    t.true(r.domains.every((d) => d.met));
  });

  boot(
    `Xen ${release} arm64, U-Boot stopped at its prompt and told to fetch the script: both probes up`,
    async (t) => {
      const sys = await twoProbes();
      t.teardown(sys.cleanup);
      const xen = locateAsset(CACHE, xenAssetId(release, 'arm64'));
      const tftpRoot = ubootTftpRoot(sys, xen.path);
      const r = await runQemu({
        command: qemuArgv({ method: 'uboot', machine: ARM_MACHINE, firmware: UBOOT_QEMU_ARM64, tftpRoot }),
        input: ubootKeystrokes(),
        expectations,
        timeoutMs: 180_000,
      });
      t.log(`U-Boot (prompt) + Xen ${xen.version}: ${r.durationSeconds.toFixed(2)} s`);
      t.is(r.outcome, 'met', r.reason);
      // The typed command ran, not the default boot order (which would probe USB first).
      t.regex(r.console, /=> dhcp \$\{scriptaddr\} boot\.scr\.uimg; source \$\{scriptaddr\}/);
      t.notRegex(r.console, /starting USB/);
      t.true(r.domains.every((d) => d.met));
    },
  );
}

boot(
  'Xen 4.17 arm64: a guest asking for more memory than the board has panics Xen; the runner names it',
  async (t) => {
    const dir = tempDir('panic');
    t.teardown(() => sys.cleanup());
    const [k1, k2] = writeProbes(dir, MARKERS) as [string, string];
    const sys = await armSystem(dir, [
      { name: 'small', kernel: k1, memoryKiB: 65536, cpus: 1 },
      { name: 'huge', kernel: k2, memoryKiB: 4 * 1024 * 1024, cpus: 1 },
    ]);
    const r = await runQemu({
      command: qemuArgv({
        method: 'direct',
        machine: ARM_MACHINE,
        xen: locateAsset(CACHE, 'xen-4.17-arm64').path,
        dtb: sys.dtb,
        modules: sys.modules,
      }),
      expectations: [
        { domain: 'small', match: MARKERS[0] as string, domid: 1 },
        { domain: 'huge', match: MARKERS[1] as string, domid: 2 },
      ],
      timeoutMs: 120_000,
    });
    t.is(r.outcome, 'failed');
    t.false(r.ok);
    t.is(r.failure?.domain, 'huge');
    t.regex(r.failure?.reason ?? '', /^Xen panic: /);
    // Stopped at the panic, not after Xen's five-second reboot delay.
    t.is(r.exit, undefined);
  },
);
