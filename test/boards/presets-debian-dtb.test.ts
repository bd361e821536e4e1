// The zcu102 and rpi4 presets against the boards' own upstream device trees, as Debian's arm64
// kernel package ships them (scripts/setup-system.sh caches the two). The DTB is read with dtc's
// own tools (fdtget, dtc), not with our reader: GIC, CPUs, console UART, RAM banks and reserved
// memory must agree with what the preset says or what it resolves from the tree; then `build` on
// the real DTB must give a system.dtb dtc accepts and a plan clear of every reserved range.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveBoard } from '../../boards/index.js';
import { cacheRootFrom } from '../../qemu/assets.js';
import { runCliCaptured } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { inCI, requireTools } from '../support/tools.js';

const tools = requireTools(['dtc', 'fdtget'], 'apt-get install device-tree-compiler');
const KERNEL = join(
  cacheRootFrom(process.env, homedir()),
  'debs',
  'linux-image-arm64-bookworm',
  'usr',
  'lib',
);

/** A DTB from the cached linux-image-*-arm64 package, by its path under the kernel's dtb folder. */
function debianDtb(rel: string): string | undefined {
  const kernels = existsSync(KERNEL) ? readdirSync(KERNEL).filter((d) => d.startsWith('linux-image-')) : [];
  const found = kernels.map((k) => join(KERNEL, k, rel)).find((f) => existsSync(f));
  if (!found && inCI) throw new Error(`CI=true and no ${rel} under ${KERNEL} (run scripts/setup-system.sh)`);
  return found;
}

const ZCU102 = debianDtb('xilinx/zynqmp-zcu102-rev1.0.dtb');
const RPI4 = debianDtb('broadcom/bcm2711-rpi-4-b.dtb');
const ready = tools.available && ZCU102 !== undefined && RPI4 !== undefined;
const why = tools.reason || 'no cached Debian DTBs (run scripts/setup-system.sh)';

function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function fdtget(file: string, node: string, prop: string, type = 's'): string {
  const r = run('fdtget', ['-t', type, file, node, prop]);
  if (r.status !== 0) throw new Error(`fdtget ${node} ${prop}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A node's reg as (start, size) pairs, with its parent's cell sizes, all read by fdtget. */
function regs(file: string, node: string): { start: bigint; size: bigint }[] {
  const parent = node.slice(0, node.lastIndexOf('/')) || '/';
  const ac = Number.parseInt(fdtget(file, parent, '#address-cells', 'x'), 16);
  const sc = Number.parseInt(fdtget(file, parent, '#size-cells', 'x'), 16);
  const cells = fdtget(file, node, 'reg', 'x')
    .split(/\s+/)
    .filter(Boolean)
    .map((c) => BigInt(`0x${c}`));
  const num = (xs: bigint[]) => xs.reduce((a, c) => (a << 32n) | c, 0n);
  const out: { start: bigint; size: bigint }[] = [];
  for (let i = 0; i + ac + sc <= cells.length; i += ac + sc)
    out.push({ start: num(cells.slice(i, i + ac)), size: num(cells.slice(i + ac, i + ac + sc)) });
  return out;
}

/** Everything the tree keeps from the OS: /memreserve/ entries and enabled static reserved-memory. */
function reserved(file: string): { start: bigint; size: bigint }[] {
  const dts = run('dtc', ['-I', 'dtb', '-O', 'dts', file]).stdout;
  const out = [...dts.matchAll(/^\/memreserve\/\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+);/gm)].map((m) => ({
    start: BigInt(m[1] as string),
    size: BigInt(m[2] as string),
  }));
  const list = run('fdtget', ['-l', file, '/reserved-memory']);
  if (list.status !== 0) return out;
  for (const child of list.stdout.split('\n').filter(Boolean)) {
    const node = `/reserved-memory/${child}`;
    const props = run('fdtget', ['-p', file, node]).stdout.split('\n');
    if (!props.includes('reg')) continue; // dynamic (size + alloc-ranges): the OS places it
    if (props.includes('status') && fdtget(file, node, 'status') === 'disabled') continue;
    out.push(...regs(file, node).filter((r) => r.size > 0n));
  }
  return out;
}

/** The interrupt controllers' compatibles, from dtc's own listing. */
function gicCompatible(file: string): string[] {
  const dts = run('dtc', ['-I', 'dtb', '-O', 'dts', file]).stdout;
  return [...dts.matchAll(/compatible = "(arm,gic-[^"]+|arm,cortex-a15-gic)"/g)].map((m) => m[1] as string);
}

function cpuNodes(file: string): string[] {
  return run('fdtget', ['-l', file, '/cpus'])
    .stdout.split('\n')
    .filter((n) => /^cpu@/.test(n));
}

/** The console path stdout-path names, through /aliases. */
function stdoutPath(file: string): string {
  const alias = fdtget(file, '/chosen', 'stdout-path').split(':')[0] as string;
  return alias.startsWith('/') ? alias : fdtget(file, '/aliases', alias);
}

const overlaps = (a: { start: bigint; end: bigint }, b: { start: bigint; size: bigint }) =>
  a.start < b.start + b.size && b.start < a.end;

describe.skipIf(!ready)(
  `board presets against Debian's upstream DTBs (${ready ? 'linux-image-arm64' : why})`,
  () => {
    it('zcu102: GIC-400 (v2), four CPUs, RAM banks and console as the tree says', async () => {
      const file = ZCU102 as string;
      const r = await resolveBoard('zcu102', { configDir: '/', qemu: 'generated', boardDtb: file });
      const board = r.board!;
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(gicCompatible(file)).toEqual(['arm,gic-400']);
      expect(board.gic?.version).toBe(2);
      expect(cpuNodes(file)).toHaveLength(4);
      expect(board.cpus).toHaveLength(4);
      const banks = regs(file, '/memory@0');
      expect(banks).toEqual([
        { start: 0n, size: 0x8000_0000n },
        { start: 0x8_0000_0000n, size: 0x8000_0000n },
      ]);
      expect(board.ram.map((b) => ({ start: b.start, size: b.size }))).toEqual(banks);
      expect(stdoutPath(file)).toBe('/axi/serial@ff000000');
      expect(board.console).toBe('/axi/serial@ff000000');
      // disk.img's script loads from U-Boot's mmc 0: the tree's mmc0 alias, the enabled SD controller.
      expect(board.uboot?.diskDevice).toBe('mmc 0');
      expect(fdtget(file, '/aliases', 'mmc0')).toBe('/axi/mmc@ff170000');
      expect(fdtget(file, '/axi/mmc@ff170000', 'status')).toBe('okay');
    });

    it("rpi4: GIC-400, four CPUs; the preset's banks fill the tree's empty /memory below the peripherals; console is the tree's stdout UART", async () => {
      const file = RPI4 as string;
      const r = await resolveBoard('rpi4:ram=4G', { configDir: '/', qemu: 'generated', boardDtb: file });
      const board = r.board!;
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(gicCompatible(file)).toEqual(['arm,gic-400']);
      expect(board.gic?.version).toBe(2);
      expect(cpuNodes(file)).toHaveLength(4);
      expect(board.cpus).toHaveLength(4);
      // The firmware writes /memory at boot: the kernel tree's is empty, so the preset must say.
      expect(regs(file, '/memory@0').every((b) => b.size === 0n)).toBe(true);
      // RAM ends where the SoC's peripheral windows start (the CPU side of /soc's ranges).
      const ranges = fdtget(file, '/soc', 'ranges', 'x')
        .split(/\s+/)
        .map((c) => BigInt(`0x${c}`));
      const windows: bigint[] = [];
      for (let i = 0; i + 3 < ranges.length; i += 4) windows.push(ranges[i + 2] as bigint);
      const lowest = windows.reduce((a, b) => (a < b ? a : b));
      expect(lowest).toBe(0xfc00_0000n);
      expect(board.ram.length).toBeGreaterThan(0);
      for (const b of board.ram.filter((x) => x.start < 0x1_0000_0000n))
        expect(b.start + b.size <= lowest).toBe(true);
      // The preset's console is the UART stdout-path names (serial1, the mini UART on the header).
      expect(stdoutPath(file)).toBe('/soc/serial@7e215040');
      expect(fdtget(file, '/soc/serial@7e215040', 'compatible')).toBe('brcm,bcm2835-aux-uart');
      expect(board.console).toBe('/soc/serial@7e215040');
    });

    for (const [name, board, dtb] of [
      ['zcu102', 'zcu102', () => ZCU102 as string],
      ['rpi4', 'rpi4:ram=4G', () => RPI4 as string],
    ] as const) {
      it(`${name}: build on the real DTB gives a tree dtc accepts and a plan clear of the reserved ranges`, async () => {
        const work = tempDir(`dombuild-preset-${name}-`);
        const file = dtb();
        writeFileSync(
          join(work, 'sys.yaml'),
          `xen: { release: "4.17", cmdline: "console=dtuart dtuart=serial0" }
board: ${board}
domains:
  - { name: guest1, kernel: { probe: "hello from guest1" }, memory: 64M, vpl011: true }
  - { name: guest2, kernel: { probe: "hello from guest2" }, memory: 64M, vpl011: true }
`,
        );
        const out = join(work, 'out');
        const r = await runCliCaptured(['build', 'sys.yaml', '--board-dtb', file, '-o', out], {
          cwd: work,
          env: { PATH: process.env.PATH ?? '', DOMBUILD_CACHE: join(work, 'cache') },
        });
        expect(r.code, r.stderr).toBe(0);
        const dts = run('dtc', ['-I', 'dtb', '-O', 'dts', '-o', '/dev/null', join(out, 'system.dtb')]);
        expect(dts.status, dts.stderr).toBe(0);
        expect(dts.stderr).not.toMatch(/ERROR/);
        const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as {
          images: { name: string; address: string; end: string }[];
        };
        const keep = reserved(file);
        expect(plan.images.length).toBeGreaterThan(3);
        for (const img of plan.images) {
          const span = { start: BigInt(img.address), end: BigInt(img.end) };
          for (const k of keep)
            expect(overlaps(span, k), `${img.name} overlaps ${k.start.toString(16)}`).toBe(false);
        }
        if (name === 'rpi4') expect(keep.some((k) => k.start === 0n && k.size === 0x1000n)).toBe(true);
      });
    }
  },
);
