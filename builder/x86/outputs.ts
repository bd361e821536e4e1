// The x86 output folder of `dombuild build`: grub.cfg, xen.cfg (EFI), createdomain.bin, plan.json,
// and xl/<domain>.cfg for domains created at run time. x86 loaders place the modules themselves,
// so the blob carries sizes and hashes without load addresses.

import type { Board } from '../../boards/types.js';
import type { Config } from '../../schema/config.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import { type BlobImageRef, buildBlobFromConfig, FromConfigError } from '../createdomain-args.js';
import type { ResolvedImage } from '../image-files.js';
import { toBoardFacts } from '../pipeline/board.js';
import { planToJson } from '../plan/json.js';
import type { BootPlan } from '../plan/types.js';
import { emitXlConfigs } from '../xl/emit.js';
import { emitX86Boot } from './emit.js';

export interface X86BuildInput {
  config: Config;
  board: Board;
  plan?: BootPlan;
  images: readonly ResolvedImage[];
  bootRoot: string;
  /** Which outputs: 'x86' (grub.cfg, xen.cfg), 'blob', 'xl'. */
  wants: (kind: 'x86' | 'blob' | 'xl') => boolean;
  /** Also write the EXPERIMENTAL hyperlaunch tree (hyperlaunch.dts, hyperlaunch.dtb). */
  hyperlaunch?: boolean;
}

const utf8 = new TextEncoder();

export function buildX86Outputs(input: X86BuildInput, diagnostics: Diagnostic[]): Map<string, Uint8Array> {
  const { config, board } = input;
  const files = new Map<string, Uint8Array>();
  if (input.wants('x86') || input.hyperlaunch) {
    const r = emitX86Boot(config, input.plan, {
      diagnostics,
      qemu: false,
      hyperlaunch: input.hyperlaunch === true,
    });
    if (input.wants('x86')) {
      if (r['grub.cfg'] !== undefined) files.set('grub.cfg', utf8.encode(r['grub.cfg']));
      if (r['xen.cfg'] !== undefined) files.set('xen.cfg', utf8.encode(r['xen.cfg']));
    }
    if (r.hyperlaunch) {
      files.set('hyperlaunch.dts', utf8.encode(r.hyperlaunch.dts));
      files.set('hyperlaunch.dtb', r.hyperlaunch.dtb);
    }
  }
  if (input.wants('blob')) {
    const images: BlobImageRef[] = input.images.map((i) => ({
      role: i.role,
      size: i.size,
      ...(i.domain !== undefined ? { domain: i.domain } : {}),
      ...(i.sha256 !== undefined ? { sha256: i.sha256 } : {}),
    }));
    try {
      files.set(
        'createdomain.bin',
        buildBlobFromConfig(config, { arch: 'x86_64', board: toBoardFacts(board), images }).bytes,
      );
    } catch (e) {
      if (!(e instanceof FromConfigError)) throw e;
      diagnostics.push({
        id: `blob-${e.code.toLowerCase().replace(/_/g, '-')}`,
        severity: 'error',
        message: e.message,
        path: e.path,
      });
    }
  }
  if (input.wants('xl')) {
    for (const [name, text] of emitXlConfigs(config, { arch: 'x86_64', diagnostics }))
      files.set(name, utf8.encode(text));
  }
  if (input.plan) files.set('plan.json', utf8.encode(planToJson(input.plan, { relativeTo: input.bootRoot })));
  return files;
}
