// Memory rules: sizes Xen can encode, static banks, direct map, and fit on the board.
import type { BoardFacts, MemoryRange } from '../board-facts.js';
import type { Config } from '../config.js';
import { formatAddress, formatSize } from '../units.js';
import {
  frameTableBytes,
  NO_XEN_TERMS,
  p2mPoolBytes,
  XEN_MEMORY,
  type XenMemoryFacts,
} from '../xen-memory.js';
import { defineCheck, domainRule, eachDomain } from './check.js';

export const PAGE = 0x1000n;
const MIB = 0x100000n;

function overlaps(a: MemoryRange, b: MemoryRange): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

function inside(r: MemoryRange, banks: readonly MemoryRange[]): boolean {
  return banks.some((b) => r.base >= b.base && r.base + r.size <= b.base + b.size);
}

export const memorySize = defineCheck({
  id: 'memory-size',
  title: 'Domain memory is non-zero and a whole number of pages (a whole MiB for xl)',
  ref: 'xen-dt-bindings.md §1.1 memory',
  run(ctx) {
    for (const [d, i] of eachDomain(ctx.config)) {
      if (d.memory === 0n)
        ctx.report(['domains', i, 'memory'], 'memory is 0', { hint: 'give the domain some RAM, e.g. 64M' });
      else if (d.memory % PAGE !== 0n)
        ctx.report(['domains', i, 'memory'], `memory ${d.memory} is not a multiple of 4K`, {
          hint: 'round it to whole pages',
        });
      else if (!d.boot && d.memory % MIB !== 0n)
        ctx.report(['domains', i, 'memory'], 'xl takes memory in MiB; this size is not a whole MiB', {
          hint: 'round memory to a multiple of 1M',
        });
    }
  },
});

export const directMapNeedsStaticMem = defineCheck({
  id: 'direct-map-needs-static-mem',
  title: 'directMap is only used together with staticMemory',
  ref: 'xen-dt-bindings.md §5 rule 6',
  run(ctx) {
    for (const [d, i] of eachDomain(ctx.config))
      if (d.directMap && !d.staticMemory)
        ctx.report(['domains', i, 'directMap'], 'directMap needs staticMemory; Xen would panic', {
          hint: 'add staticMemory banks, or remove directMap',
        });
  },
});

export const staticMemAligned = defineCheck({
  id: 'static-mem-aligned',
  title: 'Static memory banks are page aligned and non-empty',
  ref: 'xen-dt-bindings.md §3.2',
  run(ctx) {
    for (const [d, i] of eachDomain(ctx.config))
      d.staticMemory?.forEach((b, j) => {
        if (b.size === 0n || b.base % PAGE !== 0n || b.size % PAGE !== 0n)
          ctx.report(
            ['domains', i, 'staticMemory', j],
            `bank ${formatAddress(b.base)}+${formatSize(b.size)} is empty or not 4K aligned`,
            {
              hint: 'use page-aligned base and size',
            },
          );
      });
  },
});

export const staticMemSum = defineCheck({
  id: 'static-mem-sum',
  title: 'The static memory banks add up to the domain memory',
  ref: 'xen-dt-bindings.md §5 rule 25',
  needs: [staticMemAligned],
  run(ctx) {
    for (const [d, i] of eachDomain(ctx.config)) {
      if (!d.staticMemory) continue;
      const sum = d.staticMemory.reduce((a, b) => a + b.size, 0n);
      if (sum !== d.memory)
        ctx.report(
          ['domains', i, 'memory'],
          `memory is ${formatSize(d.memory)} but the static banks add up to ${formatSize(sum)}`,
          {
            hint: `set memory: ${formatSize(sum)}`,
          },
        );
    }
  },
});

export const staticMemOverlap = defineCheck({
  id: 'static-mem-overlap',
  title: 'Static memory banks, host shared-memory ranges and the static heap do not overlap',
  ref: 'xen-dt-bindings.md §3.2, §5 rule 2',
  needs: [staticMemAligned],
  run(ctx) {
    const seen: { r: MemoryRange; what: string }[] = [];
    ctx.config.xen.staticHeap?.forEach((r, j) => {
      seen.push({ r, what: `xen.staticHeap[${j}]` });
    });
    const shmHosts = new Set<string>();
    for (const [d, i] of eachDomain(ctx.config)) {
      d.staticMemory?.forEach((r, j) => {
        const clash = seen.find((s) => overlaps(s.r, r));
        if (clash)
          ctx.report(['domains', i, 'staticMemory', j], `bank overlaps ${clash.what}`, {
            hint: 'give each bank its own range',
          });
        seen.push({ r, what: `domains[${i}].staticMemory[${j}] (${d.name})` });
      });
    }
    for (const [d, i] of eachDomain(ctx.config)) {
      d.sharedMemory?.forEach((s, j) => {
        if (s.host === undefined || shmHosts.has(s.id)) return;
        shmHosts.add(s.id);
        const r = { base: s.host, size: s.size };
        const clash = seen.find((x) => overlaps(x.r, r));
        if (clash)
          ctx.report(
            ['domains', i, 'sharedMemory', j, 'host'],
            `shared region ${s.id} overlaps ${clash.what}`,
            {
              hint: 'move the region outside static memory and the static heap',
            },
          );
      });
    }
  },
});

export const staticMemLlc = domainRule({
  id: 'static-mem-llc-colors',
  title: 'staticMemory is not combined with LLC colouring',
  ref: 'xen-dt-bindings.md §5 rule 6',
  field: 'llcColors',
  when: (d) => Boolean(d.staticMemory && d.llcColors),
  message: 'llcColors cannot be used with staticMemory; Xen would panic',
  hint: 'drop one of the two',
});

export const p2mPoolSize = defineCheck({
  id: 'p2m-pool-size',
  title: 'p2mPool is a whole, non-zero number of MiB',
  ref: 'xen-dt-bindings.md §1.1 xen,domain-p2m-mem-mb',
  run(ctx) {
    for (const [d, i] of eachDomain(ctx.config))
      if (
        d.p2mPool !== undefined &&
        (d.p2mPool === 0n || d.p2mPool % MIB !== 0n || d.p2mPool / MIB > 0xffffffffn)
      )
        ctx.report(['domains', i, 'p2mPool'], 'p2mPool must be a whole, non-zero number of MiB', {
          hint: 'e.g. 8M',
        });
  },
});

export const boardRam = defineCheck({
  id: 'board-ram',
  title:
    'Domains fit in the board RAM with what Xen takes for itself (frame table, P2M pools, its image and heap); static banks lie in RAM and outside reserved ranges',
  ref: 'xen-dt-bindings.md §5 rules 2, 24; schema/xen-memory.ts (Xen functions per term)',
  needs: [staticMemAligned],
  run(ctx) {
    const b = ctx.board;
    // No banks: the board's RAM is unknown (an inline x86 board given no memory), not zero.
    if (!b || b.ramBanks.length === 0) return;
    for (const [d, i] of eachDomain(ctx.config)) {
      d.staticMemory?.forEach((r, j) => {
        if (!inside(r, b.ramBanks))
          ctx.report(
            ['domains', i, 'staticMemory', j],
            `bank ${formatAddress(r.base)}+${formatSize(r.size)} is not inside ${b.name}'s RAM`,
            {
              hint: `RAM is ${b.ramBanks.map((x) => `${formatAddress(x.base)}+${formatSize(x.size)}`).join(', ')}`,
            },
          );
        const res = b.reserved?.find((x) => overlaps(x, r));
        if (res)
          ctx.report(
            ['domains', i, 'staticMemory', j],
            `bank overlaps a reserved range at ${formatAddress(res.base)}${res.what ? ` (${res.what})` : ''}`,
            {
              hint: 'move the bank to free RAM',
            },
          );
      });
    }
    // The terms are Arm64 Xen's; elsewhere only the domains' own memory is compared.
    const fit = xenRamFit(ctx.config, b, ctx.arch === 'arm64' ? XEN_MEMORY[ctx.release] : NO_XEN_TERMS);
    if (!fit || fit.short <= 0n) return;
    const said = ramFitMessage(fit, b.name, ctx.config);
    ctx.report(fit.reportAt === undefined ? ['domains'] : ['domains', fit.reportAt, 'memory'], said.message, {
      hint: said.hint,
    });
  },
});

/** What a RamFit that is short says, and the hint with how much is left for the domain it names. */
export function ramFitMessage(fit: RamFit, board: string, config: Config): { message: string; hint: string } {
  const modules = fit.modules > 0n ? `, boot modules ${formatSize(fit.modules)}` : '';
  const message = `${fit.heapDomains} domain(s) built at boot ask for ${formatSize(fit.domainBytes)}; Xen needs ${formatSize(fit.xenBytes)} for itself (frame table ${formatSize(fit.frameTable)}, P2M pools ${formatSize(fit.p2m)}, its image, heap and small modules ${formatSize(fit.fixed)}${modules}); ${board} has ${formatSize(fit.supply)} for them: ${formatSize(fit.short)} short`;
  if (fit.reportAt === undefined)
    return { message, hint: "lower the domains' memory or pick a board with more RAM" };
  const name = config.domains[fit.reportAt]!.name;
  const later =
    fit.modules > 0n ? '' : ' (boot modules larger than a few KiB, e.g. a Linux kernel, come off that too)';
  return {
    message,
    hint:
      fit.maxForReported > 0n
        ? `at most ${formatSize(fit.maxForReported)} is left for ${name}${later}`
        : `nothing is left for ${name}: lower the other domains' memory or pick a board with more RAM`,
  };
}

export interface RamFit {
  supply: bigint;
  domainBytes: bigint;
  frameTable: bigint;
  p2m: bigint;
  fixed: bigint;
  modules: bigint;
  xenBytes: bigint;
  short: bigint;
  heapDomains: number;
  /** The last boot-time domain whose memory comes from Xen's heap (not static banks). */
  reportAt: number | undefined;
  /** The largest memory that domain could have with everything else unchanged. */
  maxForReported: bigint;
}

/**
 * Xen allocates every boot-time domain's memory (static banks aside) from its heap, after the frame
 * table and with the boot modules still in RAM; each domain also gets a P2M pool. The heap is the
 * board's RAM (or xen.staticHeap when given) minus reserved ranges, static banks and shared-memory
 * host ranges.
 */
export function xenRamFit(
  config: Config,
  b: BoardFacts,
  m: XenMemoryFacts,
  /** Boot modules beyond the few KiB the measured fixed term holds (the plan knows them). */
  moduleBytes = 0n,
): RamFit | undefined {
  let lowest = b.ramBanks[0]!.base;
  let highest = 0n;
  let ram = 0n;
  for (const r of b.ramBanks) {
    if (r.base < lowest) lowest = r.base;
    if (r.base + r.size > highest) highest = r.base + r.size;
    ram += r.size;
  }
  let supply = config.xen.staticHeap ? config.xen.staticHeap.reduce((a, r) => a + r.size, 0n) : ram;
  if (!config.xen.staticHeap) {
    for (const r of b.reserved ?? []) supply -= r.size;
    const shm = new Set<string>();
    for (const d of config.domains) {
      for (const r of d.staticMemory ?? []) supply -= r.size;
      for (const s of d.sharedMemory ?? []) {
        if (s.host === undefined || shm.has(s.id)) continue;
        shm.add(s.id);
        supply -= s.size;
      }
    }
  }
  const cpus = Math.max(1, b.cpuIds.length);
  // `memory` is what comes from the heap (not static banks); the P2M pool follows the whole size.
  const asks: { memory: bigint; size: bigint; vcpus: number; p2mPool?: bigint; index?: number }[] = [];
  if (config.dom0) {
    const memory = config.dom0.memory ?? 0n;
    asks.push({ memory, size: memory, vcpus: config.dom0.vcpus ?? cpus });
  }
  config.domains.forEach((d, i) => {
    if (!d.boot) return;
    const a: (typeof asks)[number] = {
      memory: d.staticMemory ? 0n : d.memory,
      size: d.memory,
      vcpus: d.vcpus ?? 1,
    };
    if (d.p2mPool !== undefined) a.p2mPool = d.p2mPool;
    if (!d.staticMemory) a.index = i;
    asks.push(a);
  });
  if (asks.length === 0) return undefined;
  const pool = (a: (typeof asks)[number], size = a.size) => p2mPoolBytes(m, size, a.vcpus, a.p2mPool);
  const frameTable = frameTableBytes(m, lowest, highest);
  const p2m = asks.reduce((n, a) => n + pool(a), 0n);
  const domainBytes = asks.reduce((n, a) => n + a.memory, 0n);
  const xenBytes = frameTable + p2m + m.fixedBytes + moduleBytes;
  const short = domainBytes + xenBytes - supply;
  const reported = [...asks].reverse().find((a) => a.index !== undefined);
  let maxForReported = 0n;
  if (reported) {
    // The largest whole MiB for this domain: its P2M pool grows with it, so search.
    const rest = short - reported.memory - pool(reported);
    let lo = 0n;
    let hi = supply / MIB + 1n;
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (rest + mid * MIB + pool(reported, mid * MIB) <= 0n) lo = mid;
      else hi = mid;
    }
    maxForReported = rest + lo * MIB + pool(reported, lo * MIB) <= 0n ? lo * MIB : 0n;
  }
  return {
    supply,
    domainBytes,
    frameTable,
    p2m,
    fixed: m.fixedBytes,
    modules: moduleBytes,
    xenBytes,
    short,
    heapDomains: asks.length,
    reportAt: reported?.index,
    maxForReported,
  };
}
