import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { FDT_MAGIC, readDtb, writeDtb } from '../../devicetree/dtb.js';
import { checkTree, compileDts } from '../../devicetree/dts-parse.js';
import { printDts } from '../../devicetree/dts-print.js';
import { DtbError, DtsError } from '../../devicetree/errors.js';
import type { Tree } from '../../devicetree/tree.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';

type Format = 'dts' | 'dtb';

/** dtc's guess from a file name: .dts is source, .dtb and .dtbo are blobs. */
function formatByName(name: string | undefined): Format | undefined {
  const ext = name ? extname(name).toLowerCase() : '';
  if (ext === '.dts') return 'dts';
  if (ext === '.dtb' || ext === '.dtbo') return 'dtb';
  return undefined;
}

function hasMagic(b: Uint8Array): boolean {
  return b.length >= 4 && ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0 === FDT_MAGIC;
}

export async function runDtc(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const inArg = typeof args.in === 'string' && args.in !== '-' ? args.in : undefined;
  const outArg = typeof args.o === 'string' && args.o !== '-' ? args.o : undefined;
  const symbols = args['@'] === true;

  let input: Uint8Array;
  let inPath: string | undefined;
  if (inArg === undefined) {
    input = await io.readStdin();
  } else {
    inPath = resolve(io.cwd, inArg);
    try {
      input = new Uint8Array(readFileSync(inPath));
    } catch (e) {
      throw new UsageError(`cannot read ${inArg}: ${(e as Error).message}`);
    }
  }
  const inFormat: Format =
    (args.I as Format | undefined) ?? (hasMagic(input) ? 'dtb' : (formatByName(inArg) ?? 'dts'));
  const outFormat: Format =
    (args.O as Format | undefined) ?? formatByName(outArg) ?? (inFormat === 'dts' ? 'dtb' : 'dts');
  const label = inArg ?? '<stdin>';

  let tree: Tree;
  try {
    if (inFormat === 'dtb') {
      tree = checkTree(readDtb(input), { file: label, symbols });
    } else {
      const compiled = compileDts(new TextDecoder().decode(input), {
        file: label,
        readFile: (p) => readOptional(p, io.cwd)?.toString('utf8'),
        readBinary: (p) => {
          const b = readOptional(p, io.cwd);
          return b ? new Uint8Array(b) : undefined;
        },
        ...(symbols ? { plugin: 'symbols' as const } : {}),
      });
      tree = compiled.tree;
    }
  } catch (e) {
    if (e instanceof DtsError) {
      const at = e.pos.line > 0 ? `${e.pos.file}:${e.pos.line}:${e.pos.col}` : e.pos.file;
      io.stderr(`${at}: error (${e.code}): ${e.detail}\n`);
      return 1;
    }
    if (e instanceof DtbError) {
      io.stderr(
        `${label}: error (${e.code})${e.offset === undefined ? '' : ` at byte ${e.offset}`}: ${e.message}\n`,
      );
      return 1;
    }
    throw e;
  }

  let out: Uint8Array;
  if (outFormat === 'dtb') {
    out = writeDtb(tree);
  } else {
    out = new TextEncoder().encode(printDts(tree));
  }

  if (outArg === undefined) {
    if (outFormat === 'dts') io.stdout(new TextDecoder().decode(out));
    else if (io.stdoutBytes) io.stdoutBytes(out);
    else throw new UsageError('this output cannot take binary data; give -o <file>');
    return 0;
  }
  writeAtomic(resolve(io.cwd, outArg), out, outArg);
  return 0;
}

function readOptional(path: string, cwd: string): Buffer | undefined {
  try {
    return readFileSync(resolve(cwd, path));
  } catch {
    return undefined;
  }
}

/** Temp file beside the target, then rename: readers never see half a blob. */
function writeAtomic(path: string, bytes: Uint8Array, shown: string): void {
  const tmp = resolve(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UsageError(`cannot write ${shown}: ${(e as Error).message}`);
  }
}
