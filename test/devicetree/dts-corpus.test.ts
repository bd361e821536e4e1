// Judge: dtc 1.6.1. Every corpus source is compiled by dtc and by us; the DTBs must be identical,
// and sources dtc rejects we must reject too (with our code and, where dtc reports the same
// place, the same line and column).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DtsError, parseDts, printDts, writeDtb } from '../../devicetree/index.js';
import { requireTools } from '../support/tools.js';
import { invalidCases, validCases } from './dts-corpus-cases.js';

const gate = requireTools(['dtc'], 'apt-get install device-tree-compiler');
const work = mkdtempSync(join(tmpdir(), 'dts-corpus-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let seq = 0;
function setup(dts: string, files: Record<string, string> = {}): string {
  const dir = join(work, `c${seq++}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  const file = join(dir, 'main.dts');
  writeFileSync(file, dts);
  return file;
}

function dtc(file: string, symbols: boolean) {
  const r = spawnSync('dtc', ['-I', 'dts', '-O', 'dtb', ...(symbols ? ['-@'] : []), file], {
    cwd: dirname(file),
  });
  return { ok: r.status === 0, out: new Uint8Array(r.stdout), err: r.stderr.toString() };
}

function ours(file: string, symbols: boolean): Uint8Array {
  return writeDtb(oursTree(file, symbols));
}

function oursTree(file: string, symbols: boolean) {
  const read = (p: string) => {
    try {
      return readFileSync(p);
    } catch {
      return undefined;
    }
  };
  return parseDts(readFileSync(file, 'utf8'), {
    file,
    readFile: (p) => read(p)?.toString('utf8'),
    readBinary: (p) => {
      const b = read(p);
      return b ? new Uint8Array(b) : undefined;
    },
    ...(symbols ? { plugin: 'symbols' as const } : {}),
  });
}

describe.skipIf(!gate.available)(`DTS corpus against dtc 1.6.1 ${gate.reason}`, () => {
  for (const c of validCases) {
    for (const symbols of c.symbols ? [false, true] : [false]) {
      it(`${c.name}${symbols ? ' (-@)' : ''}`, () => {
        const file = setup(c.dts, c.files);
        const ref = dtc(file, symbols);
        expect(ref.err).not.toMatch(/ERROR|Error/);
        expect(ref.ok).toBe(true);
        expect(Buffer.from(ours(file, symbols)).toString('hex')).toBe(Buffer.from(ref.out).toString('hex'));
      });
    }
  }

  for (const c of validCases.filter((v) => !v.dtsOutDiffers)) {
    it(`prints as dtc -O dts does: ${c.name}`, () => {
      const file = setup(c.dts, c.files);
      const r = spawnSync('dtc', ['-I', 'dts', '-O', 'dts', file], { cwd: dirname(file) });
      expect(r.status).toBe(0);
      expect(printDts(oursTree(file, false))).toBe(r.stdout.toString());
    });
  }

  for (const c of invalidCases) {
    it(`rejects: ${c.name}`, () => {
      const file = setup(c.dts, c.files);
      const ref = dtc(file, false);
      expect(ref.ok).toBe(false);
      let err: unknown;
      try {
        ours(file, false);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DtsError);
      const e = err as DtsError;
      expect(e.code).toBe(c.code);
      expect(e.pos.file).toBe(file);
      if (!c.noDtcPos) {
        const m = /:(\d+)\.(\d+)/.exec(ref.err);
        expect(m, ref.err).not.toBeNull();
        expect(`${e.pos.line}:${e.pos.col}`).toBe(`${m![1]}:${m![2]}`);
      }
    });
  }
});
