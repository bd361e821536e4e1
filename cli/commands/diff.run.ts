// `dombuild diff`: both configs through the one pipeline (diff/side.ts), outputs made in memory,
// then the library's comparison printed. Exit 0: no guest-visible change; 1: at least one; 2: bad
// arguments, an unreadable file, or a side that does not build (its diagnostics are printed).
import { resolve } from 'node:path';
import { PipelineInputError } from '../../builder/pipeline/index.js';
import { diffSystems, renderJson, renderText, runSide } from '../../diff/index.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import { isXenRelease, type XenRelease } from '../../schema/releases.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';
import { boardQuery, readConfigFile } from '../pipeline-args.js';
import { printDiagnostics } from '../print-diagnostics.js';

/** --release given zero, one (both sides) or two times (a, then b). */
export function parseReleases(value: unknown): [XenRelease | undefined, XenRelease | undefined] {
  const list = value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
  if (list.length > 2)
    throw new UsageError(
      `--release given ${list.length} times: give it once (both sides) or twice (a, then b)`,
    );
  for (const r of list) {
    if (!isXenRelease(r))
      throw new UsageError(`--release ${r}: not a Xen release dombuild knows (4.17 … 4.22)`);
  }
  const [first, second] = list as XenRelease[];
  return [first, second ?? first];
}

export async function runDiff(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const [ra, rb] = parseReleases(args.release);
  const files = [resolve(io.cwd, String(args.a)), resolve(io.cwd, String(args.b))] as const;
  const inputs = [await readConfigFile(files[0]), await readConfigFile(files[1])];
  const board = boardQuery(args, io);
  const results = [];
  for (const [i, input] of inputs.entries()) {
    const release = i === 0 ? ra : rb;
    results.push(
      await runSide({ ...input, cwd: io.cwd, board, ...(release ? { release } : {}) }).catch((e: unknown) => {
        if (e instanceof PipelineInputError) throw new UsageError(e.message);
        throw e;
      }),
    );
  }
  const [a, b] = results as [(typeof results)[0], (typeof results)[0]];
  // The same file on both sides repeats its warnings; each is said once.
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const d of [...a.diagnostics, ...b.diagnostics]) {
    const key = JSON.stringify([d.id, d.file, d.line, d.col, d.path, d.message]);
    if (!seen.has(key)) {
      seen.add(key);
      diagnostics.push(d);
    }
  }
  printDiagnostics(io, diagnostics);
  const broken = (['a', 'b'] as const).filter((_, i) => (i === 0 ? a : b).reached !== 'emit');
  if (broken.length > 0) {
    for (const s of broken) {
      const r = s === 'a' ? a : b;
      const release = (s === 'a' ? ra : rb) ?? r.config?.xen.release;
      io.stderr(
        `dombuild: ${s} (${r.source.file}${release ? `, Xen ${release}` : ''}) does not build, so it has no outputs to compare; the errors above say why\n`,
      );
    }
    return 2;
  }
  const result = diffSystems(
    { result: a, releaseFromFlag: ra !== undefined },
    { result: b, releaseFromFlag: rb !== undefined },
  );
  io.stdout(args.json === true ? renderJson(result, { cwd: io.cwd }) : renderText(result, { cwd: io.cwd }));
  return result.guestVisible ? 1 : 0;
}
