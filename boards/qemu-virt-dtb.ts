// Our own copy of the device tree QEMU's `virt` machine generates for
// `-machine virt,gic-version=G,virtualization=true -cpu cortex-a57 -m RAM -smp N`, so that a fresh
// machine without QEMU can still build for the built-in board. It is written from QEMU 7.2's
// `dumpdtb` output (Debian 12), node for node and in the same order and phandle numbering; the
// gated test test/boards/qemu-virt-dtb.test.ts compares it with a live dump (dtc-decompiled) for
// every flag combination we support. Two properties are left out on purpose: /chosen rng-seed and
// kaslr-seed are random on every QEMU start, and a build must be byte-identical across runs.
import { Node, Tree, value } from '../devicetree/tree.js';

export interface QemuVirtParams {
  gic: 2 | 3;
  /** RAM in bytes (starts at 0x40000000). */
  ram: bigint;
  cpus: number;
}

/** The QEMU release whose virt DTB `buildQemuVirtDtb` reproduces. */
export const QEMU_VIRT_DTB_VERSION = '7.2';

export const QEMU_VIRT_RAM_BASE = 0x4000_0000n;
const PHANDLE_BASE = 0x8000;
const IRQ_TYPE_LEVEL_HIGH = 4;
const IRQ_TYPE_EDGE_RISING = 1;
const GIC_SPI = 0;
const GIC_PPI = 1;
const VIRTIO_MMIO_COUNT = 32;

/** MPIDR affinity QEMU gives cpu `i`: clusters of 8 CPUs under GICv2, 16 under GICv3. */
export function qemuVirtMpidr(i: number, gic: 2 | 3): bigint {
  const clusterSize = gic === 3 ? 16 : 8;
  return (BigInt(Math.floor(i / clusterSize)) << 8n) | BigInt(i % clusterSize);
}

export function buildQemuVirtDtb(p: QemuVirtParams): Tree {
  const n = p.cpus;
  const ph = {
    clock: PHANDLE_BASE,
    cpu: (i: number) => PHANDLE_BASE + n - i,
    gic: PHANDLE_BASE + n + 1,
    msi: PHANDLE_BASE + n + 2,
    gpio: PHANDLE_BASE + n + 3,
  };
  // GICv2 PPIs carry a CPU target mask in bits 8..15; GICv3 has none.
  const ppiFlags = (p.gic === 2 ? ((1 << n) - 1) << 8 : 0) | IRQ_TYPE_LEVEL_HIGH;

  const t = new Tree();
  const root = t.root;
  set(root, 'interrupt-parent', value.u32(ph.gic));
  set(root, 'model', value.string('linux,dummy-virt'));
  set(root, '#size-cells', value.u32(2));
  set(root, '#address-cells', value.u32(2));
  set(root, 'compatible', value.string('linux,dummy-virt'));

  const psci = child(root, 'psci');
  set(psci, 'migrate', value.u32(0xc4000005));
  set(psci, 'cpu_on', value.u32(0xc4000003));
  set(psci, 'cpu_off', value.u32(0x84000002));
  set(psci, 'cpu_suspend', value.u32(0xc4000001));
  set(psci, 'method', value.string('smc'));
  set(psci, 'compatible', value.strings('arm,psci-1.0', 'arm,psci-0.2', 'arm,psci'));

  const mem = child(root, `memory@${hex(QEMU_VIRT_RAM_BASE)}`);
  set(mem, 'reg', value.u64(QEMU_VIRT_RAM_BASE, p.ram));
  set(mem, 'device_type', value.string('memory'));

  const pbus = child(root, 'platform-bus@c000000');
  set(pbus, 'interrupt-parent', value.u32(ph.gic));
  set(pbus, 'ranges', value.u32(0, 0, 0xc000000, 0x2000000));
  set(pbus, '#address-cells', value.u32(1));
  set(pbus, '#size-cells', value.u32(1));
  set(pbus, 'compatible', value.strings('qemu,platform', 'simple-bus'));

  const fwcfg = child(root, 'fw-cfg@9020000');
  set(fwcfg, 'dma-coherent', value.empty());
  set(fwcfg, 'reg', value.u64(0x9020000n, 0x18n));
  set(fwcfg, 'compatible', value.string('qemu,fw-cfg-mmio'));

  for (let i = 0; i < VIRTIO_MMIO_COUNT; i++) {
    const base = 0xa000000n + BigInt(i) * 0x200n;
    const v = child(root, `virtio_mmio@${hex(base)}`);
    set(v, 'dma-coherent', value.empty());
    set(v, 'interrupts', value.u32(GIC_SPI, 0x10 + i, IRQ_TYPE_EDGE_RISING));
    set(v, 'reg', value.u64(base, 0x200n));
    set(v, 'compatible', value.string('virtio,mmio'));
  }

  const keys = child(root, 'gpio-keys');
  set(keys, 'compatible', value.string('gpio-keys'));
  const poweroff = child(keys, 'poweroff');
  set(poweroff, 'gpios', value.u32(ph.gpio, 3, 0));
  set(poweroff, 'linux,code', value.u32(0x74));
  set(poweroff, 'label', value.string('GPIO Key Poweroff'));

  const gpio = child(root, 'pl061@9030000');
  set(gpio, 'phandle', value.u32(ph.gpio));
  set(gpio, 'clock-names', value.string('apb_pclk'));
  set(gpio, 'clocks', value.u32(ph.clock));
  set(gpio, 'interrupts', value.u32(GIC_SPI, 7, IRQ_TYPE_LEVEL_HIGH));
  set(gpio, 'gpio-controller', value.empty());
  set(gpio, '#gpio-cells', value.u32(2));
  set(gpio, 'compatible', value.strings('arm,pl061', 'arm,primecell'));
  set(gpio, 'reg', value.u64(0x9030000n, 0x1000n));

  const pcie = child(root, 'pcie@10000000');
  set(pcie, 'interrupt-map-mask', value.u32(0x1800, 0, 0, 7));
  const imap: number[] = [];
  for (let slot = 0; slot < 4; slot++) {
    for (let pin = 1; pin <= 4; pin++) {
      const irq = 3 + ((slot + pin - 1) % 4);
      imap.push(slot * 0x800, 0, 0, pin, ph.gic, 0, 0, GIC_SPI, irq, IRQ_TYPE_LEVEL_HIGH);
    }
  }
  set(pcie, 'interrupt-map', value.u32(...imap));
  set(pcie, '#interrupt-cells', value.u32(1));
  set(
    pcie,
    'ranges',
    value.u32(
      ...[0x1000000, 0, 0, 0, 0x3eff0000, 0, 0x10000],
      ...[0x2000000, 0, 0x10000000, 0, 0x10000000, 0, 0x2eff0000],
      ...[0x3000000, 0x80, 0, 0x80, 0, 0x80, 0],
    ),
  );
  set(pcie, 'reg', value.u32(0x40, 0x10000000, 0, 0x10000000));
  set(pcie, 'msi-map', value.u32(0, ph.msi, 0, 0x10000));
  set(pcie, 'dma-coherent', value.empty());
  set(pcie, 'bus-range', value.u32(0, 0xff));
  set(pcie, 'linux,pci-domain', value.u32(0));
  set(pcie, '#size-cells', value.u32(2));
  set(pcie, '#address-cells', value.u32(3));
  set(pcie, 'device_type', value.string('pci'));
  set(pcie, 'compatible', value.string('pci-host-ecam-generic'));

  const rtc = child(root, 'pl031@9010000');
  set(rtc, 'clock-names', value.string('apb_pclk'));
  set(rtc, 'clocks', value.u32(ph.clock));
  set(rtc, 'interrupts', value.u32(GIC_SPI, 2, IRQ_TYPE_LEVEL_HIGH));
  set(rtc, 'reg', value.u64(0x9010000n, 0x1000n));
  set(rtc, 'compatible', value.strings('arm,pl031', 'arm,primecell'));

  const uart = child(root, 'pl011@9000000');
  set(uart, 'clock-names', value.strings('uartclk', 'apb_pclk'));
  set(uart, 'clocks', value.u32(ph.clock, ph.clock));
  set(uart, 'interrupts', value.u32(GIC_SPI, 1, IRQ_TYPE_LEVEL_HIGH));
  set(uart, 'reg', value.u64(0x9000000n, 0x1000n));
  set(uart, 'compatible', value.strings('arm,pl011', 'arm,primecell'));

  const pmu = child(root, 'pmu');
  set(pmu, 'interrupts', value.u32(GIC_PPI, 7, ppiFlags));
  set(pmu, 'compatible', value.string('arm,armv8-pmuv3'));

  const intc = child(root, 'intc@8000000');
  set(intc, 'phandle', value.u32(ph.gic));
  // The maintenance interrupt is there because virtualization=true gives the GIC its
  // hypervisor interface; Xen needs that, so it is the only mode we model.
  set(intc, 'interrupts', value.u32(GIC_PPI, 9, IRQ_TYPE_LEVEL_HIGH));
  if (p.gic === 3) {
    set(intc, 'reg', value.u64(0x8000000n, 0x10000n, 0x80a0000n, 0xf60000n));
    set(intc, '#redistributor-regions', value.u32(1));
    set(intc, 'compatible', value.string('arm,gic-v3'));
  } else {
    set(
      intc,
      'reg',
      value.u64(0x8000000n, 0x10000n, 0x8010000n, 0x10000n, 0x8030000n, 0x10000n, 0x8040000n, 0x10000n),
    );
    set(intc, 'compatible', value.string('arm,cortex-a15-gic'));
  }
  set(intc, 'ranges', value.empty());
  set(intc, '#size-cells', value.u32(2));
  set(intc, '#address-cells', value.u32(2));
  set(intc, 'interrupt-controller', value.empty());
  set(intc, '#interrupt-cells', value.u32(3));
  if (p.gic === 3) {
    const its = child(intc, 'its@8080000');
    set(its, 'phandle', value.u32(ph.msi));
    set(its, 'reg', value.u64(0x8080000n, 0x20000n));
    set(its, '#msi-cells', value.u32(1));
    set(its, 'msi-controller', value.empty());
    set(its, 'compatible', value.string('arm,gic-v3-its'));
  } else {
    const v2m = child(intc, 'v2m@8020000');
    set(v2m, 'phandle', value.u32(ph.msi));
    set(v2m, 'reg', value.u64(0x8020000n, 0x1000n));
    set(v2m, 'msi-controller', value.empty());
    set(v2m, 'compatible', value.string('arm,gic-v2m-frame'));
  }

  const flash = child(root, 'flash@0');
  set(flash, 'bank-width', value.u32(4));
  set(flash, 'reg', value.u64(0n, 0x4000000n, 0x4000000n, 0x4000000n));
  set(flash, 'compatible', value.string('cfi-flash'));

  const cpus = child(root, 'cpus');
  set(cpus, '#size-cells', value.u32(0));
  set(cpus, '#address-cells', value.u32(1));
  const cluster = child(child(child(cpus, 'cpu-map'), 'socket0'), 'cluster0');
  for (let i = 0; i < n; i++) set(child(cluster, `core${i}`), 'cpu', value.u32(ph.cpu(i)));
  for (let i = 0; i < n; i++) {
    const cpu = child(cpus, `cpu@${i}`);
    set(cpu, 'phandle', value.u32(ph.cpu(i)));
    set(cpu, 'reg', value.u32(Number(qemuVirtMpidr(i, p.gic))));
    // QEMU names an enable method only when there are secondaries to start.
    if (n > 1) set(cpu, 'enable-method', value.string('psci'));
    set(cpu, 'compatible', value.string('arm,cortex-a57'));
    set(cpu, 'device_type', value.string('cpu'));
  }

  const timer = child(root, 'timer');
  set(timer, 'interrupts', value.u32(...[13, 14, 11, 10].flatMap((irq) => [GIC_PPI, irq, ppiFlags])));
  set(timer, 'always-on', value.empty());
  set(timer, 'compatible', value.strings('arm,armv8-timer', 'arm,armv7-timer'));

  const clk = child(root, 'apb-pclk');
  set(clk, 'phandle', value.u32(ph.clock));
  set(clk, 'clock-output-names', value.string('clk24mhz'));
  set(clk, 'clock-frequency', value.u32(24_000_000));
  set(clk, '#clock-cells', value.u32(0));
  set(clk, 'compatible', value.string('fixed-clock'));

  const chosen = child(root, 'chosen');
  set(chosen, 'stdout-path', value.string('/pl011@9000000'));
  return t;
}

function child(parent: Node, name: string): Node {
  return parent.addChild(new Node(name));
}

function set(node: Node, name: string, v: Uint8Array): void {
  node.setProp(name, v);
}

function hex(v: bigint): string {
  return v.toString(16);
}
