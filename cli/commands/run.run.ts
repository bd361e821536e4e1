// `dombuild run`: build the config into a temp folder (with the cached Debian Xen when the config
// names none), boot it under QEMU — direct or through U-Boot — and judge each domain by what it
// prints. Exit 0 only when every watched domain came up; otherwise 1 with the domain and reason.
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Board } from '../../boards/types.js';
import { writeArtifacts } from '../../builder/artifacts.js';
import { OUTPUT_FILES } from '../../builder/emit-system.js';
import { hostMediaTools } from '../../builder/media/index.js';
import { runPipeline } from '../../builder/pipeline/index.js';
import { type BootSpec, qemuArgv } from '../../qemu/argv.js';
import { cacheRootFrom, locateAsset, xenAssetId } from '../../qemu/assets.js';
import type { Expectation } from '../../qemu/console.js';
import { toolstackDom0Kernel } from '../../qemu/dom0/index.js';
import { QemuError } from '../../qemu/errors.js';
import {
  directBootSpec,
  diskBootSpec,
  domainExpectations,
  efiBootSpec,
  prepareTftpRoot,
} from '../../qemu/system.js';
import type { Config } from '../../schema/config.js';
import { isXenRelease } from '../../schema/releases.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';
import { boardQuery, NO_VALIDATE_WARNING, readConfigFile, skipsValidation } from '../pipeline-args.js';
import { finish, printDiagnostics } from '../print-diagnostics.js';
import { checkBoardFlag } from './board-flag.js';
import { usageFromArtifacts } from './build.output.js';
import { bootAndReport, RUN_HANDLES } from './run.boot.js';

function parseExpect(list: unknown): Map<string, string | RegExp> {
  const out = new Map<string, string | RegExp>();
  for (const item of Array.isArray(list) ? list : []) {
    const s = String(item);
    const eq = s.indexOf('=');
    if (eq < 1) throw new UsageError(`--expect ${s}: write DOMAIN=TEXT or DOMAIN=/REGEX/`);
    const name = s.slice(0, eq);
    const what = s.slice(eq + 1);
    const re = /^\/(.+)\/([imsu]*)$/.exec(what);
    try {
      out.set(name, re ? new RegExp(re[1] as string, re[2]) : what);
    } catch (e) {
      throw new UsageError(`--expect ${s}: ${(e as Error).message}`);
    }
  }
  return out;
}

export async function runRun(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const file = resolve(io.cwd, String(args.config));
  const timeout = Number(args.timeout ?? 120);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 3600)
    throw new UsageError('--timeout must be 1..3600 seconds');
  const extra = parseExpect(args.expect);
  // disk: U-Boot again, but from disk.img alone; the config's plan is U-Boot's (runConfig).
  // efi (--method efi or the config's boot.method): EDK2 from efi.img alone. Either way the
  // medium is all QEMU is given.
  const disk = args.method === 'disk';
  let efi = false;
  // A dom0 runs Xen's toolstack (run.toolstack.ts) unless --expect dom0 says the config's own
  // dom0 is to be judged by what it prints (on x86 then run.x86.ts boots it as it is).
  let toolstack = false;
  const input = await readConfigFile(file);
  // The output folder is the TFTP root: the script names every file relative to it. Made only
  // once the checks passed, and removed again whatever happens unless the run keeps it.
  let work: string | undefined;
  const r = await runPipeline({
    ...input,
    cwd: io.cwd,
    board: { ...boardQuery(args, io), qemu: 'auto' },
    until: 'emit',
    levels: new Map([['image-missing', 'error']]),
    unchecked: skipsValidation(args),
    hash: true,
    onBoard: (b) => checkBoardFlag(args, b.diagnostics),
    onEvent: (e) => {
      if (e.kind === 'unchecked') io.stderr(NO_VALIDATE_WARNING);
      else if (e.kind === 'kconfig')
        io.stderr(`dombuild: checking against the Xen build's Kconfig ${e.path}\n`);
    },
    adjust: (config, board) => {
      const out = runConfig(config, board, args, io);
      toolstack =
        (board.arch === 'arm64' || board.arch === 'x86_64') && out.dom0 !== undefined && !extra.has('dom0');
      return toolstack ? withToolstackDom0(out, board, io) : out;
    },
    outputs: (config, board) => {
      // x86: run.x86.ts boots the module list; a toolstack dom0: run.toolstack.ts builds twice.
      if (board.arch !== 'arm64' || toolstack) return undefined;
      work = mkdtempSync(join(tmpdir(), 'dombuild-run-'));
      const outDir = join(work, 'out');
      efi = config.boot.method === 'efi';
      return {
        hashImages: true,
        readImageBytes: false,
        bootRoot: outDir,
        outDir,
        only: new Set(
          disk
            ? ['dtb', 'disk']
            : efi
              ? ['dtb', 'efi']
              : config.boot.method === 'uboot'
                ? ['dtb', 'uboot']
                : ['dtb'],
        ),
        dynamic: false,
        timestamp: 0,
        ...(disk || efi ? { mediaTools: hostMediaTools({ path: io.env.PATH ?? '', tmpDir: tmpdir() }) } : {}),
      };
    },
  });
  const config = r.config;
  if (config && r.board?.arch === 'x86_64' && !toolstack && r.reached === 'plan') {
    const { runX86 } = await import('./run.x86.js');
    return runX86({ args, io, file, config, board: r.board, diagnostics: r.diagnostics, extra, timeout });
  }
  if (config && toolstack && r.reached === 'plan') {
    printDiagnostics(
      io,
      r.diagnostics.filter((d) => !RUN_HANDLES.has(d.id)),
    );
    const { runToolstack } = await import('./run.toolstack.js');
    const arch = r.board?.arch === 'x86_64' ? 'amd64' : 'arm64';
    return runToolstack({ args, io, file, text: input.text, config, extra, timeout, arch });
  }
  const built = r.built;
  if (!config || !r.plan || !r.board || !built || r.reached !== 'emit' || work === undefined) {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
    return finish(io, r.diagnostics);
  }
  const outDir = join(work, 'out');
  printDiagnostics(
    io,
    r.diagnostics.filter((d) => !RUN_HANDLES.has(d.id)),
  );
  try {
    await writeArtifacts(built.files, outDir);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw usageFromArtifacts(e);
  }

  let expectations: Expectation[];
  let spec: BootSpec;
  try {
    const found = domainExpectations(config, built.files.get(OUTPUT_FILES.systemDtb) as Uint8Array, extra);
    if (found.unwatched.length > 0) {
      throw new UsageError(
        `nothing to wait for from ${found.unwatched.join(', ')}: give --expect ${found.unwatched[0]}=TEXT (what it prints when up)`,
      );
    }
    expectations = found.expectations;
    spec = disk
      ? diskBootSpec(r.board, r.plan, outDir)
      : efi
        ? efiBootSpec(r.board, outDir)
        : config.boot.method === 'direct'
          ? directBootSpec(r.board, r.plan, outDir)
          : prepareTftpRoot(r.board, r.plan, outDir);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    if (e instanceof QemuError) throw new UsageError(`${e.message}${e.hint ? ` (${e.hint})` : ''}`);
    throw e;
  }
  return bootAndReport({
    io,
    args,
    file,
    label: disk ? 'disk' : config.boot.method,
    command: qemuArgv(spec),
    expectations,
    work,
    timeout,
    uboot: !disk && config.boot.method === 'uboot',
  });
}

/**
 * What the checks see of a toolstack run: dom0 runs Debian's cached kernel (the initramfs carries
 * that kernel's Xen drivers) with dombuild's toolstack initramfs, which is made only at boot.
 */
function withToolstackDom0(config: Config, board: Board, io: CliIO): Config {
  if (!config.dom0) return config;
  let kernel: string;
  try {
    const cacheRoot = cacheRootFrom(io.env, io.env.HOME ?? homedir());
    kernel = toolstackDom0Kernel(cacheRoot, board.arch === 'x86_64' ? 'amd64' : 'arm64');
  } catch (e) {
    if (!(e instanceof QemuError)) throw e;
    throw new UsageError(
      `no Linux kernel for the toolstack dom0: ${e.message}${e.hint ? ` (${e.hint})` : ''}`,
    );
  }
  const { ramdisk: _dropped, ...dom0 } = config.dom0;
  return { ...config, dom0: { ...dom0, kernel: { kind: 'file', path: kernel } } };
}

/**
 * The config run boots: --xen-release, and on Arm the boot method (--method, else the config's)
 * and, when the config names no Xen, Debian's build of its release from the cache.
 */
function runConfig(config: Config, board: Board, args: Record<string, unknown>, io: CliIO): Config {
  let out = config;
  if (args.xenRelease !== undefined) {
    const release = String(args.xenRelease);
    if (!isXenRelease(release))
      throw new UsageError(`--xen-release ${release}: not a Xen release dombuild knows`);
    out = { ...out, xen: { ...out.xen, release } };
  }
  if (board.arch === 'x86_64') return out;
  if (board.arch !== 'arm64')
    throw new UsageError(`run boots arm64 and x86_64 boards; ${board.name} is ${board.arch}`);
  let method = (typeof args.method === 'string' ? args.method : out.boot.method) as string;
  if (method === 'disk') method = 'uboot';
  if (method !== 'direct' && method !== 'uboot' && method !== 'efi')
    throw new UsageError(`run boots with direct, uboot, disk or efi, not ${method}`);
  out = { ...out, boot: { ...out.boot, method } };
  const needs = board.qemu?.xenOptions;
  if (needs && !out.xen.cmdline.split(/\s+/).includes(needs)) {
    // What the emulated machine needs of Xen (board.qemu.xenOptions), said where it is added.
    io.stderr(`dombuild: adding "${needs}" to Xen's command line for QEMU's ${board.name} model\n`);
    out = { ...out, xen: { ...out.xen, cmdline: `${out.xen.cmdline} ${needs}`.trim() } };
  }
  if (!out.xen.image) {
    // The Debian build of the config's release, as scripts/setup-system.sh caches it, judged by
    // that build's own .config: a config's xen.kconfig describes some other build of Xen.
    const cacheRoot = cacheRootFrom(io.env, io.env.HOME ?? homedir());
    let xen: ReturnType<typeof locateAsset>;
    try {
      xen = locateAsset(cacheRoot, xenAssetId(out.xen.release as '4.17' | '4.20', 'arm64'));
    } catch (e) {
      if (!(e instanceof QemuError)) throw e;
      throw new UsageError(
        `no Xen ${out.xen.release} for arm64: ${e.message}${e.hint ? ` (${e.hint})` : ''}`,
      );
    }
    out = { ...out, xen: { ...out.xen, image: { kind: 'file', path: xen.path } } };
    if (xen.configPath) out = { ...out, xen: { ...out.xen, kconfig: xen.configPath } };
    io.stderr(
      `dombuild: using Xen ${xen.path}${xen.configPath ? ` and its Kconfig ${xen.configPath}` : ''}\n`,
    );
  }
  return out;
}
