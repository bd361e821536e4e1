// `dombuild import xl`: xl config → one domain as YAML (a `domains:` list to merge into a config).
// `dombuild import imagebuilder`: an ImageBuilder config → a whole system as YAML.
// Settings with no dombuild equivalent are reported with their line, never dropped silently.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { Document } from 'yaml';
import { importImageBuilderConfig } from '../../importers/imagebuilder/import.js';
import { importedConfigYaml } from '../../importers/imagebuilder/yaml.js';
import { importReportJson, renderImportSummary } from '../../importers/report.js';
import { importXlConfig } from '../../importers/xl.js';
import type { Arch } from '../../schema/config.js';
import { hasFailures } from '../../schema/diagnostic.js';
import { renderHuman } from '../../schema/diagnostic-render.js';
import { isXenRelease } from '../../schema/releases.js';
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
  const dest =
    typeof (args.o ?? args.out) === 'string' ? resolve(io.cwd, String(args.o ?? args.out)) : undefined;
  if (args.kind === 'imagebuilder') return importImageBuilder(bytes, abs, shown, dest, args, io);
  if (args.root !== undefined || args['xen-release'] !== undefined)
    throw new UsageError('--root and --xen-release are for import imagebuilder');

  const opts: Parameters<typeof importXlConfig>[1] = { file: shown };
  if (typeof args.arch === 'string') opts.arch = args.arch as Arch;
  const r = importXlConfig(bytes.toString('utf8'), opts);
  if (r.diagnostics.length > 0)
    io.stderr(renderHuman(r.diagnostics, { color: io.isTTY && !io.env.NO_COLOR }));
  io.stderr(renderImportSummary(r.report));
  if (typeof args.report === 'string')
    await writeAtomic(
      resolve(io.cwd, args.report),
      `${JSON.stringify(importReportJson(r.report), null, 2)}\n`,
    );
  if (!r.domain || hasFailures(r.diagnostics)) return 1;
  const doc = new Document({ domains: [r.domain] });
  doc.commentBefore =
    ` Imported by dombuild from ${basename(abs)} (xl config, ${r.arch}).\n` +
    " Merge this domain into a config's domains list; the paths are as dom0 saw them.";
  return emit(doc.toString(), dest, io);
}

async function importImageBuilder(
  bytes: Buffer,
  abs: string,
  shown: string,
  dest: string | undefined,
  args: Record<string, unknown>,
  io: CliIO,
): Promise<number> {
  if (args.arch !== undefined) throw new UsageError('--arch is for import xl (BOOT_CMD decides it here)');
  const release = args['xen-release'];
  if (release !== undefined && !(typeof release === 'string' && isXenRelease(release)))
    throw new UsageError(`--xen-release ${String(release)} is not a release dombuild supports`);
  // Paths in the config are relative to ImageBuilder's -d folder; in the YAML, to the YAML's folder.
  const root = typeof args.root === 'string' ? resolve(io.cwd, args.root) : dirname(abs);
  const yamlDir = dest ? dirname(dest) : io.cwd;
  const r = importImageBuilderConfig(bytes.toString('utf8'), {
    file: shown,
    ...(typeof release === 'string' && isXenRelease(release) ? { release } : {}),
    readFile: (p) => {
      try {
        return new Uint8Array(readFileSync(resolve(root, p)));
      } catch {
        return undefined;
      }
    },
    rebasePath: (p) => relative(yamlDir, resolve(root, p)) || '.',
  });
  // Problems with the input first; then the report, which lists every setting left out and why.
  const diags = r.report.diagnostics;
  if (diags.length > 0) io.stderr(renderHuman(diags, { color: io.isTTY && !io.env.NO_COLOR }));
  io.stderr(renderImportSummary(r.report));
  if (typeof args.report === 'string')
    await writeAtomic(
      resolve(io.cwd, args.report),
      `${JSON.stringify(importReportJson(r.report), null, 2)}\n`,
    );
  if (!r.config || hasFailures(r.report.diagnostics)) return 1;
  const opts: Parameters<typeof importedConfigYaml>[2] = { source: basename(abs) };
  if (r.releaseReason) opts.releaseReason = r.releaseReason;
  return emit(importedConfigYaml(r.config, r.report, opts), dest, io);
}

async function emit(text: string, dest: string | undefined, io: CliIO): Promise<number> {
  if (dest === undefined) {
    io.stdout(text);
    return 0;
  }
  await writeAtomic(dest, text);
  io.stderr(`dombuild: wrote ${dest}\n`);
  return 0;
}

/** A temp file beside the destination, then a rename: the destination is never half written. */
async function writeAtomic(out: string, text: string): Promise<void> {
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new UsageError(`cannot write ${out} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`);
  }
}
