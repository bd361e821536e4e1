// The built-in x86 board: resolution without a DTB, parameters, and its RAM layout judged by
// QEMU's own flat memory view of the q35 machine (info mtree -f).
import { describe, expect, it } from 'vitest';
import type { MemRange } from '../../boards/index.js';
import { listBoards, qemuQ35Args, qemuQ35Board, qemuQ35Ram, resolveBoard } from '../../boards/index.js';
import { requireTools } from '../support/tools.js';
import { qemuMonitor } from './qemu-monitor.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;
const opts = { configDir: '/nonexistent', qemu: 'generated' as const };

describe('qemu-q35-x86_64', () => {
  it('resolves with no DTB and no diagnostics, by name or inline', async () => {
    const byName = await resolveBoard('qemu-q35-x86_64', opts);
    expect(byName.diagnostics).toEqual([]);
    expect(byName.board?.arch).toBe('x86_64');
    expect(byName.board?.dtb.kind).toBe('none');
    expect(byName.tree).toBeUndefined();
    const inline = await resolveBoard(
      { name: 'qemu-q35-x86_64', arch: 'x86_64', memory: 4n * GiB, cpus: 4 },
      opts,
    );
    expect(inline.diagnostics).toEqual([]);
    expect(inline.board?.cpus).toHaveLength(4);
    expect(inline.board?.qemu?.args).toEqual([
      '-machine',
      'q35',
      '-cpu',
      'qemu64',
      '-m',
      '4096M',
      '-smp',
      '4',
    ]);
  });

  it('takes ram and cpus parameters and refuses bad ones by id', async () => {
    const r = await resolveBoard('qemu-q35-x86_64:ram=1G,cpus=3', opts);
    expect(r.board?.ram).toEqual([{ start: 0n, size: 1n * GiB }]);
    expect(r.board?.cpus).toHaveLength(3);
    for (const bad of ['qemu-q35-x86_64:cpus=65', 'qemu-q35-x86_64:ram=64M', 'qemu-q35-x86_64:gic=3']) {
      expect((await resolveBoard(bad, opts)).diagnostics.map((d) => d.id)).toEqual(['board-param-invalid']);
    }
  });

  it('an inline x86 board needs no DTB; an inline Arm board still does', async () => {
    const x86 = await resolveBoard({ name: 'pc', arch: 'x86_64', memory: 1n * GiB }, opts);
    expect(x86.diagnostics).toEqual([]);
    expect(x86.board?.ram).toEqual([{ start: 0n, size: 1n * GiB }]);
    const arm = await resolveBoard({ name: 'pc', arch: 'arm64' }, opts);
    expect(arm.diagnostics.map((d) => d.id)).toEqual(['board-dtb-missing']);
  });

  it('is listed by dombuild boards', () => {
    expect(listBoards().find((b) => b.name === 'qemu-q35-x86_64')).toMatchObject({
      arch: 'x86_64',
      needsUserDtb: false,
      noDtb: true,
    });
  });

  it('splits RAM at 2 GiB only from 0xb0000000 up, as q35 does', () => {
    expect(qemuQ35Ram(2816n * MiB - MiB)).toEqual([{ start: 0n, size: 2815n * MiB }]);
    expect(qemuQ35Ram(2816n * MiB)).toEqual([
      { start: 0n, size: 2n * GiB },
      { start: 4n * GiB, size: 768n * MiB },
    ]);
  });
});

const gate = requireTools(['qemu-system-x86_64'], 'apt-get install qemu-system-x86');

/** RAM ranges of the `system` flat view, merged where adjacent. */
function qemuRam(mtree: string): MemRange[] {
  const start = mtree.indexOf('Root memory region: system');
  const view = mtree.slice(start, mtree.indexOf('FlatView', start));
  const out: MemRange[] = [];
  for (const m of view.matchAll(/^\s*([0-9a-f]{16})-([0-9a-f]{16}) \(prio -?\d+, ram\): pc\.ram/gm)) {
    const lo = BigInt(`0x${m[1]}`);
    const hi = BigInt(`0x${m[2]}`) + 1n;
    const last = out.at(-1);
    if (last && last.start + last.size === lo) last.size += hi - lo;
    else out.push({ start: lo, size: hi - lo });
  }
  return out;
}

/** The board's RAM with its reserved ranges cut out. */
function usable(ram: MemRange[], holes: MemRange[]): MemRange[] {
  let out = ram.map((r) => ({ ...r }));
  for (const h of holes) {
    out = out.flatMap((r) => {
      const end = r.start + r.size;
      const hEnd = h.start + h.size;
      if (hEnd <= r.start || h.start >= end) return [r];
      const parts: MemRange[] = [];
      if (h.start > r.start) parts.push({ start: r.start, size: h.start - r.start });
      if (hEnd < end) parts.push({ start: hEnd, size: end - hEnd });
      return parts;
    });
  }
  return out;
}

describe.skipIf(!gate.available)('qemu-q35-x86_64 against QEMU (info mtree -f)', () => {
  for (const ram of [512n * MiB, 2n * GiB, 2816n * MiB, 4n * GiB]) {
    it(`RAM layout with ${ram / MiB} MiB`, async () => {
      const board = qemuQ35Board({ ram, cpus: 1 });
      const r = await qemuMonitor(
        qemuQ35Args({ ram, cpus: 1 }),
        ['info mtree -f'],
        30_000,
        'qemu-system-x86_64',
      );
      expect(qemuRam(r.stdout)).toEqual(usable(board.ram, board.reserved));
    });
  }
});
