import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BlobError } from '../../xen-formats/blob/errors.js';
import { explainBlob, formatBlobExplanation } from '../../xen-formats/blob/explain.js';
import { readBlob } from '../../xen-formats/blob/read.js';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';

export async function runBlob(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const file = String(args.file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(resolve(io.cwd, file)));
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let explanation: ReturnType<typeof explainBlob>;
  try {
    explanation = explainBlob(readBlob(bytes));
  } catch (e) {
    if (!(e instanceof BlobError)) throw e;
    if (args.json)
      io.stdout(
        `${JSON.stringify({ error: { code: e.code, offset: e.offset, message: e.message } }, null, 2)}\n`,
      );
    io.stderr(
      `${file}: error (${e.code}) at offset ${e.offset} (0x${e.offset.toString(16)}): ${e.message}\n`,
    );
    return 1;
  }
  io.stdout(args.json ? `${JSON.stringify(explanation, null, 2)}\n` : formatBlobExplanation(explanation));
  return 0;
}
