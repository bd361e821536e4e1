// Passthrough to boot-time domains on real Xen (Debian's 4.17 and 4.20) under QEMU virt, which has
// no SMMU: one guest owns the PL061 GPIO by its host path (passthrough.devices: xen,path, its IRQ
// routed, xen,force-assign-without-iommu), another the PL031 RTC by an MMIO range alone
// (passthrough.iomem). Each guest is the probe image reading the PrimeCell ID registers
// (0xfe0..0xffc) through its own stage-2 mapping and printing them; the values must be the IDs
// QEMU's models carry (hw/gpio/pl061.c pl061_id, hw/rtc/pl031.c pl031_id). Without the force flag
// Xen prints "Failed to assign device to d1" for the PL061: 4.20 then panics ("Could not set up
// domain gpio (rc = -22)"), 4.17 carries on (both seen on Debian's builds); a guest whose mapping
// is missing takes a data abort instead of printing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { PASSTHROUGH_WINDOW } from '../../builder/passthrough/partial.js';
import { MMIO_PREFIX, probeGuestImage, XEN_VPL011_BASE } from '../../images/probe.js';
import { dombuild, removeKept } from './helpers/cli.js';
import { bootGate } from './helpers/system.js';

const gate = bootGate(['qemu-system-aarch64']);
const boot = gate.available ? test.serial : test.serial.skip;

const made: string[] = [];
test.after.always(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

const PL061_IDS = '61 10 04 00 0d f0 05 b1';
const PL031_IDS = '31 10 14 00 0d f0 05 b1';
/** The GPIO is the first (only) device of its domain: it lands at the start of the window. */
const GPIO_GUEST = PASSTHROUGH_WINDOW.start;
/** The RTC by MMIO range, mapped at a guest address of our choosing. */
const RTC_HOST = 0x0901_0000n;
const RTC_GUEST = 0x0500_0000n;

function system(release: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dombuild-pt-e2e-'));
  made.push(dir);
  const probe = (name: string, base: bigint) =>
    writeFileSync(
      join(dir, name),
      probeGuestImage({
        marker: `${name} up`,
        uartBase: XEN_VPL011_BASE,
        mmio: { base: base + 0xfe0n, count: 8 },
      }),
    );
  probe('gpio.img', GPIO_GUEST);
  probe('rtc.img', RTC_GUEST);
  const file = join(dir, 'passthrough.yaml');
  writeFileSync(
    file,
    `xen:
  release: "${release}"
  cmdline: "console=dtuart dtuart=/pl011@9000000 bootscrub=0"
board: qemu-virt-arm64
domains:
  - name: gpio
    kernel: gpio.img
    memory: 64M
    vcpus: 1
    vpl011: true
    passthrough:
      devices: ["/pl061@9030000"]
  - name: rtc
    kernel: rtc.img
    memory: 64M
    vcpus: 1
    vpl011: true
    passthrough:
      iomem: [{ host: "0x${RTC_HOST.toString(16)}", size: 4K, guest: "0x${RTC_GUEST.toString(16)}" }]
`,
  );
  return file;
}

const line = (base: bigint, ids: string) => `${MMIO_PREFIX} 0x${(base + 0xfe0n).toString(16)}: ${ids}`;

for (const release of ['4.17', '4.20']) {
  boot(
    `Xen ${release}: dom0less guests read the PrimeCell IDs of the PL061 (device) and PL031 (iomem)`,
    async (t) => {
      const cfg = system(release);
      const log = join(cfg, '..', 'console.log');
      const r = await dombuild([
        'run',
        cfg,
        '--method',
        'direct',
        '--timeout',
        '120',
        '--log',
        log,
        '--expect',
        `gpio=/${MMIO_PREFIX} 0x[0-9a-f]+:( [0-9a-f]{2}){8}/`,
        '--expect',
        `rtc=/${MMIO_PREFIX} 0x[0-9a-f]+:( [0-9a-f]{2}){8}/`,
      ]);
      removeKept(r);
      t.log(r.out.trim());
      t.is(r.code, 0, `${r.out.slice(-1500)}\n${r.err.slice(-3000)}`);
      // Each guest's line, attributed to it by the runner, carries exactly the device's IDs.
      t.regex(r.err, new RegExp(`^\\[gpio\\] ${line(GPIO_GUEST, PL061_IDS)}$`, 'm'));
      t.regex(r.err, new RegExp(`^\\[rtc\\] ${line(RTC_GUEST, PL031_IDS)}$`, 'm'));
      // Without the force flag Xen says this for the PL061 (4.17 then carries on, 4.20 panics).
      t.notRegex(readFileSync(log, 'utf8'), /Failed to assign device/);
    },
  );
}
