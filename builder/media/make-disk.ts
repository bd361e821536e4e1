// A DiskRequest made into a disk image with Debian's tools, without root, loop devices or
// mounting: mkfs.vfat writes the FAT file system into a file, mtools (mmd, mcopy) fill it,
// sfdisk writes the partition table into the disk file, and the partitions' bytes are copied to
// their offsets. Volume ids come from the layout and every timestamp from the request, so the
// same request always gives the same bytes.
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../../schema/diagnostic.js';
import {
  type DiskRequest,
  fatFolders,
  fatSizeFor,
  fatTimestamp,
  layoutDisk,
  type PartitionType,
  roundUp,
  sfdiskScript,
} from './layout.js';
import { MEDIA_TOOLS, type MediaTools, type ToolRun } from './tools.js';

export interface DiskResult {
  bytes?: Uint8Array;
  diagnostics: Diagnostic[];
}

const INSTALL_HINT = `install ${[...new Set(MEDIA_TOOLS.map((t) => t.package))].join(', ')} (scripts/setup-system.sh)`;

class ToolFailure extends Error {}

export async function makeDisk(req: DiskRequest, tools: MediaTools): Promise<DiskResult> {
  const diagnostics: Diagnostic[] = [];
  const fail = (id: string, message: string, path: string, hint?: string): DiskResult => {
    diagnostics.push({ id, severity: 'error', message, path, ...(hint ? { hint } : {}) });
    return { diagnostics };
  };

  // Sizes first: every problem with the inputs is reported before any tool runs.
  const fileSizes: bigint[] = [];
  for (const f of req.files) {
    if (f.source.kind === 'bytes') fileSizes.push(BigInt(f.source.bytes.length));
    else {
      const st = await stat(f.source.path).catch(() => undefined);
      if (!st?.isFile())
        return fail(
          'media-file-unreadable',
          `${req.output}: cannot read ${f.source.path} for /${f.name}`,
          f.configPath ?? '',
        );
      fileSizes.push(BigInt(st.size));
    }
  }
  const folders = fatFolders(req.files);
  const needed = fatSizeFor(fileSizes, folders.length, req.align);
  const bootSize = req.bootSize ?? needed;
  if (bootSize < needed)
    return fail(
      'media-boot-too-small',
      `${req.output}: the boot partition holds ${fileSizes.reduce((a, b) => a + b, 0n)} bytes of files and needs ${needed} bytes; media.bootSize is ${bootSize}`,
      'media.bootSize',
      `raise media.bootSize to ${needed / (1n << 20n) + 1n}M or leave it out`,
    );
  const parts: { size: bigint; type: PartitionType; name?: string; image: string }[] = [];
  for (const p of req.partitions) {
    const st = await stat(p.image).catch(() => undefined);
    if (!st?.isFile())
      return fail('media-file-unreadable', `cannot read ${p.image}`, `${p.configPath}.image`);
    const size = p.size ?? roundUp(BigInt(st.size), req.align);
    if (BigInt(st.size) > size)
      return fail(
        'media-partition-too-small',
        `${p.image} is ${st.size} bytes; its partition is ${size}`,
        `${p.configPath}.size`,
      );
    parts.push({ size, type: p.type, image: p.image, ...(p.name !== undefined ? { name: p.name } : {}) });
  }
  if (req.table === 'mbr' && parts.length > 3)
    return fail(
      'media-mbr-partitions',
      `an MBR table has 4 primary partitions: the boot partition and at most 3 more (${parts.length} given)`,
      'media.partitions',
      'use media.table: gpt',
    );

  const seed = JSON.stringify({
    output: req.output,
    files: req.files.map((f, i) => [f.name, String(fileSizes[i])]),
    parts: parts.map((p) => [p.type, String(p.size), p.name ?? '']),
  });
  const layout = layoutDisk(req, { boot: bootSize, partitions: parts }, seed);
  const scratch = await tools.scratch();
  try {
    const run = async (cmd: string, args: string[], input?: string): Promise<ToolRun> => {
      const r = await tools.run(cmd, args, {
        ...(input !== undefined ? { input } : {}),
        env: { SOURCE_DATE_EPOCH: String(fatTimestamp(req.timestamp)) },
      });
      if (r.missing) {
        fail('media-tool-missing', `${cmd} is not installed; ${req.output} cannot be made`, '', INSTALL_HINT);
        throw new ToolFailure();
      }
      if (r.status !== 0) {
        fail(
          'media-tool-failed',
          `${cmd} ${args.join(' ')} failed (${r.status ?? 'killed'}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`,
          '',
        );
        throw new ToolFailure();
      }
      return r;
    };

    // The FAT file system, in a file of its own. --invariant fixes what mkfs.vfat would take
    // from the clock; -i sets the volume id it would draw at random.
    const fat = join(scratch.dir, 'boot.fat');
    await run('mkfs.vfat', [
      '--invariant',
      '-C',
      '-F',
      '32',
      '-i',
      layout.volumeId,
      '-n',
      req.label,
      fat,
      String(bootSize / 1024n),
    ]);
    for (const d of folders) await run('mmd', ['-i', fat, `::/${d}`]);
    let n = 0;
    for (const f of req.files) {
      let src: string;
      if (f.source.kind === 'bytes') {
        src = join(scratch.dir, `in-${n++}`);
        await writeFile(src, f.source.bytes);
      } else src = f.source.path;
      // Without -m mcopy stamps the file with SOURCE_DATE_EPOCH, not the source's mtime.
      await run('mcopy', ['-i', fat, src, `::/${f.name}`]);
    }

    // The disk: a sparse file of the full size, the table, then each partition at its offset.
    const disk = join(scratch.dir, req.output);
    await writeFile(disk, new Uint8Array(0));
    const h = await open(disk, 'r+');
    try {
      await h.truncate(Number(layout.total));
    } finally {
      await h.close();
    }
    await run(
      'sfdisk',
      ['--no-reread', '--no-tell-kernel', '--wipe', 'never', disk],
      sfdiskScript(req.table, layout),
    );
    const sources = [fat, ...parts.map((p) => p.image)];
    const out = await open(disk, 'r+');
    try {
      for (const [i, p] of layout.partitions.entries()) {
        const bytes = await readFile(sources[i] as string);
        await out.write(bytes, 0, bytes.length, Number(p.start));
      }
    } finally {
      await out.close();
    }
    return { bytes: new Uint8Array(await readFile(disk)), diagnostics };
  } catch (e) {
    if (e instanceof ToolFailure) return { diagnostics };
    throw e;
  } finally {
    await scratch.remove();
  }
}
