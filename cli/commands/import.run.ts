// `dombuild import xl`: xl config → one domain as YAML (a `domains:` list to merge into a config).
// Keys with no dombuild equivalent are reported with their line, never dropped silently.
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { Document } from 'yaml';
import { importXlConfig } from '../../importers/xl.js';
import type { Arch } from '../../schema/config.js';
import { hasFailures } from '../../schema/diagnostic.js';
import { renderHuman } from '../../schema/diagnostic-render.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';

const MAX_INPUT = 1 << 20;

export async function runImport(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const file = String(args.file);
  const abs = isAbsolute(file) ? file : resolve(io.cwd, file);
  let bytes: Buffer;
  try {
    bytes = await readFile(abs);
  } catch (e) {
    throw new UsageError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`);
  }
  if (bytes.length > MAX_INPUT) throw new UsageError(`${file} is larger than ${MAX_INPUT} bytes`);
  const shown = relative(io.cwd, abs) || file;
  const opts: Parameters<typeof importXlConfig>[1] = { file: shown };
  if (typeof args.arch === 'string') opts.arch = args.arch as Arch;
  const r = importXlConfig(bytes.toString('utf8'), opts);
  if (r.diagnostics.length > 0)
    io.stderr(renderHuman(r.diagnostics, { color: io.isTTY && !io.env.NO_COLOR }));
  if (!r.domain || hasFailures(r.diagnostics)) return 1;
  const doc = new Document({ domains: [r.domain] });
  doc.commentBefore =
    ` Imported by dombuild from ${basename(abs)} (xl config, ${r.arch}).\n` +
    " Merge this domain into a config's domains list; the paths are as dom0 saw them.";
  const text = doc.toString();
  const dest = args.o ?? args.out;
  if (typeof dest !== 'string') {
    io.stdout(text);
    return 0;
  }
  const out = resolve(io.cwd, dest);
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new UsageError(`cannot write ${out} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`);
  }
  io.stderr(`dombuild: wrote ${out}\n`);
  return 0;
}
