// The zcu102 preset on QEMU's ZCU102 model with the board's upstream tree (Debian's
// zynqmp-zcu102-rev1.0.dtb): `dombuild run --method direct` boots both probe guests on Xen 4.17
// and 4.20. The model's limits (2 GiB, one CPU: docs/zcu102-qemu.md) come from the preset; run
// says when it adds maxcpus=1. One boot per release.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { inCI } from '../support/tools.js';
import { dombuild, removeKept } from './helpers/cli.js';
import { bootGate, CACHE } from './helpers/system.js';

const gate = bootGate(['qemu-system-aarch64']);
const kernels = join(CACHE, 'debs', 'linux-image-arm64-bookworm', 'usr', 'lib');
const dtb = (existsSync(kernels) ? readdirSync(kernels) : [])
  .map((k) => join(kernels, k, 'xilinx', 'zynqmp-zcu102-rev1.0.dtb'))
  .find((f) => existsSync(f));
if (!dtb && inCI)
  throw new Error(`CI=true and no zynqmp-zcu102-rev1.0.dtb under ${kernels} (scripts/setup-system.sh)`);
const boot = gate.available && dtb ? test.serial : test.serial.skip;

const dir = mkdtempSync(join(tmpdir(), 'dombuild-zcu102-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, 'zcu102.yaml');
writeFileSync(
  config,
  `xen: { release: "4.17", cmdline: "console=dtuart dtuart=serial0 bootscrub=0" }
board: { name: zcu102, dtb: ${JSON.stringify(dtb ?? '')} }
boot: { method: direct }
domains:
  - { name: guest1, kernel: { probe: "hello from guest1" }, memory: 64M, vpl011: true }
  - { name: guest2, kernel: { probe: "hello from guest2" }, memory: 64M, vpl011: true }
`,
);

for (const release of ['4.17', '4.20']) {
  boot(`run on QEMU's xlnx-zcu102 with the board's own DTB (Xen ${release}): both guests up`, async (t) => {
    const r = await dombuild(['run', config, '--xen-release', release, '--timeout', '120', '--quiet']);
    removeKept(r);
    t.log(r.out.trim());
    t.regex(r.err, /-machine xlnx-zcu102,virtualization=on -m 2G/);
    t.regex(r.err, /adding "maxcpus=1"/);
    t.is(r.code, 0, r.out + r.err);
    t.regex(r.out, /all 2 domains up in/);
  });
}
