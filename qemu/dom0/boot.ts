// Builds a system whose dom0 runs Xen's real toolstack and boots it: the first build writes the
// runtime domains' xl configs and images; they go into dombuild's toolstack initramfs, which
// becomes the dom0 ramdisk of the second build (the plan must know its size). The xl configs of the
// two builds are compared byte for byte: the dom0 carries exactly what `build` writes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeArtifacts } from '../../builder/artifacts.js';
import { OUTPUT_FILES, type OutputKind } from '../../builder/emit-system.js';
import { type PipelineResult, runPipeline } from '../../builder/pipeline/index.js';
import { emitX86Boot } from '../../builder/x86/emit.js';
import type { Config } from '../../schema/config.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import { qemuArgv } from '../argv.js';
import { locateAsset, xenAssetId, xenX86Elf } from '../assets.js';
import { QemuError } from '../errors.js';
import { type RunResult, runQemu } from '../runner.js';
import { directBootSpec, dom0lessOrder, domainExpectations } from '../system.js';
import { type Census, parseCensus } from './census.js';
import type { RuntimeDomainFiles, ToolstackArch } from './initramfs.js';
import { type Dom0Report, readDom0Records } from './records.js';
import {
  runtimeDom0Expectations,
  runtimeDomainFiles,
  type ToolstackRelease,
  toolstackDom0Initramfs,
  toolstackDom0Kernel,
} from './runtime.js';
import { judgeToolstackRun, type ToolstackVerdict } from './verdicts.js';

export interface ToolstackBootInput {
  /** The config's text and where it came from. */
  text: string;
  file: string;
  configDir: string;
  release: ToolstackRelease;
  cacheRoot: string;
  /** An empty scratch folder: both builds and the initramfs go here. */
  workDir: string;
  timeoutMs: number;
  /** The dom0's architecture: arm64 (QEMU virt, direct boot) or amd64 (q35, multiboot). */
  arch?: ToolstackArch;
  /** PATH to find QEMU (the board's tree is dumped with it). */
  path: string;
  /** Rewrites an xl config after the build wrote it (a test's wrong encoding). */
  tamperXl?: (domain: string, text: string) => string;
  /** What boot-time domains that are not probes print when up, by domain (as `run --expect`). */
  expect?: ReadonlyMap<string, string | RegExp>;
  /** What each runtime guest that is not a probe prints when up (grep BRE), by domain. */
  waitFor?: Readonly<Record<string, string>>;
  /** Wraps QEMU's command (e.g. so it dies with the test process). */
  wrap?: (cmd: { command: string; args: string[] }) => { command: string; args: string[] };
  signal?: AbortSignal;
}

export interface ToolstackBootResult {
  config: Config;
  run: RunResult;
  dom0: Dom0Report;
  outDir: string;
  /** Boot-time domains in Xen's domid order (for compareCensus). */
  bootOrder: string[];
  /** Xen's census as the dom0 read it, and the judgement of it against the config. */
  census: Census;
  verdict: ToolstackVerdict;
}

export class ToolstackBuildError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(
      `the build failed: ${diagnostics
        .filter((d) => d.severity === 'error')
        .map((d) => `${d.id}: ${d.message}`)
        .join('; ')}`,
    );
  }
}

async function build(
  input: ToolstackBootInput,
  outDir: string,
  dom0Ramdisk: string,
  only: OutputKind[],
): Promise<PipelineResult & { config: Config }> {
  const x86 = input.arch === 'amd64';
  // x86: Debian ships Xen gzipped; QEMU's multiboot loader takes the ELF.
  const xen = x86
    ? xenX86Elf(input.cacheRoot)
    : locateAsset(input.cacheRoot, xenAssetId(input.release, 'arm64')).path;
  const kernel = toolstackDom0Kernel(input.cacheRoot, x86 ? 'amd64' : 'arm64');
  const r = await runPipeline({
    text: input.text,
    file: input.file,
    configDir: input.configDir,
    cwd: input.configDir,
    board: { qemu: 'auto', path: input.path },
    until: 'emit',
    adjust: (config) => {
      if (!config.dom0) throw new QemuError('BAD_SPEC', 'a toolstack dom0 needs a dom0 in the config');
      return {
        ...config,
        xen: { ...config.xen, release: input.release, image: { kind: 'file', path: xen } },
        ...(x86 ? {} : { boot: { ...config.boot, method: 'direct' as const } }),
        dom0: {
          ...config.dom0,
          kernel: { kind: 'file', path: kernel },
          ramdisk: { kind: 'file', path: dom0Ramdisk },
        },
      };
    },
    outputs: () => ({
      hashImages: false,
      readImageBytes: false,
      bootRoot: outDir,
      outDir,
      only: new Set(only),
      dynamic: false,
      timestamp: 0,
    }),
  });
  if (!r.config || !r.built || r.reached !== 'emit') throw new ToolstackBuildError(r.diagnostics);
  const files = new Map(r.built.files);
  if (input.tamperXl) {
    for (const [name, bytes] of files) {
      const m = /^xl\/(.+)\.cfg$/.exec(name);
      if (m)
        files.set(
          name,
          new TextEncoder().encode(input.tamperXl(m[1] as string, new TextDecoder().decode(bytes))),
        );
    }
  }
  await writeArtifacts(files, outDir);
  return { ...r, config: r.config, built: { ...r.built, files } };
}

/** The dom0 carries exactly what `build` writes: both builds wrote the same xl configs. */
function sameXlConfigs(second: PipelineResult, runtime: readonly RuntimeDomainFiles[]): void {
  for (const r of runtime) {
    const again = second.built?.files.get(`xl/${r.name}.cfg`);
    if (!again || Buffer.compare(Buffer.from(again), Buffer.from(r.config)) !== 0) {
      throw new QemuError('BAD_SPEC', `the two builds wrote different xl configs for ${r.name}`);
    }
  }
}

export async function bootWithToolstack(input: ToolstackBootInput): Promise<ToolstackBootResult> {
  // Pass 1: the xl configs and runtime images, planned around a stand-in ramdisk.
  const standIn = join(input.workDir, 'dom0-standin.img');
  writeFileSync(standIn, new Uint8Array(4096));
  const first = await build(input, join(input.workDir, 'xl-pass'), standIn, ['xl']);
  const runtime = runtimeDomainFiles(
    first.config,
    input.configDir,
    join(input.workDir, 'xl-pass'),
    input.waitFor,
  );
  const initrd = join(input.workDir, 'dom0-toolstack.cpio.gz');
  writeFileSync(initrd, toolstackDom0Initramfs(input.cacheRoot, input.release, runtime, input.arch));
  if (input.arch === 'amd64') return bootX86(input, runtime, initrd);

  // Pass 2: the system that boots, with the toolstack initramfs as the dom0 ramdisk.
  const outDir = join(input.workDir, 'out');
  const second = await build(input, outDir, initrd, ['dtb', 'xl']);
  sameXlConfigs(second, runtime);
  const plan = second.plan;
  const board = second.board;
  if (!plan || !board) throw new ToolstackBuildError(second.diagnostics);
  const systemDtb = second.built?.files.get(OUTPUT_FILES.systemDtb) as Uint8Array;
  const boot = domainExpectations(second.config, systemDtb, new Map(input.expect ?? []));
  const expectations = [
    ...boot.expectations.filter((e) => e.domain !== 'dom0'),
    ...runtimeDom0Expectations(),
  ];
  const command = qemuArgv(directBootSpec(board, plan, outDir));
  const opts: Parameters<typeof runQemu>[0] = {
    command: input.wrap ? input.wrap(command) : command,
    expectations,
    timeoutMs: input.timeoutMs,
    firstOutputTimeoutMs: 30_000,
  };
  if (input.signal) opts.signal = input.signal;
  const run = await runQemu(opts);
  const dom0 = readDom0Records(run.console.split('\n'));
  const census = parseCensus(dom0.records);
  const bootOrder = dom0lessOrder(systemDtb);
  return {
    config: second.config,
    run,
    dom0,
    outDir,
    bootOrder,
    census,
    verdict: judgeToolstackRun(second.config, dom0, census, bootOrder),
  };
}

/**
 * x86: Xen builds no domain at boot there, so dom0 is the only boot-time domain and every other
 * one is xl's. The boot is the module list builder/x86 emits, through QEMU's multiboot loader, on
 * a CPU with SVM and nested paging so that Xen can build the PVH and HVM guests xl creates.
 */
async function bootX86(
  input: ToolstackBootInput,
  runtime: readonly RuntimeDomainFiles[],
  initrd: string,
): Promise<ToolstackBootResult> {
  const outDir = join(input.workDir, 'out');
  const second = await build(input, outDir, initrd, ['xl']);
  sameXlConfigs(second, runtime);
  const board = second.board;
  if (!board) throw new ToolstackBuildError(second.diagnostics);
  const diagnostics: Diagnostic[] = [];
  const emitted = emitX86Boot(second.config, undefined, {
    configDir: input.configDir,
    xenFile: second.config.xen.image?.kind === 'file' ? second.config.xen.image.path : '',
    diagnostics,
  });
  if (!emitted.qemu || diagnostics.some((d) => d.severity === 'error'))
    throw new ToolstackBuildError(diagnostics);
  const memory = board.ram.reduce((sum, bank) => sum + bank.size, 0n);
  const command = qemuArgv({
    method: 'multiboot',
    machine: {
      arch: 'x86_64',
      memoryMiB: Number(memory >> 20n),
      cpus: Math.max(1, board.cpus.length),
      hvm: true,
    },
    xen: emitted.qemu.kernel,
    xenCmdline: emitted.qemu.append,
    modules: emitted.qemu.modules,
  });
  const opts: Parameters<typeof runQemu>[0] = {
    command: input.wrap ? input.wrap(command) : command,
    expectations: runtimeDom0Expectations(),
    timeoutMs: input.timeoutMs,
    firstOutputTimeoutMs: 30_000,
  };
  if (input.signal) opts.signal = input.signal;
  const run = await runQemu(opts);
  const dom0 = readDom0Records(run.console.split('\n'));
  const census = parseCensus(dom0.records);
  // The board made this an x86 system; the census compares x86's own fields by the config's arch.
  const config: Config = { ...second.config, arch: 'x86_64' };
  return {
    config,
    run,
    dom0,
    outDir,
    bootOrder: [],
    census,
    verdict: judgeToolstackRun(config, dom0, census, []),
  };
}
