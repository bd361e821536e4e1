// board-ram's Xen terms against the boundaries measured on Debian's Xen 4.17 and 4.20 under QEMU
// virt (probe guests, bootscrub=0): the largest memory that booted, 1 MiB more panicking with
// "Failed to allocate requested domain memory". test/e2e/board-ram.e2e.ts boots the check's own
// boundary on real Xen; this keeps the measured points as data, so a change of the model that
// moves any of them fails here without a boot.
import { describe, expect, it } from 'vitest';
import { baseConfig, run, testBoard } from './helpers.js';

const GiB = 1n << 30n;
/** [RAM, vCPUs of the big domain, memory of a small first domain (MiB) or 0, largest MiB that booted]. */
const MEASURED: [bigint, number, number, number][] = [
  [1n * GiB, 1, 0, 1002],
  [2n * GiB, 1, 0, 2008],
  [4n * GiB, 1, 0, 4012],
  [2n * GiB, 4, 0, 2005],
  [2n * GiB, 1, 64, 1942],
];

function ids(ram: bigint, vcpus: number, small: number, big: number, release: string) {
  const domains = [
    ...(small ? [{ name: 'small', kernel: 'probe', memory: `${small}M` }] : []),
    { name: 'big', kernel: 'probe', memory: `${big}M`, vcpus },
  ];
  const board = testBoard({ ramBanks: [{ base: 0x4000_0000n, size: ram }], cpuIds: [0, 1, 2, 3] });
  return run({ ...baseConfig({ xen: { release, image: 'xen' } }), domains }, { board }).diagnostics.filter(
    (d) => d.id === 'board-ram',
  );
}

describe('board-ram: the measured boundaries of real Xen', () => {
  for (const release of ['4.17', '4.20'])
    for (const [ram, vcpus, small, max] of MEASURED)
      it(`Xen ${release}, ${ram / GiB} GiB, ${vcpus} vCPU(s)${small ? `, ${small}M first` : ''}: ${max} MiB allowed, ${max + 1} refused`, () => {
        expect(ids(ram, vcpus, small, max, release)).toEqual([]);
        const refused = ids(ram, vcpus, small, max + 1, release);
        expect(refused.map((d) => d.path)).toEqual([`domains[${small ? 1 : 0}].memory`]);
        expect(refused[0]?.hint).toContain(`at most ${max}M is left for big`);
      });
});
