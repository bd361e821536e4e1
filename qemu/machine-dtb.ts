// QEMU generates the virt machine's device tree at start-up from -m, -smp and the GIC version.
// A system.dtb for a direct boot must start from exactly that tree, so it is dumped with the same
// machine flags the run will use.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { type ArmMachine, dumpDtbArgv } from './argv.js';
import { QemuError } from './errors.js';

/** Writes QEMU's own tree for `machine` to `outFile` and returns its bytes. */
export async function dumpMachineDtb(machine: ArmMachine, outFile: string): Promise<Uint8Array> {
  const { command, args } = dumpDtbArgv(machine, outFile);
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new QemuError(
          'SPAWN',
          e.code === 'ENOENT' ? 'not found on PATH' : e.message,
          command,
          'run scripts/setup-system.sh to install QEMU',
        ),
      );
    });
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c, stderr: err });
    });
  });
  if (code !== 0) {
    throw new QemuError('SPAWN', `dumpdtb failed (exit ${code}): ${stderr.trim()}`, command);
  }
  return new Uint8Array(await readFile(outFile));
}
