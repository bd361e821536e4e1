// plan.json for x86: there is no memory plan (the loader places Xen and its modules, see
// plan/layout.ts noPlan), so the file records what the build decided instead: the board, the
// module list in Xen's order and every image with its size and hash. Same conventions as
// plan/json.ts: fixed key order, sizes as 0x-prefixed hex, paths relative to the config's folder.
import { relative } from 'node:path';
import type { Board } from '../../boards/types.js';
import type { Config } from '../../schema/config.js';
import type { ResolvedImage } from '../image-files.js';
import { PLAN_JSON_VERSION } from '../plan/json.js';
import { x86BootList } from './modules.js';

export interface X86PlanJsonOptions {
  /** Write image file paths relative to this folder (the config's), so plan.json is portable. */
  relativeTo?: string;
}

export function x86PlanJson(
  config: Config,
  board: Board,
  images: readonly ResolvedImage[],
  opts: X86PlanJsonOptions = {},
): string {
  const file = (f: string) => (opts.relativeTo === undefined ? f : relative(opts.relativeTo, f) || '.');
  const list = x86BootList(config);
  const doc = {
    version: PLAN_JSON_VERSION,
    board: { name: board.name, arch: board.arch },
    method: config.boot.method,
    placement: 'loader',
    xen: { ...(list.xen !== undefined ? { file: list.xen } : {}), cmdline: list.xenCmdline },
    modules: list.modules.map((m) => ({
      kind: m.kind,
      file: m.path,
      ...(m.cmdline !== undefined ? { cmdline: m.cmdline } : {}),
    })),
    // Xen's placeholder size stands in for a missing xen.image in Arm plans; here it means nothing.
    images: images
      .filter((i) => !i.placeholder)
      .map((i) => ({
        name: i.name,
        role: i.role,
        ...(i.domain !== undefined ? { domain: i.domain } : {}),
        ...(i.file !== undefined ? { file: file(i.file) } : {}),
        size: `0x${i.size.toString(16)}`,
        ...(i.sha256 !== undefined ? { sha256: i.sha256 } : {}),
      })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
