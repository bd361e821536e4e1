// The dom0's record protocol: what the /init's own shell functions print is read back exactly
// (run here by Debian's busybox-static, the amd64 build of the package the dom0 runs, with its own
// sed, tr and fold, on generated text), records survive other domains'
// lines between their chunks, and no mutation of a recorded console makes the reader or the census
// parser fail with anything but a BAD_REPORT.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cacheRootFrom, locateAsset } from '../../qemu/assets.js';
import { parseCensus } from '../../qemu/dom0/census.js';
import { dom0Init } from '../../qemu/dom0/init.js';
import { type Dom0Record, readDom0Records } from '../../qemu/dom0/records.js';
import { QemuError } from '../../qemu/errors.js';
import { sampleSeed, seedNote } from '../support/seed.js';
import { tempDir } from '../support/tmp.js';
import { inCI } from '../support/tools.js';

const busybox = (() => {
  try {
    if (process.arch !== 'x64') throw new Error(`host is ${process.arch}, the cached busybox is amd64`);
    return locateAsset(cacheRootFrom(process.env, process.env.HOME ?? '/root'), 'busybox-amd64').path;
  } catch (err) {
    if (inCI) throw err;
    return undefined;
  }
})();

const recorded = readFileSync(join(import.meta.dirname, 'fixtures/dom0-runtime-4.17.console'), 'utf8').split(
  '\n',
);

// The /init's helper functions alone: everything before the first step.
const helpers = dom0Init({ xenBin: '/usr/lib/xen-4.17/bin', modules: [], runtime: [] })
  .split('\n')
  .filter((l) => !/^(mount|echo 1|\/bin\/busybox|export|mkdir)/.test(l))
  .join('\n')
  .split('\nstep mount:xenfs')[0] as string;

/** Runs `read_` on a command that prints `out`, in busybox sh with nothing but busybox on PATH. */
function throughBusybox(out: string): string[] {
  const dir = tempDir('dombuild-dom0-sh-');
  try {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const a of ['sh', 'cat', 'sed', 'tr', 'fold', 'wc', 'printf'])
      symlinkSync(busybox as string, join(bin, a));
    writeFileSync(join(dir, 'in'), out);
    const script = `${helpers.replaceAll('/tmp/', `${dir}/`)}\nx_cat() { cat ${dir}/in; }\nread_ x_cat\n`;
    const r = spawnSync(join(bin, 'sh'), ['-c', script], { env: { PATH: bin }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout.split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('dom0 records', () => {
  it.skipIf(!busybox)(
    "the /init's jstr and rec, run by busybox sh, give back the command's exact output",
    () => {
      const seed = sampleSeed();
      const texts = fc.sample(
        fc.oneof(
          fc.string({
            unit: fc.constantFrom('a', ' ', '"', '\\', '\t', '\n', 'x', '/', '{', '}', ':'),
            maxLength: 300,
          }),
          fc.string({ unit: 'grapheme-ascii', maxLength: 200 }),
        ),
        { numRuns: 40, seed },
      );
      for (const text of texts) {
        const lines = throughBusybox(text);
        const got = readDom0Records(lines);
        // What the shell keeps: command substitution drops trailing newlines, tabs survive escaped.
        const want = text.replace(/\n+$/, '');
        expect(got.records, seedNote(seed)).toEqual([{ kind: 'read', cmd: 'x_cat', rc: 0, out: want }]);
        for (const l of lines) expect(l.length, seedNote(seed)).toBeLessThan(110);
      }
    },
  );

  const record: fc.Arbitrary<Dom0Record> = fc.oneof(
    fc.record({
      kind: fc.constant('step' as const),
      step: fc.stringMatching(/^[a-z:0-9-]{1,20}$/),
      ok: fc.constant(true),
    }),
    fc.record({
      kind: fc.constant('read' as const),
      cmd: fc.stringMatching(/^[a-z -]{1,20}$/),
      rc: fc.integer({ min: 0, max: 255 }),
      out: fc.string({ maxLength: 400 }),
    }),
  );
  const toJson = (r: Dom0Record) => {
    const { kind: _k, ...rest } = r;
    return JSON.stringify(rest);
  };

  it('records come back whole with other lines between their chunks', () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 6 }),
        fc.array(
          fc.string({ maxLength: 80 }).filter((s) => !s.includes('\n') && !s.includes('\r')),
          { maxLength: 30 },
        ),
        fc.array(fc.nat(), { maxLength: 30 }),
        (records, noise, where) => {
          const lines: string[] = [];
          records.forEach((r, k) => {
            const json = toJson(r);
            const chunks = json.match(/[\s\S]{1,64}/g) ?? [''];
            chunks.forEach((c, i) => {
              lines.push(`(XEN) DOMBUILD-DOM0 ${k + 1} ${i + 1}/${chunks.length} ${c}`);
            });
          });
          noise.forEach((n, i) => {
            lines.splice((where[i] ?? 0) % (lines.length + 1), 0, n.replaceAll('DOMBUILD-DOM0', ''));
          });
          const got = readDom0Records(lines);
          expect(got.incomplete).toEqual([]);
          expect(got.records).toEqual(records);
        },
      ),
    );
  });

  it('no mutation of a recorded console crashes the reader or the census parser', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.nat(recorded.length - 1),
            fc.constantFrom('drop', 'dup', 'cut', 'flip', 'swap'),
            fc.nat(),
            fc.string({ minLength: 1, maxLength: 1 }),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        (edits) => {
          const lines = [...recorded];
          for (const [at, op, n, ch] of edits) {
            const l = lines[at % lines.length] ?? '';
            const i = at % lines.length;
            if (op === 'drop') lines.splice(i, 1);
            else if (op === 'dup') lines.splice(i, 0, l);
            else if (op === 'cut') lines[i] = l.slice(0, n % (l.length + 1));
            else if (op === 'flip')
              lines[i] = l.slice(0, n % (l.length + 1)) + ch + l.slice((n % (l.length + 1)) + 1);
            else lines[i] = lines[(i + n) % lines.length] ?? '';
          }
          let records: Dom0Record[] = [];
          try {
            records = readDom0Records(lines).records;
          } catch (e) {
            expect(e).toBeInstanceOf(QemuError);
            expect((e as QemuError).code).toBe('BAD_REPORT');
            return;
          }
          const census = parseCensus(records);
          expect(Array.isArray(census.domains)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the census parser takes any output of any read', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.constant('read' as const),
            cmd: fc.constantFrom(
              'xl info',
              'xl list',
              'xl list -c',
              'xl list -l',
              'xl vcpu-list',
              'xl cpupool-list',
              'xl cpupool-list -c',
              'xenstore-ls -f /local/domain',
              'xen_dump',
            ),
            rc: fc.constantFrom(0, 1),
            out: fc.oneof(
              fc.string({ maxLength: 300 }),
              fc.json(),
              fc.constantFrom('all / all', '[{"domid":0,"config":{"b_info":{"max_memkb":1e400}}}]'),
            ),
          }),
          { maxLength: 10 },
        ),
        (reads) => {
          const c = parseCensus(reads);
          for (const d of c.domains) expect(Number.isInteger(d.domid)).toBe(true);
        },
      ),
    );
  });
});
