// Partial DTBs for passthrough.devices (reference/xen-dt-bindings.md §3.6), judged by dtc.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GUEST_PHANDLE_GIC, PASSTHROUGH_WINDOW, partialTree } from '../../builder/passthrough/partial.js';
import { read, readDtb, value, writeDtb } from '../../devicetree/index.js';
import type { Diagnostic, Domain } from '../../schema/index.js';
import { requireTools } from '../support/tools.js';
import { baseTree } from './dom0less-fixture.js';

const gate = requireTools(['dtc'], 'apt-get install device-tree-compiler');
const dom = (devices: string[], directMap = false) =>
  ({ name: 'g', boot: true, directMap, passthrough: { devices } }) as unknown as Domain;

describe('partial DTB', () => {
  it('copies a device with its fixed clock, moves reg into the window, keeps host reg in xen,reg', () => {
    const diags: Diagnostic[] = [];
    const t = partialTree(dom(['/soc/serial@ff010000', '/soc/serial@ff020000']), 'p', baseTree(), diags)!;
    expect(diags).toEqual([]);
    const a = t.lookup('/passthrough/serial@23000000')!;
    const b = t.lookup('/passthrough/serial@23001000')!;
    expect(read.cellGroups(a.prop('reg')!, 2)).toEqual([0x23000000n, 0x1000n]);
    expect(read.cellGroups(a.prop('xen,reg')!, 2)).toEqual([0xff010000n, 0x1000n, 0x23000000n]);
    expect(read.string(a.prop('xen,path')!)).toBe('/soc/serial@ff010000');
    expect(read.u32(a.prop('interrupt-parent')!)).toBe(GUEST_PHANDLE_GIC);
    expect(read.cells(a.prop('interrupts')!)).toEqual([0, 50, 4]);
    expect(read.cellGroups(b.prop('xen,reg')!, 2)).toEqual([0xff020000n, 0x1000n, 0x23001000n]);
    // the fixed clock comes along with a phandle below 65000, and the reference follows it
    const clk = t.lookup('/passthrough/clock')!;
    expect(read.u32(clk.prop('phandle')!)).toBeLessThan(GUEST_PHANDLE_GIC);
    expect(read.cells(a.prop('clocks')!)).toEqual([read.u32(clk.prop('phandle')!)]);
    expect(Math.max(...t.phandles().keys())).toBeLessThan(GUEST_PHANDLE_GIC);
    expect(t.lookup('/gic')!.prop('interrupt-controller')).toBeDefined();
  });

  it('marks devices no IOMMU translates for with xen,force-assign-without-iommu, and only those', () => {
    const host = baseTree();
    // ff020000 is behind an IOMMU (the phandle is never followed: Xen's handle_passthrough_prop
    // asks only whether the device is protected).
    host.lookup('/soc/serial@ff020000')!.setProp('iommus', value.u32(1, 0x10));
    const diags: Diagnostic[] = [];
    const t = partialTree(dom(['/soc/serial@ff010000', '/soc/serial@ff020000']), 'p', host, diags)!;
    expect(t.lookup('/passthrough/serial@23000000')!.prop('xen,force-assign-without-iommu')).toBeDefined();
    expect(t.lookup('/passthrough/serial@23001000')!.prop('xen,force-assign-without-iommu')).toBeUndefined();
  });

  it('gives MMIO ranges as nodes with reg, xen,reg and the force flag (Xen needs it without xen,path)', () => {
    const d = {
      name: 'g',
      boot: true,
      passthrough: {
        iomem: [
          { host: 0x9010000n, size: 0x1000n, guest: 0x24000000n },
          { host: 0x9040000n, size: 0x2000n },
        ],
      },
    } as unknown as Domain;
    const diags: Diagnostic[] = [];
    const t = partialTree(d, 'p', baseTree(), diags)!;
    expect(diags).toEqual([]);
    const a = t.lookup('/passthrough/iomem@24000000')!;
    expect(read.cellGroups(a.prop('reg')!, 2)).toEqual([0x24000000n, 0x1000n]);
    expect(read.cellGroups(a.prop('xen,reg')!, 2)).toEqual([0x9010000n, 0x1000n, 0x24000000n]);
    expect(a.prop('xen,force-assign-without-iommu')).toBeDefined();
    expect(a.prop('xen,path')).toBeUndefined();
    // no guest address: the host's
    const b = t.lookup('/passthrough/iomem@9040000')!;
    expect(read.cellGroups(b.prop('xen,reg')!, 2)).toEqual([0x9040000n, 0x2000n, 0x9040000n]);
  });

  it('maps 1:1 for a direct-mapped domain', () => {
    const diags: Diagnostic[] = [];
    const t = partialTree(dom(['/soc/serial@ff020000'], true), 'p', baseTree(), diags)!;
    const n = t.lookup('/passthrough/serial@ff020000')!;
    expect(read.cellGroups(n.prop('xen,reg')!, 2)).toEqual([0xff020000n, 0x1000n, 0xff020000n]);
  });

  it('keeps 64-bit host addresses whole and pages unaligned registers', () => {
    const base = baseTree();
    const n = base.lookup('/soc/serial@ff020000')!;
    n.setProp('reg', new Uint8Array([0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x20]));
    const diags: Diagnostic[] = [];
    const t = partialTree(dom(['/soc/serial@ff020000']), 'p', base, diags)!;
    const d = t.lookup('/passthrough/serial@23000810')!;
    expect(read.cellGroups(d.prop('xen,reg')!, 2)).toEqual([0x1234567000n, 0x1000n, 0x23000000n]);
    expect(read.cellGroups(d.prop('reg')!, 2)).toEqual([0x23000810n, 0x20n]);
  });

  it('reports a missing path and a device wired to a non-GIC controller', () => {
    const base = baseTree();
    const diags: Diagnostic[] = [];
    expect(partialTree(dom(['/soc/nothing']), 'p', base, diags)).toBeUndefined();
    expect(diags.map((d) => d.id)).toEqual(['passthrough-partial']);
    const clk = base.lookup('/soc/clock')!;
    base.lookup('/soc/serial@ff020000')!.setProp('interrupt-parent', value.u32(base.phandleOf(clk)));
    const more: Diagnostic[] = [];
    expect(partialTree(dom(['/soc/serial@ff020000']), 'p', base, more)).toBeUndefined();
    expect(more.map((d) => d.id)).toEqual(['passthrough-partial']);
    expect(PASSTHROUGH_WINDOW.start).toBe(0x23000000n);
  });

  it.skipIf(!gate.available)('dtc reads the blob back without complaint', () => {
    const diags: Diagnostic[] = [];
    const blob = writeDtb(partialTree(dom(['/soc/serial@ff010000']), 'p', baseTree(), diags)!);
    const dts = execFileSync('dtc', ['-I', 'dtb', '-O', 'dts', '-'], { input: blob, encoding: 'utf8' });
    expect(dts).toContain('xen,path = "/soc/serial@ff010000";');
    expect(writeDtb(readDtb(blob))).toEqual(blob);
  });
});
