// Real DTBs: QEMU's machines dump the trees they would hand a guest. For each, our reader and
// writer agree with dtc's own re-flattening byte for byte, our DTS text equals dtc's, and dtc
// compiles our text back to the same bytes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tree } from '../../devicetree/index.js';
import { DtbError, printDts, readDtb, readDtbHeader, writeDtb } from '../../devicetree/index.js';
import { requireTools } from '../support/tools.js';
import { dtc, dtcOk, text } from './fixtures/dtc.js';

const gate = requireTools(
  ['dtc', 'fdtdump', 'qemu-system-aarch64', 'qemu-system-arm', 'qemu-system-riscv64'],
  'apt-get install device-tree-compiler qemu-system-arm qemu-system-misc',
);

/** The header fields fdtdump prints ("// totalsize:\t\t0x107e (4222)"), by name. */
function fdtdumpHeader(file: string): Record<string, number> {
  const r = spawnSync('fdtdump', [file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`fdtdump ${file} failed: ${r.stderr}`);
  const out: Record<string, number> = {};
  for (const m of r.stdout.matchAll(/^\/\/ (\w+):\s+(0x[0-9a-f]+|\d+)/gm)) out[m[1]!] = Number(m[2]!);
  return out;
}

const a57 = ['-cpu', 'cortex-a57', '-m', '2G', '-smp', '2'];
const machines: [string, string, string[]][] = [
  ['aarch64 virt gicv2', 'qemu-system-aarch64', ['-machine', 'virt,gic-version=2', ...a57]],
  ['aarch64 virt gicv3', 'qemu-system-aarch64', ['-machine', 'virt,gic-version=3', ...a57]],
  [
    'aarch64 virt gicv3 el2',
    'qemu-system-aarch64',
    ['-machine', 'virt,gic-version=3,virtualization=true', ...a57],
  ],
  [
    'aarch64 virt secure max',
    'qemu-system-aarch64',
    ['-machine', 'virt,secure=on,gic-version=3', '-cpu', 'max', '-smp', '4'],
  ],
  ['arm virt', 'qemu-system-arm', ['-machine', 'virt']],
  ['riscv64 virt', 'qemu-system-riscv64', ['-machine', 'virt']],
  ['riscv64 virt aia smp4', 'qemu-system-riscv64', ['-machine', 'virt,aia=aplic-imsic', '-smp', '4']],
  ['riscv64 sifive_u', 'qemu-system-riscv64', ['-machine', 'sifive_u']],
  ['riscv64 spike', 'qemu-system-riscv64', ['-machine', 'spike']],
];

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe.skipIf(!gate.available)(`QEMU's device trees ${gate.reason}`, () => {
  let dir = '';
  const dumped = new Map<string, Uint8Array>();
  const files = new Map<string, string>();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dombuild-qemu-dtb-'));
    machines.forEach(([name, qemu, args], i) => {
      const file = join(dir, `${i}.dtb`);
      const r = spawnSync(qemu, [...args, '-machine', `dumpdtb=${file}`, '-nographic'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      if (r.status !== 0) throw new Error(`${qemu} ${args.join(' ')} could not dump its DTB: ${r.stderr}`);
      dumped.set(name, new Uint8Array(readFileSync(file)));
      files.set(name, file);
    });
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(machines.map(([name]) => name))('%s', (name) => {
    const raw = dumped.get(name)!;
    const h = readDtbHeader(raw);
    expect(fdtdumpHeader(files.get(name)!)).toEqual({
      magic: h.magic,
      totalsize: h.totalsize,
      off_dt_struct: h.offDtStruct,
      off_dt_strings: h.offDtStrings,
      off_mem_rsvmap: h.offMemRsvmap,
      version: h.version,
      last_comp_version: h.lastCompVersion,
      boot_cpuid_phys: h.bootCpuidPhys,
      size_dt_strings: h.sizeDtStrings,
      size_dt_struct: h.sizeDtStruct,
    });
    const tree = readDtb(raw);
    expect(tree.root.children.length).toBeGreaterThan(2);

    // QEMU's blob keeps libfdt's free space; dtc re-flattens it tightly, and so do we.
    const norm = dtcOk('dtb', 'dtb', raw);
    const ours = writeDtb(tree);
    expect(hex(ours)).toBe(hex(norm));
    expect(hex(writeDtb(readDtb(norm)))).toBe(hex(norm));
    expect(readDtbHeader(ours).bootCpuidPhys).toBe(readDtbHeader(raw).bootCpuidPhys);

    const dts = printDts(tree);
    expect(dts).toBe(text(dtcOk('dtb', 'dts', raw)));
    const back = dtcOk('dts', 'dtb', dts, ['-b', String(tree.bootCpuid)]);
    expect(hex(back)).toBe(hex(ours));
  });

  it('mutated blobs that both we and dtc accept give the same text and bytes', () => {
    const bases = [...dumped.values()].map((raw) => dtcOk('dtb', 'dtb', raw));
    let compared = 0;
    fc.assert(
      fc.property(
        fc.nat(bases.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(7)), { minLength: 1, maxLength: 3 }),
        (which, flips) => {
          const b = bases[which]!.slice();
          for (const [at, bit] of flips) b[40 + (at % (b.length - 40))]! ^= 1 << bit;
          let tree: Tree | undefined;
          try {
            tree = readDtb(b);
          } catch (e) {
            if (!(e instanceof DtbError)) throw e;
          }
          const theirs = dtc('dtb', 'dts', b, ['-f']);
          if (!tree || theirs.status !== 0) return;
          compared++;
          // dtc 1.6.1 prints NUL + octal digit as "\0" + digit, which it misreads; we print "\x00".
          // (a backslash preceded by an even run of backslashes starts an escape)
          const fixed = text(theirs.stdout).replace(/((?:^|[^\\])(?:\\\\)*)\\0([0-7])/g, '$1\\x00$2');
          expect(printDts(tree)).toBe(fixed);
          expect(hex(writeDtb(tree))).toBe(hex(dtcOk('dtb', 'dtb', b, ['-f'])));
        },
      ),
      { numRuns: 120 },
    );
    expect(compared).toBeGreaterThan(20);
  });
});
