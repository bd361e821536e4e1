// Board DTB reading: dtc compiles each fixture (the bytes are dtc's, not ours), we read the facts.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { applyDtbFacts, readDtbFacts, zcu102Board } from '../../boards/index.js';
import { readDtb } from '../../devicetree/index.js';
import { requireTools } from '../support/tools.js';

const gate = requireTools(['dtc'], 'apt-get install device-tree-compiler');

function compile(dts: string) {
  const r = spawnSync('dtc', ['-I', 'dts', '-O', 'dtb', '-q', '-'], { input: dts });
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return readDtbFacts(readDtb(new Uint8Array(r.stdout)));
}

const TWO_CELL = `/dts-v1/;
/memreserve/ 0x7ff00000 0x100000;
/memreserve/ 0x1 0x0;
/ {
  #address-cells = <2>; #size-cells = <2>;
  interrupt-parent = <&gic>;
  model = "test board";
  compatible = "vendor,board";
  aliases { serial0 = "/axi/serial@ff000000"; };
  chosen { stdout-path = "serial0:115200n8"; };
  memory@0 { device_type = "memory"; reg = <0x0 0x0 0x0 0x7ff00000>, <0x8 0x0 0x0 0x80000000>; };
  reserved-memory {
    #address-cells = <2>; #size-cells = <2>; ranges;
    optee@60000000 { reg = <0x0 0x60000000 0x0 0x1000000>, <0x9 0x0 0x0 0x200000>; no-map; };
    pool { compatible = "shared-dma-pool"; size = <0x0 0x400000>; reusable; };
    off@70000000 { reg = <0x0 0x70000000 0x0 0x1000>; status = "disabled"; };
  };
  cpus {
    #address-cells = <2>; #size-cells = <0>;
    cpu@0 { device_type = "cpu"; reg = <0x0 0x0>; };
    cpu@100 { device_type = "cpu"; reg = <0x0 0x100>; };
    cpu@10000000000 { device_type = "cpu"; reg = <0x100 0x0>; };
  };
  axi { #address-cells = <2>; #size-cells = <2>;
    gic: interrupt-controller@f9010000 { compatible = "arm,gic-400", "arm,cortex-a15-gic"; interrupt-controller; #interrupt-cells = <3>; reg = <0x0 0xf9010000 0x0 0x10000>; };
    serial@ff000000 { compatible = "cdns,uart-r1p12"; reg = <0x0 0xff000000 0x0 0x1000>; };
  };
};`;

const ONE_CELL = `/dts-v1/;
/ {
  #address-cells = <1>; #size-cells = <1>;
  memory { device_type = "memory"; reg = <0x80000000 0x20000000 0xc0000000 0x10000000>; };
  memory@0 { device_type = "memory"; reg = <0x0 0x0>; };
  reserved-memory {
    #address-cells = <1>; #size-cells = <1>; ranges;
    fw@8f000000 { reg = <0x8f000000 0x100000 0x8f800000 0x80000>; };
  };
  cpus { #address-cells = <1>; #size-cells = <0>;
    cpu@f00 { device_type = "cpu"; reg = <0xf00>; };
    cpu@f01 { device_type = "cpu"; reg = <0xf01>; status = "disabled"; };
  };
  intc: interrupt-controller@2f000000 { compatible = "arm,gic-v3"; interrupt-controller; reg = <0x2f000000 0x10000>; };
  chosen { stdout-path = "/uart@1c090000"; };
};`;

describe.skipIf(!gate.available)(`board DTB facts (judge: dtc) ${gate.reason}`, () => {
  it('reads 2-cell memory, every range of every reserved-memory child, /memreserve/, 2-cell cpu ids, GIC, aliased console', () => {
    const { facts, diagnostics } = compile(TWO_CELL);
    expect(diagnostics).toEqual([]);
    expect(facts.model).toBe('test board');
    expect(facts.ram).toEqual([
      { start: 0n, size: 0x7ff00000n },
      { start: 0x800000000n, size: 0x80000000n },
    ]);
    expect(facts.reserved.map((r) => [r.name, r.source, r.start, r.size])).toEqual([
      ['reserved-memory/optee@60000000[0]', 'reserved-memory', 0x60000000n, 0x1000000n],
      ['reserved-memory/optee@60000000[1]', 'reserved-memory', 0x900000000n, 0x200000n],
      ['memreserve[0]', 'memreserve', 0x7ff00000n, 0x100000n],
    ]); // the zero-sized second /memreserve/ reserves nothing
    expect(facts.cpus.map((c) => c.id)).toEqual([0n, 0x100n, 0x10000000000n]);
    expect(facts.gic).toEqual({ version: 2, path: '/axi/interrupt-controller@f9010000' });
    expect(facts.console).toBe('/axi/serial@ff000000');
  });

  it('reads 1-cell layouts, skips empty memory and disabled CPUs, finds GICv3 without interrupt-parent', () => {
    const { facts, diagnostics } = compile(ONE_CELL);
    expect(diagnostics).toEqual([]);
    expect(facts.ram).toEqual([
      { start: 0x80000000n, size: 0x20000000n },
      { start: 0xc0000000n, size: 0x10000000n },
    ]);
    expect(facts.reserved.map((r) => [r.start, r.size])).toEqual([
      [0x8f000000n, 0x100000n],
      [0x8f800000n, 0x80000n],
    ]);
    expect(facts.cpus.map((c) => [c.id, c.path])).toEqual([[0xf00n, '/cpus/cpu@f00']]);
    expect(facts.gic?.version).toBe(3);
    expect(facts.console).toBe('/uart@1c090000');
  });

  it('turns a reg that does not match #cells into a located diagnostic, not an exception', () => {
    const { facts, diagnostics } = compile(`/dts-v1/;
/ { #address-cells = <2>; #size-cells = <2>;
  memory@0 { device_type = "memory"; reg = <0x0 0x40000000 0x1000>; };
  reserved-memory { #address-cells = <2>; #size-cells = <1>; r@0 { reg = <0xffffffff 0xffffffff 0x10>; }; };
};`);
    expect(facts.ram).toEqual([]);
    expect(diagnostics.map((d) => [d.id, d.where])).toEqual([
      ['board-dtb-bad-reg', '/memory@0'],
      ['board-dtb-bad-reg', '/reserved-memory/r@0'],
    ]);
  });

  it('fills a vendor descriptor from its DTB and unions the reserved ranges', () => {
    const { facts } = compile(TWO_CELL);
    const { board, diagnostics } = applyDtbFacts(zcu102Board('/x.dtb'), facts);
    expect(diagnostics).toEqual([]);
    expect(board.ram).toHaveLength(2);
    expect(board.cpus).toHaveLength(3);
    expect(board.console).toBe('/axi/serial@ff000000');
    expect(board.gic).toEqual({ version: 2, path: '/axi/interrupt-controller@f9010000' });
    expect(board.reserved).toHaveLength(3);
  });
});
