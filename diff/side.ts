// One side of a diff through the one pipeline (builder/pipeline: load → board → checks → plan →
// emit), its outputs made in memory: `result.built.files` is what `build` would write, and nothing
// is written. The side is judged as `build` judges it, since the outputs are the build's.
import { join } from 'node:path';
import type { BoardQuery, PipelineInput, PipelineResult } from '../builder/pipeline/index.js';
import { runPipeline } from '../builder/pipeline/index.js';
import type { XenRelease } from '../schema/releases.js';

export interface SideInput extends Pick<PipelineInput, 'text' | 'truncated' | 'file' | 'configDir' | 'cwd'> {
  board: BoardQuery;
  /** Target this release instead of the config's xen.release. */
  release?: XenRelease;
}

/** What diff reads of the outputs: the device tree (x86: xen.cfg), the createdomain blob, the xl configs. */
const ARM_OUTPUTS = new Set(['dtb', 'blob', 'xl'] as const);
const X86_OUTPUTS = new Set(['x86', 'blob', 'xl'] as const);

export function runSide(input: SideInput): Promise<PipelineResult> {
  const { release, ...rest } = input;
  const pipeline: PipelineInput = {
    ...rest,
    until: 'emit',
    // As for build: the outputs hash and size every file a config names, so a missing one is an error.
    levels: new Map([['image-missing', 'error']]),
    outputs: (_config, board) => ({
      // The blob records each module's sha256: a kernel whose bytes changed is a change the guest sees.
      hashImages: true,
      readImageBytes: false,
      bootRoot: input.configDir,
      // Named in generated paths only; emitting in memory writes nothing there.
      outDir: join(input.configDir, '.dombuild-diff'),
      only: board.arch === 'x86_64' ? X86_OUTPUTS : ARM_OUTPUTS,
      dynamic: false,
      timestamp: 0,
    }),
  };
  if (release !== undefined) pipeline.adjust = (config) => ({ ...config, xen: { ...config.xen, release } });
  return runPipeline(pipeline);
}
