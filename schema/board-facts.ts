// What validation needs to know about the board. boards/ produces it from a descriptor or a DTB;
// schema/ only defines the shape, so the arrow between the folders points one way.
import type { Arch } from './releases.js';

export interface MemoryRange {
  base: bigint;
  size: bigint;
}

export interface BoardFacts {
  name: string;
  arch: Arch;
  /** RAM banks from /memory (or the board descriptor). */
  ramBanks: MemoryRange[];
  /** Ranges that must not be used: /reserved-memory, /memreserve/, firmware. */
  reserved?: (MemoryRange & { what?: string })[];
  /** Hardware CPU ids (MPIDR on Arm, APIC id on x86) by logical CPU number. */
  cpuIds: number[];
  /** Arm interrupt controller: version, and the number of SPI lines the host GIC implements. */
  gic?: { version: 2 | 3; maxSpis?: number };
  /** Whether the board has an IOMMU Xen can use (SMMU on Arm). */
  iommu?: boolean;
  /** Largest SVE vector length in bits the CPUs implement (0 = no SVE). */
  sveMaxBits?: number;
  /** The UART Xen uses (dtuart): its DT path and SPI, if any. */
  uart?: { path: string; irq?: number };
  /** Alias names under the board DTB's /aliases (empty: the tree has none); absent when no DTB was read. */
  aliases?: string[];
}
