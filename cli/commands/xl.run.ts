// `dombuild xl`: config → validate → xl configs, printed or written as one folder (atomically).
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { writeArtifacts } from '../../builder/artifacts.js';
import { emitXlDomains } from '../../builder/xl/emit.js';
import { type Diagnostic, hasFailures } from '../../schema/diagnostic.js';
import { renderHuman } from '../../schema/diagnostic-render.js';
import { loadConfig } from '../../schema/load.js';
import { locate } from '../../schema/source.js';
import { validate } from '../../schema/validate.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';
import { outputOptions, usageFromArtifacts } from './build.output.js';

export async function runXl(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const file = String(args.config);
  const abs = isAbsolute(file) ? file : resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`);
  }
  const shown = relative(io.cwd, abs) || file;
  const loaded = loadConfig(text, shown);
  const diags: Diagnostic[] = [...loaded.diagnostics];
  const color = io.isTTY && !io.env.NO_COLOR;
  const report = () => {
    const located = locate(diags, loaded.source);
    if (located.length > 0) io.stderr(renderHuman(located, { color, sources: [loaded.source] }));
    return located;
  };
  const config = loaded.config;
  if (!config) {
    report();
    return 1;
  }
  diags.push(...validate(config, { source: loaded.source }));
  const domains = Array.isArray(args.domain) ? args.domain.map(String) : undefined;
  const guestDir = typeof args.guestDir === 'string' ? args.guestDir : undefined;
  const out = hasFailures(diags)
    ? []
    : emitXlDomains(config, {
        diagnostics: diags,
        ...(domains ? { domains } : {}),
        ...(guestDir ? { guestDir } : {}),
      });
  if (hasFailures(report())) return 1;
  if (out.length === 0) {
    io.stderr('dombuild: no domain to write (none has boot: false; name one with --domain)\n');
    return 0;
  }
  const dest = args.o ?? args.out;
  if (typeof dest !== 'string') {
    for (const r of out) io.stdout(out.length > 1 ? `# ==> ${r.file}\n${r.text}\n` : r.text);
    return 0;
  }
  const outDir = resolve(io.cwd, dest);
  const files = new Map(out.map((r) => [r.file.replace(/^xl\//, ''), new TextEncoder().encode(r.text)]));
  try {
    const names = await writeArtifacts(files, outDir, outputOptions(args, io, abs));
    io.stderr(`dombuild: wrote ${outDir}: ${names.join(', ')}\n`);
  } catch (e) {
    throw usageFromArtifacts(e);
  }
  return 0;
}
