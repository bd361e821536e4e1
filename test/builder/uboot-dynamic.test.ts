// boot.dynamic on real U-Boot (Debian's u-boot-qemu): the script places images at boot from the
// sizes it loads, and must avoid every range the static plan avoids. Judged by U-Boot itself:
// before each script runs, every excluded range U-Boot does not live in is filled with a sentinel
// word (`mw.l`); afterwards U-Boot's `crc32` reads back every loaded image (compared with
// node:zlib's crc32 of the file) and every sentinel range (compared with the crc32 of the fill).
// Plans come from fast-check (fixed seed, so a failure names a reproducible case) plus the worst
// cases of issue 11; all of them run in ONE U-Boot boot, each script fetched and `source`d in turn.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { qemuVirtArgs } from '../../boards/index.js';
import { runPipeline } from '../../builder/pipeline/index.js';
import type { BootPlan } from '../../builder/plan/types.js';
import { writeScriptImage } from '../../images/uimage.js';
import { requireTools } from '../support/tools.js';
import { runUbootScript, UBOOT_BIN } from './uboot-qemu-harness.js';

const gate = requireTools(['qemu-system-aarch64'], 'apt-get install qemu-system-arm u-boot-qemu');
const haveUboot = gate.available && existsSync(UBOOT_BIN);
if (gate.available && !haveUboot && process.env.CI === 'true')
  throw new Error(`CI=true and ${UBOOT_BIN} is missing`);

const root = fileURLToPath(new URL('../../', import.meta.url));
const KCONFIG = join(root, 'examples', 'static-partitioning.config');
const MiB = 1 << 20;
const RAM = 512n * BigInt(MiB);
const RAM_BASE = 0x40000000n;
/** The board's U-Boot script slot: each case's script is fetched there, where the real one runs. */
const SCRIPT_ADDR = 0x40200000n;
const SENTINEL = 0x5a17e1a5n;

interface Dom {
  kernel: number;
  ramdisk?: number;
  /** A static-memory bank, in MiB from the RAM base. */
  bank?: { at: number; size: number };
}
interface Case {
  name: string;
  doms: Dom[];
  /** Replace this domain's kernel at boot by a file of this size (the "does not fit" case). */
  swap?: { dom: number; size: number };
}

/** A fake arm64 Image (Xen): header with magic and image_size, then bytes from `seed`. */
function fakeImage(size: number, seed: number, imageSize = size): Uint8Array {
  const b = bytes(size, seed);
  const v = new DataView(b.buffer);
  b.fill(0, 0, 64);
  v.setBigUint64(8, 0n, true);
  v.setBigUint64(16, BigInt(imageSize), true);
  v.setBigUint64(24, 0xan, true);
  v.setUint32(56, 0x644d5241, true);
  return b;
}

function bytes(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

function configYaml(c: Case): string {
  const doms = c.doms.map((d, i) => {
    const lines = [
      `  - name: g${i}`,
      `    kernel: g${i}-kernel.img`,
      '    vcpus: 1',
      `    memory: ${d.bank ? d.bank.size : 32}M`,
      '    xenstore: no-xenstore',
    ];
    if (d.ramdisk !== undefined) lines.push(`    ramdisk: g${i}-ramdisk.img`);
    if (d.bank)
      lines.push(
        `    staticMemory: [{ base: "0x${(RAM_BASE + BigInt(d.bank.at * MiB)).toString(16)}", size: ${d.bank.size}M }]`,
      );
    return lines.join('\n');
  });
  return [
    'xen:',
    '  release: "4.20"',
    '  image: xen',
    `  kconfig: ${JSON.stringify(KCONFIG)}`,
    '  cmdline: "console=dtuart dtuart=/pl011@9000000"',
    `board: qemu-virt-arm64:ram=${RAM / BigInt(MiB)}M`,
    'boot:',
    '  dynamic: true',
    'domains:',
    ...doms,
    '',
  ].join('\n');
}

const caseArb: fc.Arbitrary<Dom[]> = fc
  .array(
    fc.record({
      kernel: fc.integer({ min: 4096, max: 16 * MiB }),
      ramdisk: fc.option(fc.integer({ min: 1, max: 4 * MiB }), { nil: undefined }),
      bankAt: fc.integer({ min: 4, max: 400 }),
      bankSize: fc.option(fc.integer({ min: 2, max: 64 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((ds) => {
    // Banks are laid out disjoint, each 2 MiB aligned, under the 512 MiB board's U-Boot area.
    const used: [number, number][] = [];
    return ds.map((d) => {
      const dom: Dom = { kernel: d.kernel };
      if (d.ramdisk !== undefined) dom.ramdisk = d.ramdisk;
      if (d.bankSize !== undefined) {
        const at = d.bankAt & ~1;
        const size = d.bankSize & ~1 || 2;
        if (at + size <= 440 && !used.some(([a, s]) => at < a + s && a < at + size)) {
          used.push([at, size]);
          dom.bank = { at, size };
        }
      }
      return dom;
    });
  });

const CASES: Case[] = [
  // Issue 11: static memory at 0x41000000..0x45000000 and a 31 MiB kernel.
  { name: 'issue-31M-over-static', doms: [{ kernel: 31 * MiB, bank: { at: 16, size: 64 } }] },
  // The same, a ramdisk too and a second bank right after the first.
  {
    name: 'issue-two-banks',
    doms: [
      { kernel: 31 * MiB + 1, ramdisk: 3 * MiB + 7, bank: { at: 16, size: 64 } },
      { kernel: 5 * MiB, bank: { at: 80, size: 32 } },
    ],
  },
  ...fc.sample(caseArb, { seed: 11, numRuns: 4 }).map((doms, i) => ({ name: `generated-${i}`, doms })),
  // Planned with a 1 MiB kernel, booted with one larger than every free range left.
  {
    name: 'does-not-fit',
    doms: [
      { kernel: MiB, bank: { at: 4, size: 250 } },
      { kernel: MiB, bank: { at: 256, size: 190 } },
    ],
    swap: { dom: 0, size: 48 * MiB },
  },
];

interface Built {
  c: Case;
  plan: BootPlan;
  source: string;
  /** Boot-root relative file → bytes the script loads. */
  files: Map<string, Uint8Array>;
}

describe.skipIf(!haveUboot)(`boot.dynamic on real U-Boot (${gate.reason || 'u-boot.bin'})`, () => {
  const work = mkdtempSync(join(tmpdir(), 'dombuild-dyn-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function build(c: Case, n: number): Promise<Built> {
    const dir = join(work, `case${n}`);
    mkdirSync(dir, { recursive: true });
    const files = new Map<string, Uint8Array>();
    const put = (name: string, b: Uint8Array) => {
      writeFileSync(join(dir, name), b);
      files.set(`case${n}/${name}`, b);
    };
    // image_size past the file: the script must keep the BSS free as the plan does.
    put('xen', fakeImage(2 * MiB + 4096 * n, 1000 + n, 3 * MiB));
    c.doms.forEach((d, i) => {
      put(`g${i}-kernel.img`, fakeImage(d.kernel, 10 * n + i));
      if (d.ramdisk !== undefined) put(`g${i}-ramdisk.img`, bytes(d.ramdisk, 77 * n + i));
    });
    const text = configYaml(c);
    writeFileSync(join(dir, 'system.yaml'), text);
    const r = await runPipeline({
      text,
      file: join(dir, 'system.yaml'),
      configDir: dir,
      cwd: dir,
      board: { qemu: 'generated' },
      until: 'emit',
      levels: new Map([['image-missing', 'error']]),
      outputs: () => ({
        hashImages: false,
        readImageBytes: false,
        bootRoot: work,
        outDir: join(dir, 'out'),
        only: new Set(['uboot', 'dtb']),
        dynamic: true,
        timestamp: 0,
      }),
    });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(errors, `${c.name}\n${text}`).toEqual([]);
    const source = new TextDecoder().decode(r.built!.files.get('boot.source')!);
    if (c.swap) put(`g${c.swap.dom}-kernel.img`, fakeImage(c.swap.size, 999));
    return { c, plan: r.plan!, source, files };
  }

  it('loads every image outside every excluded range, or stops and says so', {
    timeout: 300_000,
  }, async () => {
    const built: Built[] = [];
    for (const [n, c] of CASES.entries()) built.push(await build(c, n));

    const tftp: Record<string, Uint8Array> = {};
    const outer: string[] = [];
    const expected: { label: string; crc: number }[] = [];
    for (const [n, b] of built.entries()) {
      for (const [name, data] of b.files) tftp[name] = data;
      // booti replaced by a marker: the loads and the tree edits run exactly as written.
      const script = b.source.replace(/booti [^;]+;/, 'echo DYN-WOULD-BOOT;');
      const uimg = writeScriptImage(script, { timestamp: 0 });
      tftp[`case${n}.scr`] = uimg;
      const sentinels = b.plan.excluded.filter((e) => e.reason !== 'uboot-relocation');
      // The slot U-Boot runs the script from, past the script itself, is a kept range too.
      const scriptEnd = SCRIPT_ADDR + BigInt((uimg.length + 3) & ~3);
      const slot = b.plan.images.find((i) => i.role === 'script')!;
      const ranges = [
        ...sentinels.map((e) => ({ name: e.name, start: e.start, size: e.size })),
        { name: 'boot.scr-slot', start: scriptEnd, size: slot.address + slot.effectiveSize - scriptEnd },
      ];
      outer.push(`echo 'CASE ${n} ${b.c.name}'`);
      outer.push(`tftpb ${hex(SCRIPT_ADDR)} case${n}.scr`);
      for (const r of ranges) outer.push(`mw.l ${hex(r.start)} ${hex(SENTINEL)} ${hex(r.size / 4n)}`);
      outer.push(`source ${hex(SCRIPT_ADDR)}`);
      // U-Boot 2023.01's `source` returns 0 whatever the script does; the script's verdict is db_failed.
      outer.push(`if env exists db_failed; then echo 'VERDICT ${n} failed'; else echo 'VERDICT ${n} ok'; fi`);
      // Each image's id in load order, as the emitter names them (m<k>, Xen as xen).
      const ids = [...b.source.matchAll(/setenv (\w+)_addr \$\{memaddr\}/g)]
        .map((m) => m[1]!)
        .filter((id) => id !== 'fdt');
      outer.push(
        `echo "ADDR ${n} fdt \${fdt_addr} ${hex(b.plan.images.find((i) => i.role === 'dtb')!.effectiveSize)}"`,
      );
      for (const id of ids) outer.push(`echo "ADDR ${n} ${id} \${${id}_addr} \${${id}_size}"`);
      if (!b.c.swap) {
        // The tree handed to Xen carries none of the reservations the script told U-Boot about.
        outer.push(`fdt addr \${fdt_addr}`, `echo 'RSV ${n}'`, 'fdt rsvmem print', `echo 'RSVEND ${n}'`);
        for (const id of ids) {
          outer.push(`echo 'IMG ${n} ${id}'`);
          outer.push(`crc32 \${${id}_addr} \${${id}_size}`);
        }
      }
      for (const r of ranges) {
        outer.push(`echo 'KEEP ${n} ${r.name}'`);
        outer.push(`crc32 ${hex(r.start)} ${hex(r.size)}`);
        const fill = new Uint8Array(Number(r.size));
        new Uint32Array(fill.buffer).fill(Number(SENTINEL));
        expected.push({ label: `KEEP ${n} ${r.name}`, crc: crc32(fill) });
      }
    }

    const run = await runUbootScript(`${outer.join('\n')}\n`, tftp, [
      ...qemuVirtArgs({ gic: 3, ram: RAM, cpus: 2 }),
    ]);
    expect(run.found, run.output.slice(-4000)).toBe(true);
    const body = run.body;
    if (process.env.DYN_DEBUG) writeFileSync(process.env.DYN_DEBUG, run.output);
    /** The `==> crc` line after a labelled echo. */
    const crcAfter = (label: string) => {
      const at = body.indexOf(`${label}\n`);
      expect(at, `${label} missing:\n${body.slice(-3000)}`).toBeGreaterThanOrEqual(0);
      const m = /==> ([0-9a-f]{8})/.exec(body.slice(at));
      return m ? Number.parseInt(m[1]!, 16) : -1;
    };
    for (const e of expected) expect(crcAfter(e.label), e.label).toBe(e.crc);

    for (const [n, b] of built.entries()) {
      const section = body.slice(body.indexOf(`CASE ${n} `), body.indexOf(`VERDICT ${n} `));
      const verdict = new RegExp(`VERDICT ${n} (\\w+)`).exec(body)?.[1];
      const addrs = [
        ...body.matchAll(new RegExp(`ADDR ${n} (\\w+) (?:0x)?([0-9a-f]+) (?:0x)?([0-9a-f]+)`, 'g')),
      ];
      if (b.c.swap) {
        expect(verdict, b.c.name).toBe('failed');
        expect(section).toMatch(/dombuild: g0\/kernel could not be loaded into any free range/);
        // It stops there: nothing after the image that did not fit is loaded, copied or booted.
        expect(section).not.toContain(`case${n}/g1-kernel.img`);
        expect(section).not.toContain(`case${n}/xen`);
        expect(section).not.toContain('DYN-WOULD-BOOT');
        continue;
      }
      expect(verdict, `${b.c.name}: ${section}`).toBe('ok');
      expect(section).toContain('DYN-WOULD-BOOT');
      const rsv = body.slice(body.indexOf(`RSV ${n}\n`), body.indexOf(`RSVEND ${n}`));
      expect(rsv).toContain('index');
      expect(rsv, b.c.name).not.toMatch(/^\s*\d+\s+[0-9a-f]{16}\s+[0-9a-f]{16}/m);
      // Which file each id loaded, from the script's own load lines, in order.
      const loads = [...b.source.matchAll(/(?:^|; )if tftpb \$\{memaddr\} '([^']+)'; then/gm)].map(
        (m) => m[1]!,
      );
      const files = [...new Set(loads)];
      const fdt = addrs.find((a) => a[1] === 'fdt')!;
      addrs.splice(addrs.indexOf(fdt), 1);
      expect(addrs.length).toBe(files.length);
      const placed: { start: bigint; end: bigint; name: string }[] = [];
      for (const [k, a] of addrs.entries()) {
        const data = b.files.get(files[k]!)!;
        expect(Number.parseInt(a[3]!, 16), files[k]).toBe(data.length);
        expect(crcAfter(`IMG ${n} ${a[1]}`), files[k]).toBe(crc32(data));
        placed.push({
          start: BigInt(`0x${a[2]!.replace(/^0x/, '')}`),
          end: BigInt(`0x${a[2]!.replace(/^0x/, '')}`) + BigInt(data.length),
          name: files[k]!,
        });
      }
      const at = (s: string) => BigInt(`0x${s.replace(/^0x/, '')}`);
      placed.push({ start: at(fdt[2]!), end: at(fdt[2]!) + at(fdt[3]!), name: 'DTB slot' });
      // Nothing loaded over an excluded range (U-Boot's own included) or another image.
      for (const p of placed) {
        for (const e of b.plan.excluded)
          expect(p.start < e.start + e.size && e.start < p.end, `${p.name} over ${e.name}`).toBe(false);
        for (const q of placed)
          if (q !== p) expect(p.start < q.end && q.start < p.end, `${p.name} over ${q.name}`).toBe(false);
      }
    }
  });
});

const hex = (v: bigint) => `0x${v.toString(16)}`;
