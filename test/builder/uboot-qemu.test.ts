// The strongest judge of the script: real U-Boot (Debian's u-boot-qemu, old hush) runs the fdt
// commands we emit against QEMU's own device tree, and `fdt print /chosen` must show exactly the
// tree we computed (order included). Hostile strings must come out inert: stored verbatim,
// nothing executed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEdits, maxPhandle, PhandleAllocator, type TreeEdits } from '../../builder/dom0less/edits.js';
import { ubootScript } from '../../builder/uboot/script.js';
import { Node, readDtb, type Tree, value } from '../../devicetree/index.js';
import { requireTools } from '../support/tools.js';
import { normaliseUbootPrint, ubootPrint } from './uboot-print.js';
import { MACHINE, runUbootScript, UBOOT_BIN } from './uboot-qemu-harness.js';

const gate = requireTools(['qemu-system-aarch64'], 'apt-get install qemu-system-arm u-boot-qemu');
const haveUboot = gate.available && existsSync(UBOOT_BIN);
if (gate.available && !haveUboot && process.env.CI === 'true')
  throw new Error(`CI=true and ${UBOOT_BIN} is missing`);

function dumpVirtDtb(): Tree {
  const dir = mkdtempSync(join(tmpdir(), 'dombuild-dtb-'));
  try {
    const file = join(dir, 'virt.dtb');
    execFileSync('qemu-system-aarch64', [...MACHINE, '-machine', `dumpdtb=${file}`, '-nographic'], {
      stdio: 'ignore',
    });
    return readDtb(new Uint8Array(readFileSync(file)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** QEMU puts fresh random seeds into /chosen on every start. */
const dropSeeds = (s: string) =>
  s
    .split('\n')
    .filter((l) => !/^\s*(rng-seed|kaslr-seed) = /.test(l))
    .join('\n');

export const HOSTILE = [
  '; setenv pwned 1',
  '$(setenv pwned 1)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal U-Boot variable reference is the point
  '${bootcmd}',
  '$bootcmd',
  '"; setenv pwned 1; echo "',
  '# not a comment',
  '&& setenv pwned 1',
  '|| setenv pwned 1',
  '| setenv pwned 1',
  '`setenv pwned 1`',
  '*?[]~ <>',
  '<0x1 0x2>',
  '[00 01]',
  '',
  // not quotable for hush: written as fdt bytes, stored verbatim all the same
  "it's'; setenv pwned 1; '",
  'back\\slash \\; setenv pwned 1',
  'new\nline\nsetenv pwned 1',
  'caf\u00e9 \u2603',
];

function fixture(base: Tree): TreeEdits {
  const ph = new PhandleAllocator(maxPhandle(base));
  const str = (n: Node, k: string, ...v: string[]) =>
    n.setProp(k, value.strings(...v), { hint: { kind: v.length > 1 ? 'strings' : 'string' } });
  const cells = (n: Node, k: string, ...v: number[]) =>
    n.setProp(k, value.u32(...v), { hint: { kind: 'cells', bits: 32 } });
  const chosen = new Node('');
  cells(chosen, '#address-cells', 2);
  cells(chosen, '#size-cells', 2);
  str(chosen, 'xen,xen-bootargs', 'console=dtuart dtuart=/pl011@9000000 ; setenv pwned 1');
  const refs: TreeEdits['phandleRefs'] = [];
  const evA = ph.alloc();
  const evB = ph.alloc();
  HOSTILE.forEach((h, i) => {
    const d = chosen.addChild(new Node(`domU${i + 1}`));
    str(d, 'compatible', 'xen,domain');
    cells(d, '#address-cells', 2);
    cells(d, '#size-cells', 2);
    d.setProp('memory', value.u64(0x10000n), { hint: { kind: 'cells', bits: 32 } });
    cells(d, 'cpus', 1);
    d.setProp('vpl011', value.empty());
    const m = d.addChild(new Node(`module@${(0x50000000 + i * 0x200000).toString(16)}`));
    str(m, 'compatible', 'multiboot,kernel', 'multiboot,module');
    m.setProp('reg', value.u64(BigInt(0x50000000 + i * 0x200000), 0x1000n), {
      hint: { kind: 'cells', bits: 32 },
    });
    str(m, 'bootargs', h);
    if (i < 2) {
      const ev = d.addChild(new Node('evtchn'));
      str(ev, 'compatible', 'xen,evtchn-v1');
      cells(ev, 'xen,evtchn', 10 + i, i === 0 ? evB : evA);
      cells(ev, 'phandle', i === 0 ? evA : evB);
      refs.push({ node: ev, prop: 'xen,evtchn', offset: 4 });
    }
  });
  return { fragments: [{ target: '/chosen', content: chosen }], phandleRefs: refs, phandleBase: ph.base };
}

describe.skipIf(!haveUboot)(`real U-Boot runs the fdt commands (${gate.reason || 'u-boot.bin'})`, () => {
  it('builds exactly the computed /chosen, hostile strings inert', async () => {
    const base = dumpVirtDtb();
    const edits = fixture(base);
    const script = ubootScript({
      loadCommand: 'tftpb',
      images: [],
      kernel: 'xen',
      fdt: { kind: 'control', addr: 0x48000000n, slotSize: 0x100000n },
      base,
      edits,
      end: 'none',
    });
    const run = await runUbootScript(`${script}fdt print /chosen\nprintenv pwned\nprintenv db_failed\n`);
    expect(run.found, run.output.slice(-2000)).toBe(true);
    const expected = ubootPrint(applyEdits(base, edits).lookup('/chosen')!);
    const printed = run.body.slice(run.body.indexOf('chosen {'), run.body.indexOf('## Error: "pwned"'));
    expect(dropSeeds(normaliseUbootPrint(printed))).toBe(dropSeeds(expected));
    expect(run.body).toContain('## Error: "pwned" not defined');
    expect(run.body).toContain('## Error: "db_failed" not defined');
  });

  it('dynamic mode: reg cells computed at boot from the loaded files', async () => {
    const base = dumpVirtDtb();
    const content = new Node('');
    const dom = content.addChild(new Node('domU1'));
    dom.setProp('compatible', value.string('xen,domain'), { hint: { kind: 'string' } });
    const kernel = dom.addChild(new Node('module@0'));
    kernel.setProp('reg', value.u64(0n, 0n));
    const ramdisk = dom.addChild(new Node('module@1'));
    ramdisk.setProp('reg', value.u32(0, 0));
    const script = ubootScript({
      loadCommand: 'tftpb',
      images: [
        { id: 'kernel', file: 'k.bin', addr: 0n },
        { id: 'ramdisk', file: 'r.bin', addr: 0n },
      ],
      kernel: 'kernel',
      fdt: { kind: 'control', addr: 0n, slotSize: 0x100000n },
      base,
      edits: { fragments: [{ target: '/chosen', content }], phandleRefs: [], phandleBase: 0 },
      dynamic: {
        free: [{ start: 0x44000000n, end: 0x48000000n }],
        keep: [],
        align: 0x200000n,
        regs: [
          { node: kernel, image: 'kernel', addressCells: 2, sizeCells: 2 },
          { node: ramdisk, image: 'ramdisk', addressCells: 1, sizeCells: 1 },
        ],
      },
      end: 'none',
    });
    const run = await runUbootScript(`${script}fdt print /chosen/domU1\nprintenv db_failed\n`, {
      'k.bin': new Uint8Array(0x200001),
      'r.bin': new Uint8Array(0x1234),
    });
    expect(run.found, run.output.slice(-2000)).toBe(true);
    // k.bin at the start; r.bin at the next 2 MiB boundary after 2 MiB + 1 byte
    expect(run.body).toContain('reg = <0x00000000 0x44000000 0x00000000 0x00200001>;');
    expect(run.body).toContain('reg = <0x44400000 0x00001234>;');
    expect(run.body).toContain('## Error: "db_failed" not defined');
  });
});
