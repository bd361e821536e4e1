// Observed equals declared: Linux guests (Debian's arm64 kernel + dombuild's initramfs) booted by
// `dombuild run` on Debian's Xen report what they see, and each report must equal the config:
// vCPUs, the memory Xen gave them (/memory banks sum to exactly the declared size), the command
// line byte for byte, the xenstore mode (Xen puts a /hypervisor node in the guest's tree for
// enabled and no-xenstore, none for none: xen-dt-bindings.md §1.1, §3.3) and reserved memory
// (none declared, none seen). Controls Debian's builds cannot run are listed below with the reason,
// and validate must refuse each one given that build's own .config.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import {
  linuxGuestInitramfs,
  type Observation,
  observationPattern,
  readObservation,
  regPairs,
} from '../../images/linux-guest.js';
import { locateAsset, xenAssetId } from '../../qemu/assets.js';
import { dombuild, removeKept, reportIds } from './helpers/cli.js';
import { bootGate, CACHE, tempDir } from './helpers/system.js';

const gate = bootGate(['qemu-system-aarch64']);
const boot = gate.available ? test.serial : test.serial.skip;

const dir = tempDir('observe');
test.after.always(() => process.env.KEEP_E2E || rmSync(dir, { recursive: true, force: true }));

const XEN_CMDLINE = 'console=dtuart dtuart=/pl011@9000000 bootscrub=0';
const guestCmdline = (tag: string) =>
  `console=ttyAMA0 earlycon=pl011,0x22000000 rdinit=/init quiet dombuild.tag=${tag}`;

interface Guest {
  name: string;
  vcpus: number;
  memoryMiB: number;
  xenstore: 'none' | 'no-xenstore' | 'enabled';
}

function initrd(tag: string): string {
  const file = join(dir, `${tag}.cpio.gz`);
  writeFileSync(
    file,
    linuxGuestInitramfs({ busybox: readFileSync(locateAsset(CACHE, 'busybox-arm64').path), tag }),
  );
  return file;
}

/** A config of Linux guests (and optionally a Linux dom0) on Debian's Xen `release`. */
function system(name: string, release: string, guests: Guest[], dom0?: { memoryMiB: number }): string {
  const kernel = JSON.stringify(locateAsset(CACHE, 'linux-arm64').path);
  const lines = [`xen:`, `  release: "${release}"`, `  cmdline: "${XEN_CMDLINE}"`, 'board: qemu-virt-arm64'];
  if (dom0) {
    lines.push(
      'dom0:',
      `  kernel: ${kernel}`,
      `  ramdisk: ${JSON.stringify(initrd('dom0'))}`,
      '  cmdline: "console=hvc0 earlycon=xen rdinit=/init"',
      `  memory: ${dom0.memoryMiB}M`,
      '  vcpus: 1',
    );
  }
  // Xen 4.20 prints the console-focus domain (the first domU) unbuffered and unprefixed, so its
  // output can land inside another guest's line: a probe takes the focus, the Linux guests are
  // prefixed and line-buffered.
  lines.push(
    'domains:',
    '  - name: focus',
    '    kernel: probe',
    '    memory: 64M',
    '    vcpus: 1',
    '    vpl011: true',
  );
  for (const g of guests) {
    lines.push(
      `  - name: ${g.name}`,
      `    kernel: ${kernel}`,
      `    ramdisk: ${JSON.stringify(initrd(g.name))}`,
      `    cmdline: "${guestCmdline(g.name)}"`,
      `    memory: ${g.memoryMiB}M`,
      `    vcpus: ${g.vcpus}`,
      '    vpl011: true',
      `    xenstore: ${g.xenstore}`,
    );
  }
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function bootAndObserve(
  file: string,
  tags: string[],
): Promise<{ code: number; why: string; obs: Map<string, Observation | undefined> }> {
  const log = `${file}.log`;
  const argv = ['run', file, '--method', 'direct', '--quiet', '--timeout', '280', '--log', log];
  for (const tag of tags) argv.push('--expect', `${tag}=/${observationPattern(tag).source}/`);
  const r = await dombuild(argv);
  removeKept(r);
  const lines = readFileSync(log, 'utf8').split('\n');
  return {
    code: r.code,
    why: `${r.out}\n${r.err.slice(-1500)}`,
    obs: new Map(tags.map((t) => [t, readObservation(lines, t)])),
  };
}

function matchesDeclared(
  t: import('ava').ExecutionContext,
  obs: Observation | undefined,
  g: Guest,
  release: string,
): void {
  if (!obs) return void t.fail(`${g.name}: no complete report`);
  t.is(obs.vcpus, g.vcpus, `${g.name} vCPUs`);
  t.is(obs.online, g.vcpus === 1 ? '0' : `0-${g.vcpus - 1}`, `${g.name} online CPUs`);
  t.is(obs.cmdline, guestCmdline(g.name), `${g.name} cmdline`);
  const declared = BigInt(g.memoryMiB) << 20n;
  const banks = obs.memoryNodes.flatMap((n) => regPairs(n.reg));
  t.is(
    banks.reduce((s, [, size]) => s + size, 0n),
    declared,
    `${g.name} /memory banks`,
  );
  t.true(obs.memTotalKiB <= g.memoryMiB * 1024, `${g.name} MemTotal ${obs.memTotalKiB}`);
  const pv = g.xenstore !== 'none';
  t.is(obs.hypervisorNode, pv, `${g.name} /hypervisor node`);
  if (pv) t.regex(obs.hypervisorCompatible ?? '', new RegExp(`xen,xen-${release.replace('.', '\\.')}`));
  t.deepEqual(obs.reservedMemory, [], `${g.name} reserved-memory`);
}

boot(
  'Xen 4.20: xenstore none and no-xenstore guests see exactly their vCPUs, memory, cmdline and PV node',
  async (t) => {
    const guests: Guest[] = [
      { name: 'obsnone', vcpus: 2, memoryMiB: 192, xenstore: 'none' },
      { name: 'obsnoxs', vcpus: 1, memoryMiB: 160, xenstore: 'no-xenstore' },
    ];
    const r = await bootAndObserve(
      system('none-noxs', '4.20', guests),
      guests.map((g) => g.name),
    );
    t.is(r.code, 0, r.why);
    for (const g of guests) matchesDeclared(t, r.obs.get(g.name), g, '4.20');
  },
);

boot(
  'Xen 4.17: with a Linux dom0 as xenstore domain, an enabled guest gets the PV node; dom0 its memory',
  async (t) => {
    const guests: Guest[] = [{ name: 'obsxs', vcpus: 2, memoryMiB: 176, xenstore: 'enabled' }];
    const r = await bootAndObserve(system('enabled', '4.17', guests, { memoryMiB: 384 }), ['dom0', 'obsxs']);
    t.is(r.code, 0, r.why);
    for (const g of guests) matchesDeclared(t, r.obs.get(g.name), g, '4.17');
    const dom0 = r.obs.get('dom0');
    if (!dom0) return t.fail('dom0: no complete report');
    t.is(dom0.vcpus, 1);
    t.is(dom0.cmdline, 'console=hvc0 earlycon=xen rdinit=/init');
    t.true(dom0.hypervisorNode);
    t.is(
      dom0.memoryNodes.flatMap((n) => regPairs(n.reg)).reduce((s, [, size]) => s + size, 0n),
      384n << 20n,
    );
  },
);

/**
 * What Debian's Xen builds cannot show a guest, and why. For each, validate given that build's
 * .config must refuse a config using it with exactly these ids.
 */
const NOT_ON_DEBIAN: { control: string; yaml: string[]; top?: string[]; ids: string[]; reason: string }[] = [
  {
    control: 'static memory placement (/proc/iomem of a direct-mapped guest)',
    yaml: ['    staticMemory: [{ base: "0x60000000", size: 128M }]', '    directMap: true'],
    ids: ['direct-map-kconfig', 'static-memory-kconfig'],
    reason: 'CONFIG_STATIC_MEMORY is off (UNSUPPORTED upstream)',
  },
  {
    control: 'shared-memory regions and their reserved-memory nodes',
    yaml: ['    sharedMemory: [{ id: r0, size: 2M, host: "0x7fe00000", guest: "0x7fe00000", role: owner }]'],
    ids: ['shared-memory-kconfig'],
    reason: 'CONFIG_STATIC_SHM (and STATIC_MEMORY) are off',
  },
  {
    control: 'boot-time cpupools',
    top: ['cpupools:', '  - { name: p1, cpus: [1] }'],
    yaml: ['    cpupool: p1'],
    ids: ['cpupool-kconfig', 'cpupools-kconfig'],
    reason: 'CONFIG_BOOT_TIME_CPUPOOLS is off: Xen would silently put the guest in Pool-0',
  },
  {
    control: 'llc-colors',
    yaml: ['    llcColors: "0-3"'],
    ids: ['llc-colors-kconfig', 'llc-coloring-on'],
    reason: 'CONFIG_LLC_COLORING is off in the 4.20 build (4.17 has no colouring at all)',
  },
  {
    control: 'sve',
    yaml: ['    sve: 128'],
    ids: ['sve-kconfig'],
    reason: 'CONFIG_ARM64_SVE is off (and QEMU runs a cortex-a57 here)',
  },
];

for (const c of NOT_ON_DEBIAN) {
  boot(
    `not on Debian's Xen 4.20: ${c.control} (${c.reason}); validate with its .config says ${c.ids.join(', ')}`,
    async (t) => {
      const kconfig = locateAsset(CACHE, xenAssetId('4.20', 'arm64')).configPath;
      if (!kconfig) return t.fail("no .config beside Debian's Xen 4.20");
      const file = join(dir, `not-on-debian-${c.ids[0]}.yaml`);
      writeFileSync(
        file,
        [
          'xen:',
          '  release: "4.20"',
          `  cmdline: "${XEN_CMDLINE}"`,
          `  kconfig: ${JSON.stringify(kconfig)}`,
          'board: qemu-virt-arm64',
          ...(c.top ?? []),
          'domains:',
          '  - name: a',
          '    kernel: probe',
          '    memory: 128M',
          '    vcpus: 1',
          '    vpl011: true',
          ...c.yaml,
          '',
        ].join('\n'),
      );
      const r = await dombuild(['validate', file, '--json']);
      t.is(r.code, 1);
      t.deepEqual([...new Set(reportIds(r))].sort(), [...c.ids].sort());
    },
  );
}

test('xenstore legacy is 4.21+ (no such Debian build is cached): validate on 4.20 refuses it', async (t) => {
  const file = join(dir, 'legacy.yaml');
  writeFileSync(
    file,
    `xen:\n  release: "4.20"\n  cmdline: "${XEN_CMDLINE}"\nboard: qemu-virt-arm64\ndomains:\n  - name: a\n    kernel: probe\n    memory: 128M\n    vcpus: 1\n    vpl011: true\n    xenstore: legacy\n`,
  );
  const r = await dombuild(['validate', file, '--json']);
  t.is(r.code, 1);
  t.true(reportIds(r).includes('xenstore-release'));
});
