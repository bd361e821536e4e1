// dom0 and Xen's own settings: the changes land in the dom0 and system groups, attributed to the
// dom0 field that caused them even when dombuild writes it into Xen's command line; on x86, where
// there is no DT and no plan, through xen.cfg and the files' sha256.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Change, DiffResult } from '../../diff/index.js';
import { diffFiles, scratch, writeConfig } from './sides.js';

const group = (d: DiffResult, name: string | null): Change[] =>
  d.groups.find((g) => g.name === name)?.changes ?? [];

const arm = (dom0: string) =>
  `xen: { release: "4.20", cmdline: "console=dtuart dtuart=/pl011@9000000" }\nboard: qemu-virt-arm64\n` +
  `dom0: { kernel: dom0.img, ${dom0} }\ndomains:\n  - { name: g1, kernel: { probe: "g1 up" }, memory: 64M }\n`;

const x86 = (cmdline: string) =>
  'arch: x86_64\nxen: { release: "4.17", cmdline: "console=com1" }\n' +
  'board: { name: qemu-q35-x86_64, arch: x86_64, memory: 2G, cpus: 2 }\nboot: { method: direct }\n' +
  `dom0:\n  kernel: dom0.img\n  cmdline: "${cmdline}"\n`;

describe('dom0 and the system', () => {
  it("Arm: dom0's memory is dom0_mem= in /chosen's xen,xen-bootargs, attributed to dom0.memory", async () => {
    const dir = scratch();
    const a = writeConfig(dir, arm('memory: 256M'));
    const b = writeConfig(dir, arm('memory: 512M'));
    const d = await diffFiles(a, b);
    const [c, ...rest] = group(d, null);
    expect(rest).toEqual([]);
    expect(c).toMatchObject({
      kind: 'dt',
      item: '/chosen: xen,xen-bootargs',
      control: 'dom0.memory',
      registry: false,
      guestVisible: true,
    });
    expect(c?.a).toContain('dom0_mem=256M');
    expect(c?.b).toContain('dom0_mem=512M');
    expect(c?.at.b).toMatchObject({ file: b, line: 3 });
    expect(d.guestVisible).toBe(true);
  });

  it("x86: dom0's command line through xen.cfg; its kernel's bytes by sha256", async () => {
    const one = scratch();
    const a = writeConfig(one, x86('console=hvc0'));
    const b = writeConfig(one, x86('console=hvc0 quiet'));
    const d = await diffFiles(a, b);
    expect(group(d, 'dom0')).toEqual([
      expect.objectContaining({
        kind: 'boot',
        item: 'xen.cfg kernel: command line',
        a: 'console=hvc0',
        b: 'console=hvc0 quiet',
        control: 'cmdline',
        guestVisible: true,
      }),
    ]);
    // The same config beside another dom0.img: only the bytes differ.
    const two = scratch();
    writeFileSync(join(two, 'dom0.img'), new Uint8Array(4096).fill(0x4b));
    const c = writeConfig(two, x86('console=hvc0'));
    const e = await diffFiles(a, c);
    expect(group(e, 'dom0').map((x) => [x.kind, x.item, x.control, x.guestVisible])).toEqual([
      ['image', 'dom0/kernel: sha256', 'kernel', true],
    ]);
  });
});
