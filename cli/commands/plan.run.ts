// `dombuild plan`: the pipeline up to the plan, then a table and bars, plan.json, or an SVG.
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { runPipeline } from '../../builder/pipeline/index.js';
import { planToJson } from '../../builder/plan/json.js';
import { renderPlanBars, renderPlanSvg, renderPlanTable } from '../../builder/plan/render.js';
import { locate } from '../../schema/source.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';
import { boardQuery, readConfigFile } from '../pipeline-args.js';
import { finish, printDiagnostics } from '../print-diagnostics.js';
import { checkBoardFlag } from './board-flag.js';

export async function runPlan(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const file = resolve(io.cwd, String(args.config));
  const r = await runPipeline({
    ...(await readConfigFile(file)),
    cwd: io.cwd,
    board: boardQuery(args, io),
    until: 'plan',
    hash: true,
    onBoard: (b) => checkBoardFlag(args, b.diagnostics),
  });
  const diagnostics = r.diagnostics;
  // A valid config on a board without a plan (x86) is not an error: say why, exit 0.
  if (r.noPlan && r.reached === 'plan')
    return finish(io, [...diagnostics, ...locate([r.noPlan], r.source)], 0);
  if (r.reached !== 'plan' || !r.plan) return finish(io, diagnostics, 1);
  const result = { plan: r.plan };
  const configDir = dirname(file);
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
