// A board, config and plan for the dom0less emitter tests: a dtc-compiled board DTB (cpus
// without phandles, one with; a GIC; two UARTs), a config using most DT features on Xen 4.21.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Board } from '../../boards/index.js';
import type { BootPlan, PlannedImage } from '../../builder/plan/types.js';
import type { Tree } from '../../devicetree/index.js';
import { readDtb } from '../../devicetree/index.js';
import type { Config } from '../../schema/index.js';
import { loadConfigOrThrow } from '../../schema/index.js';

export const boardDts = fileURLToPath(new URL('./fixtures/dom0less-board.dts', import.meta.url));

export function boardDtb(): Uint8Array {
  return new Uint8Array(execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', boardDts]));
}

export const board: Board = {
  name: 'test-board',
  description: 'test',
  arch: 'arm64',
  ram: [{ start: 0x40000000n, size: 0x80000000n }],
  reserved: [],
  cpus: [
    { id: 0n, path: '/cpus/cpu@0' },
    { id: 1n, path: '/cpus/cpu@1' },
    { id: 0x100n, path: '/cpus/cpu@100' },
  ],
  gic: { version: 3 },
  console: '/soc/serial@ff010000',
  uboot: {
    loadCommand: 'load mmc 0:1',
    scriptAddress: 0x40100000n,
    scriptCapacity: 0x10000n,
    relocationSize: 0x2000000n,
  },
  dtb: { kind: 'file', path: boardDts },
};

export const configYaml = `
xen:
  release: "4.21"
  cmdline: "console=dtuart dtuart=/soc/serial@ff010000 sched=null"
  staticHeap: [{ base: "0xb0000000", size: 256M }]
board: test-board
dom0:
  kernel: dom0.img
  cmdline: "console=hvc0 ; reset"
  memory: 512M
cpupools:
  - { name: rt, cpus: [1, 2], scheduler: "null" }
domains:
  - name: alpha
    kernel: alpha.img
    ramdisk: alpha.cpio
    cmdline: 'console=ttyAMA0 init="/bin/sh" $(reset) \${x}'
    memory: 64M
    vcpus: 2
    vpl011: true
    nrSpis: 64
    xenstore: no-xenstore
    cpupool: rt
    capabilities: [control]
    grantFrames: 32
    trapUnmappedAccesses: false
    eventChannels: [{ port: 10, peer: beta, peerPort: 20 }]
    vcpuAffinity: [{ vcpu: 0, cpus: "1" }, { vcpu: 1, cpus: [2] }]
    passthrough: { devices: ["/soc/serial@ff020000"] }
  - name: beta
    kernel: beta.img
    memory: 0x4000000
    params: ["vpl011=on", "sve=max"]
    eventChannels: [{ port: 20, peer: alpha, peerPort: 10 }, { port: 21, peer: dom0, peerPort: 5 }]
  - name: later
    kernel: later.img
    memory: 32M
    boot: false
`;

export function config(): Config {
  return loadConfigOrThrow(configYaml, 'test.yaml');
}

export function plan(): BootPlan {
  const img = (
    name: string,
    role: PlannedImage['role'],
    address: bigint,
    size: bigint,
    domain?: string,
  ): PlannedImage => ({
    name,
    role,
    address,
    size,
    effectiveSize: size,
    ...(domain ? { domain } : {}),
  });
  const images = [
    img('dom0/kernel', 'kernel', 0x40200000n, 0x1234n, 'dom0'),
    img('alpha/kernel', 'kernel', 0x40400000n, 0x88n, 'alpha'),
    img('alpha/ramdisk', 'ramdisk', 0x40600000n, 0x100000n, 'alpha'),
    img('alpha/device-tree', 'device-tree', 0x40800000n, 0x10000n, 'alpha'),
    img('beta/kernel', 'kernel', 0x140a00000n, 0x88n, 'beta'),
    img('xen', 'xen', 0x40c00000n, 0x400000n),
    img('dtb', 'dtb', 0x41000000n, 0x80000n),
  ];
  return {
    board: { name: board.name, arch: 'arm64', ram: board.ram },
    method: 'uboot',
    alignment: 0x200000n,
    images,
    excluded: [],
    xenAddress: 0x40c00000n,
    dtbAddress: 0x41000000n,
    largestFreeGap: undefined,
  };
}

export function baseTree(): Tree {
  return readDtb(boardDtb());
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
