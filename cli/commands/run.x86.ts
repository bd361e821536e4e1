// `dombuild run` on an x86_64 board: Xen reads no device tree there, so the boot is the module
// list builder/x86 emits (the one grub.cfg and xen.cfg print) handed to QEMU's multiboot loader,
// with the cached Debian Xen 4.17 amd64 when the config names no Xen. Here the config's own dom0
// is judged by what it prints (--expect dom0=...); without that flag run.toolstack.ts boots a dom0
// with Xen's toolstack instead, as on Arm.
import { existsSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Board } from '../../boards/types.js';
import { emitX86Boot } from '../../builder/x86/emit.js';
import { qemuArgv } from '../../qemu/argv.js';
import { cacheRootFrom, xenX86Elf } from '../../qemu/assets.js';
import type { Expectation } from '../../qemu/console.js';
import { QemuError } from '../../qemu/errors.js';
import type { Config } from '../../schema/config.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';
import { finish, printDiagnostics } from '../print-diagnostics.js';
import { bootAndReport, RUN_HANDLES } from './run.boot.js';

export interface X86Run {
  args: Record<string, unknown>;
  io: CliIO;
  file: string;
  config: Config;
  board: Board;
  /** The pipeline's findings: the checks passed (or were demoted by --no-validate). */
  diagnostics: Diagnostic[];
  extra: ReadonlyMap<string, string | RegExp>;
  timeout: number;
}

/** The Xen releases cached for x86_64 (scripts/setup-system.sh): Debian ships 4.17 amd64 in bookworm. */
const X86_CACHED = new Set(['4.17']);

export async function runX86(r: X86Run): Promise<number> {
  const { args, io, file, config, board, diagnostics } = r;
  if (typeof args.method === 'string' && args.method !== 'direct')
    throw new UsageError(`--method ${args.method}: x86 boots through QEMU's multiboot loader only (direct)`);
  if (!config.dom0) throw new UsageError('an x86 system boots a dom0; the config has none');

  const configDir = dirname(file);
  let xenFile: string | undefined;
  if (config.xen.image?.kind === 'file') {
    const p = config.xen.image.path;
    xenFile = isAbsolute(p) ? p : resolve(configDir, p);
  } else {
    if (!X86_CACHED.has(config.xen.release))
      throw new UsageError(
        `no Xen ${config.xen.release} for x86_64 in the cache (Debian's bookworm has 4.17)`,
      );
    try {
      xenFile = xenX86Elf(cacheRootFrom(io.env, io.env.HOME ?? homedir()));
    } catch (e) {
      if (!(e instanceof QemuError)) throw e;
      throw new UsageError(`no Xen 4.17 for x86_64: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
    }
    io.stderr(`dombuild: using Xen ${xenFile}\n`);
  }
  const emitted = emitX86Boot(config, undefined, { configDir, xenFile, diagnostics });
  if (diagnostics.some((d) => d.severity === 'error') || !emitted.qemu) return finish(io, diagnostics);
  printDiagnostics(
    io,
    diagnostics.filter((d) => !RUN_HANDLES.has(d.id)),
  );
  const q = emitted.qemu;
  for (const m of q.modules)
    if (!existsSync(m.file)) throw new UsageError(`cannot read ${m.file} (ENOENT), a module of dom0`);

  const expectations: Expectation[] = [];
  for (const name of r.extra.keys())
    if (name !== 'dom0') throw new UsageError(`--expect ${name}: an x86 system boots only dom0`);
  const match = r.extra.get('dom0');
  if (match === undefined)
    throw new UsageError('nothing to wait for from dom0: give --expect dom0=TEXT (what it prints when up)');
  expectations.push({ domain: 'dom0', match, domid: 0 });

  const memory = board.ram.reduce((sum, bank) => sum + bank.size, 0n);
  const command = qemuArgv({
    method: 'multiboot',
    machine: { arch: 'x86_64', memoryMiB: Number(memory >> 20n), cpus: Math.max(1, board.cpus.length) },
    xen: q.kernel,
    xenCmdline: q.append,
    modules: q.modules,
  });
  const work = mkdtempSync(join(tmpdir(), 'dombuild-run-'));
  return bootAndReport({
    io,
    args,
    file,
    label: 'multiboot',
    command,
    expectations,
    work,
    timeout: r.timeout,
    uboot: false,
  });
}
