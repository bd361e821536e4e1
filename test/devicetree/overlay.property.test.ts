// Property tests for overlays, judged by dtc -@ and fdtoverlay: random overlays compile to dtc's
// bytes and, on a labelled base, apply to fdtoverlay's exact bytes; corrupted overlay blobs only
// ever give a typed error (and, when fdtoverlay also accepts them, its bytes).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyOverlayDtb,
  DtbError,
  DtsError,
  OverlayError,
  parseDts,
  writeDtb,
} from '../../devicetree/index.js';
import { caseBudgetMs } from '../support/budget.js';
import { requireTools } from '../support/tools.js';

const gate = requireTools(['dtc', 'fdtoverlay'], 'apt-get install device-tree-compiler');
const work = mkdtempSync(join(tmpdir(), 'overlay-prop-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function fdtoverlay(base: Uint8Array, overlay: Uint8Array): Uint8Array | undefined {
  writeFileSync(join(work, 'base.dtb'), base);
  writeFileSync(join(work, 'ov.dtbo'), overlay);
  const r = spawnSync('fdtoverlay', ['-i', 'base.dtb', '-o', 'out.dtb', 'ov.dtbo'], {
    cwd: work,
    timeout: 10_000,
  });
  return r.status === 0 ? new Uint8Array(readFileSync(join(work, 'out.dtb'))) : undefined;
}

function dtcCompile(src: string): Uint8Array | undefined {
  writeFileSync(join(work, 'ov.dts'), src);
  const r = spawnSync('dtc', ['-q', '-@', '-I', 'dts', '-O', 'dtb', 'ov.dts'], {
    cwd: work,
    timeout: 10_000,
  });
  return r.status === 0 ? new Uint8Array(r.stdout) : undefined;
}

const compile = (src: string) => writeDtb(parseDts(src, { file: 'x.dts', plugin: 'symbols' }));
const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : 'rejected');

const BASE = `/dts-v1/;
/ {
  a: alpha { p = <1>; s = "seven"; b: beta@1 { reg = <1>; x; }; };
  c: gamma { phandle = <0x30>; e: eps { long = "a fairly long string value here"; }; };
  d: delta { };
};`;
const LABELS = ['a', 'b', 'c', 'd', 'e'];
const baseBlob = () => compile(BASE);

const propName = fc.constantFrom('p', 's', 'x', 'reg', 'long', 'new-one', 'status', 'n2', 'compatible');
const propValue = fc.oneof(
  fc.constant(''),
  fc.string({ unit: fc.constantFrom(...'abcdefgh xyz'), maxLength: 12 }).map((s) => ` = "${s}"`),
  fc
    .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 4 })
    .map((ns) => ` = <${ns.join(' ')}>`),
  fc
    .array(fc.integer({ min: 0, max: 255 }), { maxLength: 7 })
    .map((bs) => ` = [${bs.map((b) => b.toString(16).padStart(2, '0')).join(' ')}]`),
  fc.constantFrom(...LABELS).map((l) => ` = <&${l}>`),
);
const props = fc.uniqueArray(fc.tuple(propName, propValue), { maxLength: 4, selector: ([n]) => n });
const body = (depth: number): fc.Arbitrary<string> =>
  fc
    .tuple(
      props,
      depth === 0
        ? fc.constant([] as [string, string, boolean][])
        : fc.uniqueArray(
            fc.tuple(
              fc.constantFrom('beta', 'beta@1', 'eps', 'n', 'm@2', 'q'),
              body(depth - 1),
              fc.boolean(),
            ),
            {
              maxLength: 2,
              selector: ([n]) => n,
            },
          ),
    )
    .map(
      ([ps, kids]) =>
        `{ ${ps.map(([n, v]) => `${n}${v};`).join(' ')} ${kids.map(([n, b, l], i) => `${l ? `ol${depth}${i}${n.replace(/@.*/, '')}: ` : ''}${n} ${b}`).join(' ')} };`,
    );
const fragment = fc.tuple(
  fc.oneof(
    fc.constantFrom(...LABELS).map((l) => `&${l}`),
    fc.constantFrom('&{/}', '&{/alpha}', '&{/gamma/eps}'),
  ),
  body(2),
);
const overlaySrc = fc
  .array(fragment, { minLength: 1, maxLength: 3 })
  .map((frags) => `/dts-v1/;\n/plugin/;\n${frags.map(([t, b]) => `${t} ${b}`).join('\n')}\n`);

describe.skipIf(!gate.available)(`overlay properties against fdtoverlay ${gate.reason}`, () => {
  it('random overlays compile to dtc -@\u2019s bytes and apply to fdtoverlay\u2019s', () => {
    const base = baseBlob();
    fc.assert(
      fc.property(overlaySrc, (src) => {
        // Compiling is judged by dtc -@ (a label defined twice across fragments is refused by both).
        const ref = dtcCompile(src);
        let ov: Uint8Array;
        try {
          ov = compile(src);
        } catch (e) {
          expect(e, src).toBeInstanceOf(DtsError);
          expect(ref, src).toBeUndefined();
          return;
        }
        expect(hex(ov), src).toBe(hex(ref));
        const want = fdtoverlay(base, ov);
        let got: Uint8Array | undefined;
        try {
          got = applyOverlayDtb(base, [ov]);
        } catch (e) {
          expect(e).toBeInstanceOf(OverlayError);
        }
        expect(hex(got), src).toBe(hex(want));
      }),
      { numRuns: 150 },
    );
  });

  it('corrupted overlay blobs give only typed errors, quickly, and fdtoverlay\u2019s bytes when both accept', () => {
    const base = baseBlob();
    const ov = compile(
      `/dts-v1/;\n/plugin/;\n&a { q = <&c>; n: n { r = <&n>; }; };\n&{/delta} { s = "t"; };\n`,
    );
    const limit = caseBudgetMs(() => applyOverlayDtb(base, [ov]), 5000);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(ov.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const bad = ov.slice();
          for (const [at, v] of edits) bad[at] = v;
          const t0 = performance.now();
          let got: Uint8Array | undefined;
          try {
            got = applyOverlayDtb(base, [bad]);
          } catch (e) {
            expect(e instanceof OverlayError || e instanceof DtbError, String(e)).toBe(true);
          }
          expect(performance.now() - t0).toBeLessThan(limit);
          if (got) {
            const want = fdtoverlay(base, bad);
            if (want) expect(hex(got)).toBe(hex(want));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
