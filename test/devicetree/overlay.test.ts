// Judges: dtc 1.6.1 compiles the overlays (ours must be byte-identical to `dtc -@`), and
// fdtoverlay applies them (our applyOverlayDtb must give its exact bytes, and applyOverlay the
// same tree).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyOverlay,
  applyOverlayDtb,
  OverlayError,
  parseDts,
  printDts,
  readDtb,
  writeDtb,
} from '../../devicetree/index.js';
import { requireTools } from '../support/tools.js';

const gate = requireTools(['dtc', 'fdtoverlay'], 'apt-get install device-tree-compiler');
const work = mkdtempSync(join(tmpdir(), 'overlay-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let seq = 0;

function dtcCompile(dts: string): Uint8Array {
  const file = join(work, `s${seq++}.dts`);
  writeFileSync(file, dts);
  const r = spawnSync('dtc', ['-@', '-I', 'dts', '-O', 'dtb', file]);
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return new Uint8Array(r.stdout);
}

function fdtoverlay(base: Uint8Array, overlays: Uint8Array[]): { ok: boolean; out: Uint8Array } {
  const b = join(work, `b${seq++}.dtb`);
  const o = join(work, `o${seq++}.dtb`);
  writeFileSync(b, base);
  const names = overlays.map((ov) => {
    const n = join(work, `ov${seq++}.dtbo`);
    writeFileSync(n, ov);
    return n;
  });
  const r = spawnSync('fdtoverlay', ['-i', b, '-o', o, ...names]);
  return { ok: r.status === 0, out: r.status === 0 ? new Uint8Array(readFileSync(o)) : new Uint8Array() };
}

const compile = (dts: string) => writeDtb(parseDts(dts, { file: 'x.dts', plugin: 'symbols' }));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const BASE = `/dts-v1/;
/ {
  #address-cells = <1>; #size-cells = <1>;
  aliases { serial0 = &uart; };
  clk: clock { #clock-cells = <0>; phandle = <0x20>; };
  soc: soc {
    #address-cells = <1>; #size-cells = <1>;
    uart: serial@1000 { reg = <0x1000 0x100>; status = "disabled"; clocks = <&clk>; };
    gpio: gpio@2000 { reg = <0x2000 0x100>; };
    bus { };
  };
};`;

interface Case {
  name: string;
  base?: string;
  overlays: string[];
}

const PLUGIN = '/dts-v1/;\n/plugin/;\n';
const cases: Case[] = [
  {
    name: 'properties and subnodes into a labelled node',
    overlays: [`${PLUGIN}&uart { status = "okay"; current-speed = <115200>; a { }; b { c { }; }; };`],
  },
  {
    name: 'references to base labels and to the overlay itself',
    overlays: [
      `${PLUGIN}&soc { dev: dev@3000 { reg = <0x3000 0x10>; clocks = <&clk>; gpios = <&gpio 1 0>, <&dev 2>; }; user { peer = <&dev &uart>; }; };`,
    ],
  },
  {
    name: 'target-path fragments, root and nested',
    overlays: [`${PLUGIN}&{/} { top-level; t: tnode { }; };\n&{/soc/bus} { child { x = <&t>; }; };`],
  },
  {
    name: 'explicit fragments with an alias target-path',
    overlays: [
      `${PLUGIN}/ { fragment@0 { target-path = "serial0"; __overlay__ { via-alias; al: sub { }; }; }; fragment@1 { target = <&gpio>; __overlay__ { gpio-controller; }; }; ignored { x; }; };`,
    ],
  },
  {
    name: 'a node name without unit address merges into name@unit',
    overlays: [`${PLUGIN}&soc { serial { merged-by-basename; }; };`],
  },
  {
    name: 'two overlays in sequence, the second using the first one\u2019s label',
    overlays: [`${PLUGIN}&soc { first: first { }; };`, `${PLUGIN}&first { second = <&uart>; };`],
  },
  {
    name: "values that shrink, grow and appear keep libfdt's stale padding",
    overlays: [
      `${PLUGIN}&uart { status = "ok"; reg = <0x1000 0x100 0x2000 0x200 0x3000>; x = [01]; y = "abcdefghijk"; z = [01 02 03 04 05]; };`,
      `${PLUGIN}&uart { status = "a much longer status string"; y = "s"; x = "seven!"; w; };\n&{/} { q = [aa bb cc]; };`,
    ],
  },
  {
    name: 'base without __symbols__ gets one',
    base: '/dts-v1/;\n/ { n { }; };',
    overlays: [`${PLUGIN}&{/n} { l: m { }; };`],
  },
];

describe.skipIf(!gate.available)(`overlays against dtc -@ and fdtoverlay ${gate.reason}`, () => {
  for (const c of cases) {
    it(c.name, () => {
      const baseSrc = c.base ?? BASE;
      const base = dtcCompile(baseSrc);
      expect(hex(compile(baseSrc))).toBe(hex(base));
      const ovs = c.overlays.map((src) => {
        const ref = dtcCompile(src);
        expect(hex(compile(src))).toBe(hex(ref));
        return ref;
      });
      const judge = fdtoverlay(base, ovs);
      expect(judge.ok).toBe(true);
      expect(hex(applyOverlayDtb(base, ovs))).toBe(hex(judge.out));
      // The tree-level API gives the same tree.
      let tree = readDtb(base);
      for (const ov of ovs) tree = applyOverlay(tree, readDtb(ov));
      expect(printDts(tree)).toBe(printDts(readDtb(judge.out)));
    });
  }

  const bad: { name: string; base?: string; overlay: string; code: string }[] = [
    { name: 'label missing from the base', overlay: `${PLUGIN}&nolabel { x; };`, code: 'NOTFOUND' },
    {
      name: 'base without __symbols__',
      base: '/dts-v1/;\n/ { n { }; };',
      overlay: `${PLUGIN}&n { x; };`,
      code: 'NOTFOUND',
    },
    { name: 'target-path that names no node', overlay: `${PLUGIN}&{/nowhere} { x; };`, code: 'NOTFOUND' },
    {
      name: 'fragment with no target',
      overlay: `${PLUGIN}/ { fragment@0 { __overlay__ { x; }; }; };`,
      code: 'BADOVERLAY',
    },
    {
      name: 'unresolved target phandle',
      overlay: `${PLUGIN}/ { fragment@0 { target = <0xffffffff>; __overlay__ { x; }; }; };`,
      code: 'BADPHANDLE',
    },
  ];
  for (const c of bad) {
    it(`fails like fdtoverlay: ${c.name}`, () => {
      const base = dtcCompile(c.base ?? BASE);
      const ov = dtcCompile(c.overlay);
      expect(fdtoverlay(base, [ov]).ok).toBe(false);
      let err: unknown;
      try {
        applyOverlayDtb(base, [ov]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OverlayError);
      expect((err as OverlayError).code).toBe(c.code);
    });
  }
});
