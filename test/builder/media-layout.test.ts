import { describe, expect, it } from 'vitest';
import {
  FAT_EPOCH,
  fatFolders,
  fatSizeFor,
  fatTimestamp,
  layoutDisk,
  MIN_FAT_BYTES,
  sfdiskScript,
} from '../../builder/media/layout.js';

const MiB = 1n << 20n;

describe('disk layout', () => {
  it('starts at 1 MiB, packs aligned partitions, keeps a GPT backup unit at the end', () => {
    const l = layoutDisk(
      { table: 'gpt', align: MiB, bootType: 'esp' },
      { boot: 64n * MiB, partitions: [{ size: 3n * MiB + 1n, type: 'linux', name: 'root' }] },
      'seed',
    );
    expect(l.partitions.map((p) => [p.start, p.size, p.type])).toEqual([
      [MiB, 64n * MiB, 'esp'],
      [65n * MiB, 4n * MiB, 'linux'],
    ]);
    expect(l.total).toBe(70n * MiB);
    expect(l.partitions[1]?.name).toBe('root');
  });

  it('an alignment above 1 MiB moves the first partition to it; MBR keeps no tail', () => {
    const l = layoutDisk(
      { table: 'mbr', align: 4n * MiB, bootType: 'boot-fat' },
      { boot: 5n * MiB, partitions: [] },
      's',
    );
    expect(l.partitions[0]).toMatchObject({ start: 4n * MiB, size: 8n * MiB });
    expect(l.total).toBe(12n * MiB);
    expect(l.labelId).toMatch(/^0x[0-9a-f]{8}$/);
  });

  it('ids are a function of the seed: equal for equal input, different otherwise', () => {
    const a = layoutDisk({ table: 'gpt', align: MiB, bootType: 'esp' }, { boot: MiB, partitions: [] }, 'x');
    const b = layoutDisk({ table: 'gpt', align: MiB, bootType: 'esp' }, { boot: MiB, partitions: [] }, 'x');
    const c = layoutDisk({ table: 'gpt', align: MiB, bootType: 'esp' }, { boot: MiB, partitions: [] }, 'y');
    expect(a).toEqual(b);
    expect(a.labelId).not.toBe(c.labelId);
    expect(a.volumeId).not.toBe(c.volumeId);
    expect(a.labelId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });

  it('the sfdisk script names sectors, types per table, and marks the MBR boot partition active', () => {
    const l = layoutDisk(
      { table: 'mbr', align: MiB, bootType: 'boot-fat' },
      { boot: 64n * MiB, partitions: [{ size: MiB, type: 'linux' }] },
      's',
    );
    const text = sfdiskScript('mbr', l);
    expect(text).toContain('label: dos\n');
    expect(text).toContain('start=2048, size=131072, type=c, bootable\n');
    expect(text).toContain('start=133120, size=2048, type=83\n');
    const gpt = sfdiskScript(
      'gpt',
      layoutDisk({ table: 'gpt', align: MiB, bootType: 'esp' }, { boot: MiB, partitions: [] }, 's'),
    );
    expect(gpt).toContain('type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
  });

  it('the FAT partition fits its files with room and is never below the FAT32 minimum', () => {
    expect(fatSizeFor([100n], 0, MiB)).toBe(MIN_FAT_BYTES);
    const big = fatSizeFor([200n * MiB, 30n * MiB], 2, MiB);
    expect(big).toBeGreaterThan(230n * MiB);
    expect(big % MiB).toBe(0n);
  });

  it('folders come parents first; timestamps before 1980 are raised to it', () => {
    const src = { kind: 'bytes' as const, bytes: new Uint8Array() };
    expect(
      fatFolders([
        { name: 'EFI/BOOT/BOOTAA64.EFI', source: src },
        { name: 'EFI/xen/a', source: src },
        { name: 'top', source: src },
      ]),
    ).toEqual(['EFI', 'EFI/BOOT', 'EFI/xen']);
    expect(fatTimestamp(0)).toBe(FAT_EPOCH);
    expect(fatTimestamp(1_700_000_000)).toBe(1_700_000_000);
  });
});
