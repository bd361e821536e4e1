// The line protocol of dombuild's dom0: every step and every toolstack read is one JSON record,
// printed as numbered chunks `DOMBUILD-DOM0 <record> <i>/<n> <piece>` (the same shape as the Linux
// test guest's DOMBUILD-OBSERVE lines, so neither a console's line length nor another domain's line
// landing between two chunks can corrupt a record). Pure: tested on recorded consoles.
import { QemuError } from '../errors.js';

export const DOM0_MARKER = 'DOMBUILD-DOM0';
/** JSON bytes per line; marker, record number and counter keep a line under 100 bytes. */
export const DOM0_CHUNK = 64;

/** One step of the dom0's /init: loading a module, starting a daemon, an `xl create`. */
export interface StepRecord {
  kind: 'step';
  step: string;
  ok: boolean;
  /** The command's exit status, when it failed. */
  rc?: number;
  /** What the command printed (stdout and stderr), when it failed: xl's own message. */
  out?: string;
}

/** One toolstack command's output, verbatim, for the census. */
export interface ReadRecord {
  kind: 'read';
  /** The command as run, e.g. `xl vcpu-list`. */
  cmd: string;
  rc: number;
  out: string;
}

/** The last record: every step ran, the census reads follow no more. */
export interface DoneRecord {
  kind: 'done';
  failed: number;
}

export type Dom0Record = StepRecord | ReadRecord | DoneRecord;

const MAX_CHUNKS = 9999;
const MAX_RECORDS = 9999;
const LINE = /^(\d{1,4}) (\d{1,4})\/(\d{1,4}) /;

export interface Dom0Report {
  /** Complete records in the order the dom0 printed them. */
  records: Dom0Record[];
  /** Record numbers seen only in part (a cut-off console). */
  incomplete: number[];
}

/**
 * Reassembles the dom0's records from console lines. Text before the marker is ignored (Xen's
 * prefixes); a record whose chunks disagree with each other is an error, not a guess.
 */
export function readDom0Records(lines: Iterable<string>): Dom0Report {
  const head = `${DOM0_MARKER} `;
  const parts = new Map<number, { n: number; chunks: Map<number, string> }>();
  for (const line of lines) {
    const at = line.indexOf(head);
    if (at < 0) continue;
    const rest = line.slice(at + head.length);
    const m = LINE.exec(rest);
    if (!m) continue;
    const id = Number(m[1]);
    const i = Number(m[2]);
    const n = Number(m[3]);
    if (id < 1 || id > MAX_RECORDS || n < 1 || n > MAX_CHUNKS || i < 1 || i > n) {
      throw new QemuError('BAD_REPORT', `dom0 record ${id} chunk ${i}/${n} is out of range`, line);
    }
    let rec = parts.get(id);
    if (!rec) {
      rec = { n, chunks: new Map() };
      parts.set(id, rec);
    }
    if (rec.n !== n) {
      throw new QemuError('BAD_REPORT', `dom0 record ${id} has chunks of ${rec.n} and of ${n}`, line);
    }
    // Taken exactly: a chunk ends in a space when it splits a JSON string there.
    rec.chunks.set(i, rest.slice(m[0].length));
  }
  const records: Dom0Record[] = [];
  const incomplete: number[] = [];
  for (const id of [...parts.keys()].sort((a, b) => a - b)) {
    const rec = parts.get(id) as { n: number; chunks: Map<number, string> };
    if (rec.chunks.size !== rec.n) {
      incomplete.push(id);
      continue;
    }
    let json = '';
    for (let i = 1; i <= rec.n; i++) json += rec.chunks.get(i);
    records.push(toRecord(id, json));
  }
  return { records, incomplete };
}

function toRecord(id: number, json: string): Dom0Record {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new QemuError('BAD_REPORT', `dom0 record ${id} is not JSON`, json.slice(0, 200));
  }
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const str = (k: string) => typeof o[k] === 'string';
  const int = (k: string) => Number.isInteger(o[k]);
  if (str('step') && typeof o.ok === 'boolean') {
    const r: StepRecord = { kind: 'step', step: o.step as string, ok: o.ok };
    if (int('rc')) r.rc = o.rc as number;
    if (str('out')) r.out = o.out as string;
    return r;
  }
  if (str('cmd') && int('rc') && str('out')) {
    return { kind: 'read', cmd: o.cmd as string, rc: o.rc as number, out: o.out as string };
  }
  if (o.done === true && int('failed')) return { kind: 'done', failed: o.failed as number };
  throw new QemuError(
    'BAD_REPORT',
    `dom0 record ${id} is neither a step, a read nor the end`,
    json.slice(0, 200),
  );
}

/** The regex the runner waits for: the last chunk of the dom0's final record. */
export const DOM0_DONE_PATTERN = new RegExp(`${DOM0_MARKER} \\d+ (\\d+)/\\1 .*"done":true`);
