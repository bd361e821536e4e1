// The whole chain on a real kernel: a config naming Debian's arm64 Linux and dombuild's initramfs
// goes through `dombuild run` (validate, plan, build the dom0less tree and U-Boot script, boot on
// real Xen), and what the guest reports equals what the config declared.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import type { CliIO } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';
import { linuxGuestInitramfs, readObservation, regPairs } from '../../images/linux-guest.js';
import { locateAsset } from '../../qemu/assets.js';
import { bootGate, CACHE, tempDir } from './helpers/system.js';

const gate = bootGate(['qemu-system-aarch64']);
const boot = gate.available ? test.serial : test.serial.skip;

const CMDLINE = 'console=ttyAMA0 earlycon=pl011,0x22000000 rdinit=/init quiet';

for (const [release, method] of [
  ['4.17', 'uboot'],
  ['4.20', 'direct'],
] as const) {
  boot(
    `dombuild run (Xen ${release}, ${method}): a Linux guest sees the vCPUs, memory and command line the config declares`,
    async (t) => {
      const dir = tempDir('run-linux');
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(
        join(dir, 'initrd.gz'),
        linuxGuestInitramfs({
          busybox: readFileSync(locateAsset(CACHE, 'busybox-arm64').path),
          tag: 'linux1',
        }),
      );
      const cfg = join(dir, 'linux.yaml');
      writeFileSync(
        cfg,
        `xen:
  release: "${release}"
  cmdline: "console=dtuart dtuart=/pl011@9000000 bootscrub=0"
board: qemu-virt-arm64
domains:
  - name: linux1
    kernel: ${JSON.stringify(locateAsset(CACHE, 'linux-arm64').path)}
    ramdisk: initrd.gz
    memory: 192M
    vcpus: 2
    vpl011: true
    cmdline: ${JSON.stringify(CMDLINE)}
  - name: probe1
    kernel: probe
    memory: 64M
    vcpus: 1
    vpl011: true
`,
      );
      const log = join(dir, 'console.log');
      let out = '';
      let err = '';
      const io: CliIO = {
        stdout: (s) => {
          out += s;
        },
        stderr: (s) => {
          err += s;
        },
        readStdin: async () => new Uint8Array(),
        cwd: dir,
        env: process.env,
        isTTY: false,
      };
      const code = await runCli(
        [
          'run',
          cfg,
          '--method',
          method,
          '--expect',
          'linux1=/DOMBUILD-OBSERVE linux1 (\\d+)\\/\\1 /',
          '--log',
          log,
          '--timeout',
          '280',
          '--quiet',
        ],
        io,
      );
      t.log(out.trim());
      t.is(code, 0, err.slice(-3000));
      const obs = readObservation(readFileSync(log, 'utf8').split('\n'), 'linux1');
      if (!obs) return t.fail('no complete report');
      t.is(obs.vcpus, 2);
      t.is(obs.cmdline, CMDLINE);
      const declared = 192n * 1024n * 1024n;
      t.is(
        obs.memoryNodes.flatMap((n) => regPairs(n.reg)).reduce((s, [, size]) => s + size, 0n),
        declared,
      );
      t.true(obs.memTotalKiB <= 192 * 1024 && obs.memTotalKiB > 192 * 1024 * 0.7);
      t.false(obs.hypervisorNode);
    },
  );
}
