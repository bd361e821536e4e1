// What goes where on a disk image, decided without touching a disk: partition starts and sizes,
// the sfdisk script that writes the table, the FAT file system's parameters. Pure, so the
// arithmetic is tested on its own; make-disk.ts runs the tools on the result.
import { createHash } from 'node:crypto';

export const SECTOR = 512n;
const MiB = 1n << 20n;
/** A FAT32 file system needs 65525 clusters; at 512-byte clusters that is ~33 MiB, so 64M is safe. */
export const MIN_FAT_BYTES = 64n * MiB;

/** A file in the FAT boot partition: its bytes, or a file on disk that mcopy reads itself. */
export type FatSource = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'file'; path: string };

export interface FatEntry {
  /** Path inside the partition, `/`-separated, no leading slash (e.g. `EFI/BOOT/BOOTAA64.EFI`). */
  name: string;
  source: FatSource;
  /** The config field this file comes from, for diagnostics. */
  configPath?: string;
}

export type PartitionType = 'boot-fat' | 'esp' | 'linux' | 'fat' | 'swap' | 'raw';

export interface MediaPartition {
  /** An image file written as the partition's content. */
  image: string;
  /** Requested size in bytes (the image's own size when absent). */
  size?: bigint;
  type: PartitionType;
  name?: string;
  configPath: string;
}

/** What buildSystem asks the media stage to make. */
export interface DiskRequest {
  /** The output file name (disk.img, efi.img). */
  output: string;
  table: 'mbr' | 'gpt';
  align: bigint;
  /** The FAT partition's size; computed from its content when absent. */
  bootSize?: bigint;
  /** `esp` for an EFI system partition, `boot-fat` for a U-Boot boot partition. */
  bootType: 'boot-fat' | 'esp';
  /** FAT volume label, up to 11 characters. */
  label: string;
  files: FatEntry[];
  partitions: MediaPartition[];
  /** Seconds since the epoch for every FAT timestamp (SOURCE_DATE_EPOCH). */
  timestamp: number;
}

export interface PlacedPartition {
  start: bigint;
  size: bigint;
  type: PartitionType;
  name?: string;
  /** GPT partition UUID (derived, so two builds agree). */
  uuid: string;
}

export interface DiskLayout {
  total: bigint;
  partitions: PlacedPartition[];
  /** MBR disk signature (0x…) or GPT disk GUID. */
  labelId: string;
  /** FAT volume id, 8 hex digits. */
  volumeId: string;
}

// Partition type codes as sfdisk reads them, per table kind.
const MBR_TYPES: Record<PartitionType, string> = {
  'boot-fat': 'c',
  esp: 'ef',
  fat: 'c',
  linux: '83',
  swap: '82',
  raw: 'da',
};
const GPT_TYPES: Record<PartitionType, string> = {
  'boot-fat': 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
  esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  fat: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
  linux: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
  swap: '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F',
  raw: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
};

export const roundUp = (v: bigint, a: bigint) => ((v + a - 1n) / a) * a;

/**
 * The FAT partition's size for files of these sizes: each file rounded to a 4 KiB cluster, a
 * directory cluster per folder, the FATs themselves (4 bytes a cluster, two copies), 10% room,
 * and never below MIN_FAT_BYTES so mkfs.vfat can make FAT32.
 */
export function fatSizeFor(fileSizes: readonly bigint[], folders: number, align: bigint): bigint {
  const cluster = 4096n;
  let data = BigInt(folders + 1) * cluster;
  for (const s of fileSizes) data += roundUp(s, cluster);
  const fats = 2n * 4n * (data / 512n);
  const want = data + fats + 1n * MiB;
  const withRoom = want + want / 10n;
  const size = withRoom < MIN_FAT_BYTES ? MIN_FAT_BYTES : withRoom;
  return roundUp(size, align);
}

/** The folders the FAT entries need, parents first. */
export function fatFolders(files: readonly FatEntry[]): string[] {
  const out = new Set<string>();
  for (const f of files) {
    const parts = f.name.split('/');
    for (let i = 1; i < parts.length; i++) out.add(parts.slice(0, i).join('/'));
  }
  return [...out].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
}

/**
 * Places the partitions: the first at `align` (never below 1 MiB, where a GPT's entries end and
 * SD cards want their first erase block), each following one at the next aligned offset; a GPT
 * disk keeps one aligned unit at the end for its backup header.
 */
export function layoutDisk(
  req: Pick<DiskRequest, 'table' | 'align' | 'bootType'>,
  sizes: { boot: bigint; partitions: readonly { size: bigint; type: PartitionType; name?: string }[] },
  seed: string,
): DiskLayout {
  const align = req.align;
  let at = roundUp(MiB > align ? MiB : align, align);
  const partitions: PlacedPartition[] = [];
  const hash = (what: string) => createHash('sha256').update(`${seed}\0${what}`).digest('hex');
  const uuid = (what: string) => {
    // A version-4-shaped UUID from a hash: stable for the same input, distinct across systems.
    const h = hash(what);
    const v = ((Number.parseInt(h[16] as string, 16) & 3) | 8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
  };
  const all = [{ size: sizes.boot, type: req.bootType as PartitionType }, ...sizes.partitions];
  all.forEach((p, i) => {
    const size = roundUp(p.size, align);
    const placed: PlacedPartition = { start: at, size, type: p.type, uuid: uuid(`part${i}`) };
    if ('name' in p && p.name !== undefined) placed.name = p.name;
    partitions.push(placed);
    at += size;
  });
  const tail = req.table === 'gpt' ? roundUp(33n * SECTOR, align) : 0n;
  return {
    total: at + tail,
    partitions,
    labelId: req.table === 'gpt' ? uuid('disk') : `0x${hash('disk').slice(0, 8)}`,
    volumeId: hash('volume').slice(0, 8),
  };
}

/** The sfdisk script that writes the table (sector units; sfdisk --json reads the same back). */
export function sfdiskScript(table: 'mbr' | 'gpt', layout: DiskLayout): string {
  const lines = [`label: ${table === 'gpt' ? 'gpt' : 'dos'}`, `label-id: ${layout.labelId}`, 'unit: sectors'];
  if (table === 'gpt') lines.push('first-lba: 2048');
  layout.partitions.forEach((p, i) => {
    const fields = [`start=${p.start / SECTOR}`, `size=${p.size / SECTOR}`];
    if (table === 'gpt') {
      fields.push(`type=${GPT_TYPES[p.type]}`, `uuid=${p.uuid}`);
      if (p.name !== undefined) fields.push(`name="${p.name}"`);
    } else {
      fields.push(`type=${MBR_TYPES[p.type]}`);
      // The boot partition is marked active: some ROMs and U-Boot's distro boot look for it.
      if (i === 0) fields.push('bootable');
    }
    lines.push(fields.join(', '));
  });
  return `${lines.join('\n')}\n`;
}

/** FAT timestamps cannot go before 1980; an earlier SOURCE_DATE_EPOCH (0 by default) is raised to it. */
export const FAT_EPOCH = 315532800;
export function fatTimestamp(seconds: number): number {
  return seconds < FAT_EPOCH ? FAT_EPOCH : seconds;
}
