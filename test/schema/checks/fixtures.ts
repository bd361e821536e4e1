// One failing and one passing fixture per hand-written check. The generated registry gates get
// theirs from gate-fixtures.ts. Tests assert on ids only.
import { baseConfig as cfg, type Input, type RunOptions, testBoard } from '../helpers.js';

export interface Fixture {
  bad: Input;
  good: Input;
  badOpts?: RunOptions;
  goodOpts?: RunOptions;
}

const two = (a: Input, b: Input, over: Input = {}): Input => ({
  ...cfg(over),
  domains: [
    { name: 'a', kernel: 'probe', memory: '64M', ...a },
    { name: 'b', kernel: 'probe', memory: '64M', ...b },
  ],
});

const dom0 = { kernel: 'vmlinuz' };
const bank = (base: string, size = '64M') => ({ staticMemory: [{ base, size }] });
const ALL_ON = [
  'DOM0LESS_BOOT',
  'STATIC_MEMORY',
  'STATIC_SHM',
  'STATIC_EVTCHN',
  'BOOT_TIME_CPUPOOLS',
  'SBSA_VUART_CONSOLE',
  'ARCH_PAGING_MEMPOOL',
]
  .map((o) => `CONFIG_${o}=y`)
  .join('\n');
const shm = (id: string, extra: Input = {}) => ({ id, size: '2M', guest: '0x60000000', ...extra });
const ev = (port: number, peer: string, peerPort: number) => ({ port, peer, peerPort });
const UART = '/pl011@9000000';
const GPIO = '/pl061@9030000';

export const fixtures: Record<string, Fixture> = {
  'unique-domain-names': { bad: two({}, { name: 'A' }), good: two({}, {}) },
  'arch-matches-board': {
    bad: cfg({ arch: 'arm32' }),
    good: cfg({ arch: 'arm64' }),
    badOpts: { board: testBoard() },
    goodOpts: { board: testBoard() },
  },
  'arch-settings': {
    bad: cfg({ arch: 'x86_64', dom0, boot: { method: 'uboot' } }, { boot: false }),
    good: cfg({ arch: 'x86_64', dom0, boot: { method: 'grub' } }, { boot: false }),
  },
  'dom0less-kconfig': {
    bad: cfg(),
    good: cfg(),
    badOpts: { kconfig: 'CONFIG_ARM=y' },
    goodOpts: { kconfig: 'CONFIG_DOM0LESS_BOOT=y' },
  },
  'x86-boot-domains': {
    bad: cfg({ arch: 'x86_64', dom0 }),
    good: cfg({ arch: 'x86_64', dom0 }, { boot: false }),
  },
  'single-hardware-domain': {
    bad: cfg({ dom0 }, { capabilities: ['hardware'] }),
    good: cfg({}, { capabilities: ['hardware'] }),
  },
  'single-xenstore-domain': {
    bad: two({ capabilities: ['xenstore'] }, { capabilities: ['xenstore'] }),
    good: two({ capabilities: ['xenstore'] }, {}),
  },
  'xenstore-provider': {
    bad: cfg({ xen: { release: '4.20', image: 'xen' } }, { xenstore: 'enabled' }),
    good: cfg({ xen: { release: '4.20', image: 'xen' }, dom0 }, { xenstore: 'enabled' }),
  },
  'xenstore-legacy-static-mem': {
    bad: cfg({ dom0, xen: { release: '4.20', image: 'x' } }, { xenstore: 'enabled', ...bank('0x60000000') }),
    good: cfg({ dom0 }, { xenstore: 'enabled', ...bank('0x60000000') }),
  },
  'runtime-needs-toolstack': { bad: cfg({}, { boot: false }), good: cfg({ dom0 }, { boot: false }) },
  'runtime-guest-files': {
    bad: two(
      { boot: false, disks: [{ image: 'a/root.img', vdev: 'xvda' }] },
      { boot: false, disks: [{ image: 'b/root.img', vdev: 'xvda' }] },
      { dom0 },
    ),
    good: two(
      { boot: false, disks: [{ image: 'a/root.img', vdev: 'xvda' }] },
      { boot: false, disks: [{ image: 'b/data.img', vdev: 'xvda' }] },
      { dom0 },
    ),
  },
  'hwdom-restrictions': {
    bad: cfg({}, { capabilities: ['hardware'], nrSpis: 64 }),
    good: cfg({}, { capabilities: ['hardware'] }),
  },
  'hwdom-iommu': {
    bad: cfg({}, { capabilities: ['hardware'] }),
    good: cfg({}, { capabilities: ['hardware'] }),
    badOpts: { board: testBoard({ iommu: false }) },
    goodOpts: { board: testBoard({ iommu: true }) },
  },
  'memory-size': { bad: cfg({}, { memory: 4097 }), good: cfg({}, { memory: '64M' }) },
  'direct-map-needs-static-mem': {
    bad: cfg({}, { directMap: true }),
    good: cfg({}, { directMap: true, ...bank('0x60000000') }),
  },
  'static-mem-aligned': { bad: cfg({}, bank('0x60000100')), good: cfg({}, bank('0x60000000')) },
  'static-mem-sum': { bad: cfg({}, bank('0x60000000', '32M')), good: cfg({}, bank('0x60000000')) },
  'static-mem-overlap': {
    bad: two(bank('0x60000000'), bank('0x62000000')),
    good: two(bank('0x60000000'), bank('0x64000000')),
  },
  'static-mem-llc-colors': {
    bad: cfg(
      { xen: { release: '4.20', image: 'x', cmdline: 'llc-coloring=on' } },
      { ...bank('0x60000000'), llcColors: '0-3' },
    ),
    good: cfg({ xen: { release: '4.20', image: 'x', cmdline: 'llc-coloring=on' } }, { llcColors: '0-3' }),
  },
  'p2m-pool-size': { bad: cfg({}, { p2mPool: '1500K' }), good: cfg({}, { p2mPool: '8M' }) },
  'board-ram': {
    bad: cfg({}, { memory: '4G' }),
    good: cfg({}, { memory: '64M' }),
    badOpts: { board: testBoard() },
    goodOpts: { board: testBoard() },
  },
  'shm-aligned': {
    bad: cfg({}, { sharedMemory: [shm('r', { size: 0x1001 })] }),
    good: cfg({}, { sharedMemory: [shm('r')] }),
  },
  'shm-consistent': {
    bad: two({ sharedMemory: [shm('r')] }, { sharedMemory: [shm('r', { size: '4M' })] }),
    good: two({ sharedMemory: [shm('r')] }, { sharedMemory: [shm('r')] }),
  },
  'shm-single-owner': {
    bad: two(
      { sharedMemory: [shm('r', { role: 'owner' })] },
      { sharedMemory: [shm('r', { role: 'owner' })] },
    ),
    good: two(
      { sharedMemory: [shm('r', { role: 'owner' })] },
      { sharedMemory: [shm('r', { role: 'borrower' })] },
    ),
  },
  'shm-direct-map': {
    bad: cfg(
      {},
      { ...bank('0x60000000'), directMap: true, sharedMemory: [shm('r', { host: '0x7fe00000' })] },
    ),
    good: cfg(
      {},
      {
        ...bank('0x60000000'),
        directMap: true,
        sharedMemory: [shm('r', { host: '0x7fe00000', guest: '0x7fe00000' })],
      },
    ),
  },
  'shm-host-release': {
    bad: cfg({ xen: { release: '4.18', image: 'x' } }, { sharedMemory: [shm('r')] }),
    good: cfg({ xen: { release: '4.18', image: 'x' } }, { sharedMemory: [shm('r', { host: '0x7fe00000' })] }),
  },
  'shm-count': {
    bad: two(
      { sharedMemory: Array.from({ length: 17 }, (_, i) => shm(`a${i}`)) },
      { sharedMemory: Array.from({ length: 16 }, (_, i) => shm(`b${i}`)) },
    ),
    good: two({ sharedMemory: [shm('a')] }, { sharedMemory: [shm('a')] }),
  },
  'evtchn-peer': {
    bad: cfg({}, { eventChannels: [ev(10, 'nobody', 20)] }),
    good: two({ eventChannels: [ev(10, 'b', 20)] }, { eventChannels: [ev(20, 'a', 10)] }),
  },
  'evtchn-reciprocal': {
    bad: two({ eventChannels: [ev(10, 'b', 20)] }, {}),
    good: two({ eventChannels: [ev(10, 'b', 20)] }, { eventChannels: [ev(20, 'a', 10)] }),
  },
  'params-unknown-dropped': {
    bad: cfg({}, { allowUnknownParams: true, params: ['frobnicate=1'] }),
    good: cfg({}, { allowUnknownParams: true, params: ['frobnicate=1'], boot: false }),
  },
  'evtchn-ports': {
    bad: two({ eventChannels: [ev(2000, 'b', 20)] }, { eventChannels: [ev(20, 'a', 2000)] }),
    good: two({ eventChannels: [ev(10, 'b', 20)] }, { eventChannels: [ev(20, 'a', 10)] }),
  },
  'evtchn-xenstore-port': {
    bad: cfg({ dom0 }, { xenstore: 'enabled', eventChannels: [ev(1, 'dom0', 5)] }),
    good: cfg({ dom0 }, { xenstore: 'enabled', eventChannels: [ev(5, 'dom0', 5)] }),
  },
  'evtchn-needs-pv': {
    bad: cfg({ dom0 }, { eventChannels: [ev(5, 'dom0', 5)] }),
    good: cfg({ dom0 }, { xenstore: 'no-xenstore', eventChannels: [ev(5, 'dom0', 5)] }),
  },
  'cpupool-cpus': {
    bad: cfg({
      cpupools: [
        { name: 'p', cpus: [1] },
        { name: 'q', cpus: '1-2' },
      ],
    }),
    good: cfg({
      cpupools: [
        { name: 'p', cpus: [1] },
        { name: 'q', cpus: '2-3' },
      ],
    }),
  },
  'cpupool-known': {
    bad: cfg({ cpupools: [{ name: 'p', cpus: [1] }] }, { cpupool: 'q' }),
    good: cfg({ cpupools: [{ name: 'p', cpus: [1] }] }, { cpupool: 'p' }),
  },
  'cpupools-kconfig': {
    bad: cfg({ cpupools: [{ name: 'p', cpus: [1] }] }),
    good: cfg({ cpupools: [{ name: 'p', cpus: [1] }] }),
    badOpts: { kconfig: 'CONFIG_DOM0LESS_BOOT=y' },
    goodOpts: { kconfig: ALL_ON },
  },
  'scheduler-kconfig': {
    bad: cfg({ cpupools: [{ name: 'p', cpus: [1], scheduler: 'null' }] }),
    good: cfg({ cpupools: [{ name: 'p', cpus: [1], scheduler: 'credit2' }] }),
    badOpts: { kconfig: `${ALL_ON}\nCONFIG_SCHED_CREDIT2=y` },
    goodOpts: { kconfig: `${ALL_ON}\nCONFIG_SCHED_CREDIT2=y` },
  },
  'vcpu-affinity': {
    bad: cfg({}, { vcpuAffinity: [{ vcpu: 3, cpus: '0' }] }),
    good: cfg({}, { vcpuAffinity: [{ vcpu: 0, cpus: '0' }] }),
  },
  'nr-spis-limit': { bad: cfg({}, { nrSpis: 1000 }), good: cfg({}, { nrSpis: 960 }) },
  'vpl011-nr-spis': {
    bad: cfg({}, { vpl011: true, nrSpis: 0 }),
    good: cfg({}, { vpl011: true, nrSpis: 32 }),
  },
  'direct-map-uart-irq': {
    bad: cfg({}, { ...bank('0x60000000'), directMap: true }),
    good: cfg({}, { ...bank('0x60000000'), directMap: true }),
    badOpts: { board: testBoard({ uart: undefined }) },
    goodOpts: { board: testBoard() },
  },
  'sve-length': { bad: cfg({}, { sve: 200 }), good: cfg({}, { sve: 256 }) },
  'llc-coloring-on': {
    bad: cfg({ xen: { release: '4.20', image: 'x' } }, { llcColors: '0-3' }),
    good: cfg({ xen: { release: '4.20', image: 'x', cmdline: 'llc-coloring=on' } }, { llcColors: '0-3' }),
  },
  'sci-scmi-smc': {
    bad: cfg({}, { sci: 'scmi-smc' }),
    good: cfg({ xen: { release: '4.21', image: 'x', cmdline: 'scmi-smc-passthrough' } }, { sci: 'scmi-smc' }),
  },
  'v8r-mpu': {
    bad: cfg({ xen: { release: '4.22', image: 'x' } }, { v8rEl1Msa: 'mpu' }),
    good: cfg(
      { xen: { release: '4.22', image: 'x' } },
      { v8rEl1Msa: 'mpu', ...bank('0x60000000'), directMap: true },
    ),
  },
  'grant-version-max': {
    bad: cfg({ arch: 'arm64' }, { grantVersion: 2 }),
    good: cfg(
      { arch: 'arm64', xen: { release: '4.21', image: 'x', cmdline: 'gnttab=max-ver:2' } },
      { grantVersion: 2 },
    ),
  },
  'vcpus-limit': {
    bad: cfg({}, { vcpus: 9 }),
    good: cfg({}, { vcpus: 8 }),
    badOpts: { board: testBoard({ gic: { version: 2 } }) },
    goodOpts: { board: testBoard({ gic: { version: 2 } }) },
  },
  'dtuart-alias': {
    bad: cfg({ xen: { release: '4.21', image: 'x', cmdline: 'console=dtuart dtuart=serial0' } }),
    good: cfg({ xen: { release: '4.21', image: 'x', cmdline: 'console=dtuart dtuart=serial0:115200' } }),
    badOpts: { board: testBoard({ aliases: [] }) },
    goodOpts: { board: testBoard({ aliases: ['serial0'] }) },
  },
  'passthrough-iommu': {
    bad: cfg({}, { iommu: false, passthrough: { dtb: 'p.dtb' } }),
    good: cfg({}, { iommu: true, passthrough: { dtb: 'p.dtb' } }),
  },
  'passthrough-irqs': {
    bad: cfg({}, { boot: false, passthrough: { irqs: [40, 500] } }),
    good: cfg({ dom0 }, { boot: false, passthrough: { irqs: [40] } }),
    badOpts: { board: testBoard({ gic: { version: 3, maxSpis: 256 } }) },
    goodOpts: { board: testBoard({ gic: { version: 3, maxSpis: 256 } }) },
  },
  'passthrough-no-iommu': {
    bad: cfg({}, { passthrough: { devices: ['/pl061@9030000'] } }),
    good: cfg({}, { passthrough: { devices: ['/pl061@9030000'] } }),
    badOpts: { board: testBoard() },
    goodOpts: { board: testBoard({ iommu: true }) },
  },
  'passthrough-board': {
    bad: cfg({}, { passthrough: { devices: [UART], iomem: [{ host: '0x9030800', size: '4K' }] } }),
    good: cfg({}, { passthrough: { devices: [GPIO], iomem: [{ host: '0x9010000', size: '4K' }] } }),
    badOpts: { board: testBoard({ iommu: true }) },
    goodOpts: { board: testBoard({ iommu: true }) },
  },
  'passthrough-boot-irqs': {
    bad: cfg({}, { passthrough: { devices: ['/pl061@9030000'], irqs: [39] } }),
    good: cfg({}, { passthrough: { devices: ['/pl061@9030000'] } }),
  },
  'system-llc-colors': {
    bad: cfg({ xen: { release: '4.19', image: 'x', llcColors: '0-3', cmdline: 'llc-coloring=on' } }),
    good: cfg({ xen: { release: '4.20', image: 'x', llcColors: '0-3', cmdline: 'llc-coloring=on' } }),
  },
  'cmdline-length': {
    bad: cfg({}, { cmdline: 'x'.repeat(1100) }),
    good: cfg({}, { cmdline: 'console=ttyAMA0' }),
  },
  'uboot-safe-string': {
    bad: cfg({}, { cmdline: "root='/dev/ram0'" }),
    good: cfg({}, { cmdline: 'root=/dev/ram0 "quoted" $ok' }),
  },
  'uboot-load-command': {
    bad: cfg({ boot: { load: 'tftpb; reset' } }),
    good: cfg({ boot: { load: 'load mmc 0:1' } }),
  },
  'efi-uboot-only': {
    bad: cfg({ boot: { method: 'efi', fit: true } }, { kernel: { path: 'Image', load: 'load mmc 0:2' } }),
    good: cfg({ boot: { method: 'efi' } }, { kernel: 'Image' }),
  },
  'efi-xen-cmdline': {
    bad: cfg({
      xen: { release: '4.21', image: 'xen', cmdline: 'console=dtuart\tbootscrub=0' },
      boot: { method: 'efi' },
    }),
    good: cfg({
      xen: { release: '4.21', image: 'xen', cmdline: 'console=dtuart bootscrub=0' },
      boot: { method: 'efi' },
    }),
  },
  'module-count': {
    bad: {
      ...cfg(),
      domains: Array.from({ length: 16 }, (_, i) => ({
        name: `d${i}`,
        kernel: 'k',
        ramdisk: 'r',
        memory: '16M',
      })),
    },
    good: cfg(),
  },
  'xen-image-missing': { bad: cfg({ xen: { release: '4.21' } }), good: cfg() },
};
