// The external tools that make disk.img and efi.img (mkfs.vfat, mmd, mcopy, sfdisk), behind one
// small interface: the media emitter says what to run, the caller decides how. The host runner
// is given its PATH and scratch folder by the CLI, so nothing here reads the environment, and
// every child gets a fixed environment (UTC, C locale, no user mtools config) so that two runs
// on two machines write the same bytes.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export interface ToolRun {
  /** Exit status; null when the tool could not be started (`missing`) or was killed. */
  status: number | null;
  stdout: string;
  stderr: string;
  /** The command does not exist on PATH. */
  missing?: boolean;
}

export interface MediaTools {
  run(
    command: string,
    args: readonly string[],
    options?: { input?: string; env?: Readonly<Record<string, string>> },
  ): Promise<ToolRun>;
  /** A fresh private folder for intermediate files, and its removal. */
  scratch(): Promise<{ dir: string; remove(): Promise<void> }>;
}

/** The tools each image needs, with the Debian package that ships them. */
export const MEDIA_TOOLS = [
  { command: 'mkfs.vfat', package: 'dosfstools' },
  { command: 'mmd', package: 'mtools' },
  { command: 'mcopy', package: 'mtools' },
  { command: 'sfdisk', package: 'fdisk' },
] as const;

/**
 * Debian installs mkfs.vfat and sfdisk in /usr/sbin, which is not on a normal user's PATH; they
 * need no privilege on a plain file, so they are looked for there too.
 */
export const SBIN = ['/usr/sbin', '/sbin'];

export interface HostToolsOptions {
  /** PATH to find the tools in. */
  path: string;
  /** Where scratch folders are made (the system's temp folder). */
  tmpDir: string;
}

export function hostMediaTools(opts: HostToolsOptions): MediaTools {
  return {
    run: (command, args, options = {}) =>
      new Promise((resolve) => {
        // MTOOLSRC keeps the user's ~/.mtoolsrc out; MTOOLS_SKIP_CHECK lets mtools accept a file
        // system whose geometry is not a floppy's.
        const env = {
          PATH: [opts.path, ...SBIN].filter(Boolean).join(delimiter),
          MTOOLSRC: '/dev/null',
          TZ: 'UTC',
          LC_ALL: 'C',
          MTOOLS_SKIP_CHECK: '1',
          ...options.env,
        };
        const child = spawn(command, [...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          stdout += d;
        });
        child.stderr.setEncoding('utf8').on('data', (d: string) => {
          stderr += d;
        });
        child.on('error', (e: NodeJS.ErrnoException) =>
          resolve({ status: null, stdout, stderr: e.message, missing: e.code === 'ENOENT' }),
        );
        child.on('close', (status) => resolve({ status, stdout, stderr }));
        child.stdin.on('error', () => {
          // a tool that exits before reading its input reports through its status
        });
        child.stdin.end(options.input ?? '');
      }),
    scratch: async () => {
      const dir = await mkdtemp(join(opts.tmpDir, 'dombuild-media-'));
      return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
    },
  };
}
