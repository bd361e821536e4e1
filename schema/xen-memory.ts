// What Xen on Arm64 takes from RAM for itself while it builds the boot-time domains, per release.
// The board-ram check (checks/memory.ts) adds these terms to the domains' own memory. Each term is
// named after the Xen function that decides it:
//
// - Frame table: setup_frametable_mappings() (xen/arch/arm/mm.c in 4.17, xen/arch/arm/mmu/mm.c in
//   4.20): one struct page_info per page from the lowest to the highest RAM address
//   (PAGE_INFO_SIZE, xen/arch/arm/include/asm/config.h, asserted by a BUILD_BUG_ON there),
//   rounded up to 2 MiB, or to 32 MiB once it is 32 MiB or more, from the boot allocator.
// - P2M pool per domain: domain_p2m_set_allocation() with domain_p2m_pages() (domain_build.c in
//   4.17, dom0less-build.c in 4.20): xen,domain-p2m-mem-mb when given, else 4 KiB x (256 per vCPU
//   + 1 per MiB of guest RAM + 128 for the extended regions), rounded up to a whole MiB.
// - Everything else before the domains' memory is allocated: Xen's image (its boot module stays
//   reserved), the heap Xen itself allocates at boot (per-CPU areas, domain and vCPU structures,
//   the unflattened device tree), and the boot modules, which are given back only by
//   discard_initial_modules() after create_domUs() (setup.c, start_xen()). Not derived from the
//   source but measured: the largest one-domain size that Debian's Xen 4.17 and 4.20 boot under
//   QEMU virt with 1, 2 and 4 GiB of RAM (1002, 2008 and 4012 MiB; 2005 MiB with 4 vCPUs; 64 MiB +
//   1942 MiB for two domains) is exactly RAM - frame table - P2M pools - 2 MiB, and 1 MiB more
//   panics ("Failed to allocate requested domain memory"). Those systems' boot modules are a few
//   KiB (probe guests). Larger modules come on top byte for byte: with a 32 MiB kernel file the
//   largest size on 2 GiB is 1976 MiB instead of 2008 (4.17, measured); validate does not know
//   the modules' sizes, so the check cannot count them (its hint says so).
//
// 4.18, 4.19, 4.21 and 4.22 are not measured: they are given 4.20's numbers, which equal 4.17's.
import type { XenRelease } from './releases.js';

export interface XenMemoryFacts {
  /** sizeof(struct page_info) on arm64. */
  pageInfoBytes: bigint;
  /** domain_p2m_pages(): pages per vCPU, per MiB of guest RAM, and fixed. */
  p2mPagesPerVcpu: bigint;
  p2mPagesPerMiB: bigint;
  p2mPagesFixed: bigint;
  /** Xen's image, its boot-time heap and small boot modules (measured, see above). */
  fixedBytes: bigint;
  /**
   * Boot modules already inside fixedBytes: the measured systems' probe kernels (well under 1 KiB
   * each). The plan counts only the modules beyond this, so the measured systems plan exactly as
   * they booted.
   */
  modulesInFixedBytes: bigint;
}

const MIB = 0x100000n;

const MEASURED: XenMemoryFacts = {
  pageInfoBytes: 56n,
  p2mPagesPerVcpu: 256n,
  p2mPagesPerMiB: 1n,
  p2mPagesFixed: 128n,
  fixedBytes: 2n * MIB,
  modulesInFixedBytes: 64n * 1024n,
};

export const XEN_MEMORY: Readonly<Record<XenRelease, XenMemoryFacts>> = {
  '4.17': MEASURED,
  '4.18': MEASURED,
  '4.19': MEASURED,
  '4.20': MEASURED,
  '4.21': MEASURED,
  '4.22': MEASURED,
};

/** For architectures the terms above were not taken for: only the domains' memory counts. */
export const NO_XEN_TERMS: XenMemoryFacts = {
  pageInfoBytes: 0n,
  p2mPagesPerVcpu: 0n,
  p2mPagesPerMiB: 0n,
  p2mPagesFixed: 0n,
  fixedBytes: 0n,
  modulesInFixedBytes: 0n,
};

const PAGE = 0x1000n;
const roundUp = (v: bigint, to: bigint) => ((v + to - 1n) / to) * to;

/** setup_frametable_mappings(): the frame table for RAM from `lowest` to `highest` (exclusive). */
export function frameTableBytes(m: XenMemoryFacts, lowest: bigint, highest: bigint): bigint {
  const bytes = ((highest - lowest) / PAGE) * m.pageInfoBytes;
  return bytes === 0n ? 0n : roundUp(bytes, bytes < 32n * MIB ? 2n * MIB : 32n * MIB);
}

/** domain_p2m_pages(): a domain's P2M pool, unless the config sets it (p2mPool). */
export function p2mPoolBytes(m: XenMemoryFacts, memory: bigint, vcpus: number, explicit?: bigint): bigint {
  if (explicit !== undefined) return explicit;
  const pages = m.p2mPagesPerVcpu * BigInt(vcpus) + (memory / MIB) * m.p2mPagesPerMiB + m.p2mPagesFixed;
  return roundUp(pages * PAGE, MIB);
}
