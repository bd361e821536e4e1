// The planner's interval allocator: the free part of RAM as sorted, disjoint, non-adjacent
// [start, end) intervals. Every operation is exact bigint arithmetic; allocation is first fit
// from the lowest address, so the same input always gives the same layout.

export interface Interval {
  start: bigint;
  end: bigint;
}

export class FreeList {
  private free: Interval[];

  constructor(ranges: readonly { start: bigint; size: bigint }[]) {
    this.free = normalise(
      ranges.filter((r) => r.size > 0n).map((r) => ({ start: r.start, end: r.start + r.size })),
    );
  }

  /** Removes [start, start+size) from the free set (any part of it that is free). */
  exclude(start: bigint, size: bigint): void {
    if (size <= 0n) return;
    const end = start + size;
    const out: Interval[] = [];
    for (const f of this.free) {
      if (f.end <= start || f.start >= end) {
        out.push(f);
        continue;
      }
      if (f.start < start) out.push({ start: f.start, end: start });
      if (f.end > end) out.push({ start: end, end: f.end });
    }
    this.free = out;
  }

  /** Whether all of [start, start+size) is free. */
  isFree(start: bigint, size: bigint): boolean {
    const end = start + size;
    return this.free.some((f) => f.start <= start && end <= f.end);
  }

  /**
   * The lowest `address` with `address ≡ offset (mod align)` such that [address, address+size) is
   * free, or undefined. `offset` serves images that want a 2 MiB boundary plus their text_offset.
   */
  firstFit(size: bigint, align: bigint, offset = 0n): bigint | undefined {
    for (const f of this.free) {
      const a = alignUp(f.start - offset, align) + offset;
      const addr = a < f.start ? a + align : a;
      if (addr + size <= f.end) return addr;
    }
    return undefined;
  }

  /** The largest free interval, lowest first on ties. */
  largest(): Interval | undefined {
    let best: Interval | undefined;
    for (const f of this.free) if (!best || f.end - f.start > best.end - best.start) best = f;
    return best ? { ...best } : undefined;
  }

  intervals(): Interval[] {
    return this.free.map((f) => ({ ...f }));
  }
}

export function alignUp(v: bigint, align: bigint): bigint {
  const r = ((v % align) + align) % align;
  return r === 0n ? v : v + (align - r);
}

function normalise(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Interval[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) {
      if (r.end > last.end) last.end = r.end;
    } else out.push({ ...r });
  }
  return out;
}
