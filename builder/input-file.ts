// Reading an input the user named (the config, a Kconfig, an image) without trusting what it is:
// a FIFO or a device is refused by its real kind before anything blocks or streams forever, and a
// file is read to at most `cap + 1` bytes, so an oversized one is known to be oversized without
// reading it all (`validate /dev/urandom` used to read 1.1 GiB before failing).
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export type FileKind =
  | 'regular file'
  | 'directory'
  | 'FIFO'
  | 'character device'
  | 'block device'
  | 'socket'
  | 'symbolic link'
  | 'special file';

export function kindOf(
  s: Pick<
    Stats,
    | 'isFile'
    | 'isDirectory'
    | 'isFIFO'
    | 'isCharacterDevice'
    | 'isBlockDevice'
    | 'isSocket'
    | 'isSymbolicLink'
  >,
): FileKind {
  if (s.isFile()) return 'regular file';
  if (s.isDirectory()) return 'directory';
  if (s.isFIFO()) return 'FIFO';
  if (s.isCharacterDevice()) return 'character device';
  if (s.isBlockDevice()) return 'block device';
  if (s.isSocket()) return 'socket';
  if (s.isSymbolicLink()) return 'symbolic link';
  return 'special file';
}

/** Why an input could not be read: an errno code from the OS, or the kind of thing it is instead. */
export class InputFileError extends Error {
  constructor(
    readonly path: string,
    /** ENOENT, EACCES…, or `not-a-file` when the path is something other than a regular file. */
    readonly code: string,
    readonly kind?: FileKind,
  ) {
    super(kind ? `${path} is a ${kind}, not a regular file` : `cannot read ${path} (${code})`);
    this.name = 'InputFileError';
  }

  /** The reason alone, for messages that name the file themselves. */
  get reason(): string {
    return this.kind ? `it is a ${this.kind}, not a regular file` : this.code;
  }
}

/**
 * A regular file's bytes, at most `cap + 1` of them: `truncated` says there were more. Opened
 * non-blocking so a FIFO without a writer is refused instead of waited on.
 */
export async function readRegularFile(
  path: string,
  cap: number,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new InputFileError(path, (e as NodeJS.ErrnoException).code ?? 'EIO');
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new InputFileError(path, 'not-a-file', kindOf(st));
    const buf = new Uint8Array(Math.min(st.size, cap) + 1);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { bytes: buf.subarray(0, Math.min(got, cap)), truncated: got > cap };
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    throw new InputFileError(path, (e as NodeJS.ErrnoException).code ?? 'EIO');
  } finally {
    await fh.close();
  }
}
