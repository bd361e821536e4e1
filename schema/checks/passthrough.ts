// Passthrough to boot-time (dom0less) domains: what the board can hand to a guest, and what it
// costs. The build writes devices and MMIO ranges into the domain's partial device tree
// (builder/passthrough/partial.ts); these checks say, before a boot, what Xen would refuse or what
// would silently not happen.
import type { MemoryRange } from '../board-facts.js';
import { formatAddress, formatSize } from '../units.js';
import { defineCheck, eachDomain } from './check.js';
import { PAGE } from './memory.js';

function overlaps(a: MemoryRange, b: MemoryRange): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/**
 * What Xen's Arm guest memory map already uses (xen/include/public/arch-arm.h: GUEST_GICV3_GICD_BASE
 * to the end of GUEST_GICV3_GICR0, GUEST_VPCI_ECAM_BASE (4.20), GUEST_ACPI_BASE, GUEST_PL011_BASE, GUEST_GNTTAB_BASE,
 * GUEST_MAGIC_BASE, GUEST_RAM0/1) and the window the build packs passthrough.devices into
 * (builder/passthrough/partial.ts).
 */
const GUEST_MAP: (MemoryRange & { what: string })[] = [
  { base: 0x0300_1000n, size: 0x0101_f000n, what: 'GIC' },
  { base: 0x1000_0000n, size: 0x1000_0000n, what: 'vPCI ECAM' },
  { base: 0x2000_0000n, size: 0x0200_0000n, what: 'ACPI tables' },
  { base: 0x2200_0000n, size: 0x1000n, what: 'vpl011' },
  { base: 0x2300_0000n, size: 0x1000_0000n, what: 'passthrough.devices window' },
  { base: 0x3800_0000n, size: 0x0100_0000n, what: 'grant table' },
  { base: 0x3900_0000n, size: 0x0100_0000n, what: 'magic pages' },
  { base: 0x4000_0000n, size: 0xc000_0000n, what: 'RAM (GUEST_RAM0)' },
  { base: 0x02_0000_0000n, size: 0xfe_0000_0000n, what: 'RAM (GUEST_RAM1)' },
];

export const passthroughNoIommu = defineCheck({
  id: 'passthrough-no-iommu',
  severity: 'warning',
  title: 'Devices given to a boot-time domain on a board without an IOMMU are not isolated',
  ref: 'xen-dt-bindings.md §3.6 (xen,force-assign-without-iommu)',
  run(ctx) {
    const b = ctx.board;
    if (!b || b.iommu) return;
    for (const [d, i] of eachDomain(ctx.config)) {
      const pt = d.passthrough;
      if (!d.boot || pt?.dtb || !(pt?.devices?.length || pt?.iomem?.length)) continue;
      ctx.report(
        ['domains', i, 'passthrough'],
        `${b.name} has no IOMMU Xen uses, so the build marks what ${d.name} gets with xen,force-assign-without-iommu: nothing stops a device that does DMA from reading and writing any RAM, Xen's and every other domain's, on ${d.name}'s behalf`,
        {
          hint: 'pass through only devices that do no DMA (GPIO, UART, RTC), or trust this domain as much as Xen; --no-check passthrough-no-iommu once you have',
        },
      );
    }
  },
});

export const passthroughBoard = defineCheck({
  id: 'passthrough-board',
  title: "What a boot-time domain is given exists to give: not Xen's console, not RAM, whole pages",
  ref: 'xen-dt-bindings.md §3.6 (xen,reg is page-granular; the host node must not be in use)',
  run(ctx) {
    const b = ctx.board;
    for (const [d, i] of eachDomain(ctx.config)) {
      if (!d.boot) continue;
      d.passthrough?.devices?.forEach((path, j) => {
        if (b?.uart?.path === path)
          ctx.report(
            ['domains', i, 'passthrough', 'devices', j],
            `${path} is the UART Xen's console uses; Xen keeps it and the guest would fight Xen for it`,
            { hint: "give the guest vpl011: true for a console, or another UART of the board's" },
          );
      });
      d.passthrough?.iomem?.forEach((r, j) => {
        const at = ['domains', i, 'passthrough', 'iomem', j];
        const guest = r.guest ?? r.host;
        if (r.size === 0n || r.host % PAGE !== 0n || guest % PAGE !== 0n || r.size % PAGE !== 0n) {
          ctx.report(
            at,
            `MMIO range ${formatAddress(r.host)}+${formatSize(r.size)} (guest ${formatAddress(guest)}) is empty or not whole 4K pages; Xen maps pages, so the rest of each page would go to the guest too`,
            { hint: 'round host, guest and size to 4K pages' },
          );
          return;
        }
        const taken = d.directMap
          ? undefined
          : GUEST_MAP.find((x) => overlaps(x, { base: guest, size: r.size }));
        if (taken)
          ctx.report(
            at,
            `guest address ${formatAddress(guest)}+${formatSize(r.size)} overlaps the guest's ${taken.what} (${formatAddress(taken.base)}+${formatSize(taken.size)}); Xen would map the device over it`,
            { hint: 'give a guest address in a free part of the guest map, e.g. 0x04020000..0x10000000' },
          );
        const ram = b?.ramBanks.find((x) => overlaps(x, { base: r.host, size: r.size }));
        if (ram)
          ctx.report(
            at,
            `MMIO range ${formatAddress(r.host)}+${formatSize(r.size)} is RAM of ${b?.name} (${formatAddress(ram.base)}+${formatSize(ram.size)}), not a device; mapped as device memory it would hand the guest memory Xen allocates to others`,
            { hint: "give the device's register range from the board's device tree" },
          );
      });
    }
  },
});

export const passthroughBootIrqs = defineCheck({
  id: 'passthrough-boot-irqs',
  title: 'A boot-time domain gets interrupts through its devices, not a bare IRQ list',
  ref: 'xen-dt-bindings.md §3.6 (xen,path: IRQs routed 1:1 from the host node)',
  run(ctx) {
    for (const [d, i] of eachDomain(ctx.config))
      if (d.boot && d.passthrough?.irqs?.length)
        ctx.report(
          ['domains', i, 'passthrough', 'irqs'],
          "Xen's dom0less builder routes only the interrupts of a host node named by xen,path; a bare IRQ list has no device-tree form and would be dropped",
          {
            hint: "list the device's host path under passthrough.devices instead (its interrupts come along)",
          },
        );
  },
});
