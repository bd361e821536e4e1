// `dombuild plan`: config → board → images → plan, then a table and bars, plan.json, or an SVG.
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { resolveBoard } from '../../boards/registry.js';
import type { BoardDiagnostic } from '../../boards/types.js';
import { toBoardFacts } from '../../builder/board-facts.js';
import { resolveImages } from '../../builder/images.js';
import { planToJson } from '../../builder/plan/json.js';
import { noPlan, planLayout } from '../../builder/plan/layout.js';
import { renderPlanBars, renderPlanSvg, renderPlanTable } from '../../builder/plan/render.js';
import { writeDtb } from '../../devicetree/dtb.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import { locate } from '../../schema/source.js';
import { validate } from '../../schema/validate.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';
import { boardQuery, loadSystem } from '../load-system.js';
import { finish, printDiagnostics } from '../report.js';
import { checkBoardFlag } from './board-flag.js';

/** ${DOMBUILD_CACHE:-$XDG_CACHE_HOME/dombuild}, with ~/.cache when XDG_CACHE_HOME is unset. */
export function cacheDirFrom(env: CliIO['env']): string | undefined {
  if (env.DOMBUILD_CACHE) return env.DOMBUILD_CACHE;
  const xdg = env.XDG_CACHE_HOME ?? (env.HOME ? join(env.HOME, '.cache') : undefined);
  return xdg ? join(xdg, 'dombuild') : undefined;
}

export async function runPlan(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const file = resolve(io.cwd, String(args.config));
  const { configDir, loaded, diagnostics } = await loadSystem(file);
  const config = loaded.config;
  if (!config) return finish(io, diagnostics, 1);

  const cacheDir = cacheDirFrom(io.env);
  const { setting, options: boardOpts } = boardQuery(args, io, configDir, config.board, cacheDir);
  const b = await resolveBoard(setting, boardOpts);
  checkBoardFlag(args, b.diagnostics);
  diagnostics.push(...b.diagnostics.map(fromBoard));
  if (!b.board || (!b.tree && b.board.dtb.kind !== 'none')) return finish(io, diagnostics, 1);

  diagnostics.push(
    ...locate(
      validate(config, { board: toBoardFacts(b.board, b.tree), source: loaded.source }),
      loaded.source,
    ),
  );
  if (diagnostics.some((d) => d.severity === 'error')) return finish(io, diagnostics, 1);
  // A valid config on a board without a plan (x86) is not an error: say why, exit 0.
  const none = noPlan(b.board);
  if (none) return finish(io, [...diagnostics, ...locate([none], loaded.source)], 0);

  const imgs = await resolveImages(config, { configDir });
  diagnostics.push(...locate(imgs.diagnostics, loaded.source));
  if (imgs.diagnostics.some((d) => d.severity === 'error')) return finish(io, diagnostics, 1);

  const result = planLayout({
    config,
    board: b.board,
    images: imgs.images,
    ...(b.tree ? { boardDtbSize: BigInt(writeDtb(b.tree).length) } : {}),
  });
  diagnostics.push(...locate(result.diagnostics, loaded.source));
  if (!result.plan) return finish(io, diagnostics, 1);
  printDiagnostics(io, diagnostics);

  if (args.json) {
    io.stdout(planToJson(result.plan, { relativeTo: configDir }));
    return 0;
  }
  if (typeof args.svg === 'string') {
    const out = resolve(io.cwd, args.svg);
    const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
    try {
      await writeFile(tmp, renderPlanSvg(result.plan));
      await rename(tmp, out);
    } catch (e) {
      await rm(tmp, { force: true });
      throw new UsageError(`cannot write ${out} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`);
    }
    io.stderr(`wrote ${out}\n`);
  }
  io.stdout(renderPlanTable(result.plan));
  io.stdout(`\n${renderPlanBars(result.plan, { color: io.isTTY, width: 64 })}`);
  return 0;
}

function fromBoard(d: BoardDiagnostic): Diagnostic {
  const out: Diagnostic = { id: d.id, severity: d.severity, message: d.message, path: 'board' };
  if (d.hint !== undefined) out.hint = d.hint;
  if (d.where !== undefined && /:\d+:\d+$/.test(d.where)) {
    const m = /^(.*):(\d+):(\d+)$/.exec(d.where)!;
    out.file = m[1]!;
    out.line = Number(m[2]);
    out.col = Number(m[3]);
  }
  return out;
}
