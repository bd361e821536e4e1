// `dombuild plan` and `dombuild boards`, run in-process through runCli. PATH is empty so the
// built-in board's DTB is the generated one and no QEMU is started.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';
import { Tree, value, writeDtb } from '../../devicetree/index.js';
import { requireTools } from '../support/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'dombuild-plan-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], opts: { tty?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: async () => new Uint8Array(),
    cwd: dir,
    env: { PATH: '', DOMBUILD_CACHE: join(dir, 'cache') },
    isTTY: opts.tty ?? false,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const SYSTEM = `xen:
  release: "4.20"
board: qemu-virt-arm64
boot:
  method: direct
domains:
  - name: domU1
    kernel: probe
    memory: 128M
    vcpus: 1
  - name: domU2
    kernel: probe
    memory: 128M
    vcpus: 1
`;
writeFileSync(join(dir, 'sys.yaml'), SYSTEM);
writeFileSync(
  join(dir, 'huge.yaml'),
  `xen: { release: "4.20" }\nboard: "qemu-virt-arm64:ram=128M"\ndomains:\n  - { name: big, kernel: big.img, memory: 64M, vcpus: 1 }\n`,
);
writeFileSync(join(dir, 'big.img'), new Uint8Array(120 * 1024 * 1024));

describe('dombuild plan', () => {
  it('prints a table and bars, exit 0, no colour when not a terminal', async () => {
    const r = await run(['plan', 'sys.yaml']);
    expect(r.code).toBe(0);
    for (const name of ['xen', 'dtb', 'domU1/kernel', 'domU2/kernel', 'qemu/boot-stub'])
      expect(r.stdout).toContain(name);
    expect(r.stdout).toContain('0x48000000');
    expect(r.stdout).not.toContain('\x1b[');
    expect((await run(['plan', 'sys.yaml'], { tty: true })).stdout).toContain('\x1b[');
  });

  it('--json prints plan.json', async () => {
    const r = await run(['plan', 'sys.yaml', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.method).toBe('direct');
    expect(doc.xenAddress).toBe('0x40200000');
    expect(doc.dtbAddress).toBe('0x48000000');
    expect(doc.images.map((i: { name: string }) => i.name)).toEqual([
      'xen',
      'domU1/kernel',
      'domU2/kernel',
      'dtb',
    ]);
  });

  it('--board overrides the config board', async () => {
    // 512M: two 128M domains and what Xen takes for itself (board-ram) fit; 256M would not.
    const r = await run(['plan', 'sys.yaml', '--json', '--board', 'qemu-virt-arm64:ram=512M,gic=2']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).board.ram).toEqual([{ start: '0x40000000', size: '0x20000000' }]);
  });

  it('--board zcu102 --board-dtb: RAM and reserved ranges from the vendor DTB, U-Boot at the top of bank 0', async () => {
    const t = new Tree();
    t.root.setProp('#address-cells', value.u32(2));
    t.root.setProp('#size-cells', value.u32(2));
    const mem = t.ensurePath('/memory@0');
    mem.setProp('device_type', value.string('memory'));
    mem.setProp('reg', value.u64(0n, 0x7ff00000n, 0x800000000n, 0x80000000n));
    const rsv = t.ensurePath('/reserved-memory');
    rsv.setProp('#address-cells', value.u32(2));
    rsv.setProp('#size-cells', value.u32(2));
    t.ensurePath('/reserved-memory/pmu@7fe00000').setProp('reg', value.u64(0x7fe00000n, 0x100000n));
    const gic = t.ensurePath('/axi/interrupt-controller@f9010000');
    gic.setProp('compatible', value.strings('arm,gic-400'));
    gic.setProp('interrupt-controller', value.empty());
    writeFileSync(join(dir, 'zcu.dtb'), writeDtb(t));
    writeFileSync(join(dir, 'u.yaml'), SYSTEM.replace('method: direct', 'method: uboot'));
    const r = await run(['plan', 'u.yaml', '--json', '--board', 'zcu102', '--board-dtb', 'zcu.dtb']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.board.ram).toEqual([
      { start: '0x0', size: '0x7ff00000' },
      { start: '0x800000000', size: '0x80000000' },
    ]);
    expect(doc.scriptAddress).toBe('0x20000000');
    expect(doc.excluded.map((e: { name: string; start: string }) => [e.name, e.start])).toEqual([
      ['uboot-relocation', '0x7bf00000'],
      ['reserved-memory/pmu@7fe00000[0]', '0x7fe00000'],
    ]);
    // QEMU models the ZCU102 (docs/zcu102-qemu.md), so the direct loader plans for it too
    expect((await run(['plan', 'sys.yaml', '--board', 'zcu102', '--board-dtb', 'zcu.dtb'])).code).toBe(0);
  });

  it('exit 1 with a located diagnostic when an image does not fit', async () => {
    const r = await run(['plan', 'huge.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/huge\.yaml:\d+:\d+: error \(plan-no-room\)/);
    expect(r.stdout).toBe('');
  });

  it('exit 2 for a missing config and for --json with --svg', async () => {
    expect((await run(['plan', 'nope.yaml'])).code).toBe(2);
    expect((await run(['plan', 'sys.yaml', '--json', '--svg', 'x.svg'])).code).toBe(2);
  });

  const svgGate = requireTools(['xmllint', 'rsvg-convert'], 'apt-get install libxml2-utils librsvg2-bin');
  it.skipIf(!svgGate.available)(
    `--svg writes an SVG that xmllint accepts and rsvg-convert renders ${svgGate.reason}`,
    async () => {
      const r = await run(['plan', 'sys.yaml', '--svg', 'map.svg']);
      expect(r.code).toBe(0);
      const svg = join(dir, 'map.svg');
      expect(readFileSync(svg, 'utf8')).toContain('domU2/kernel');
      expect(spawnSync('xmllint', ['--noout', svg]).status).toBe(0);
      const png = join(dir, 'map.png');
      const rs = spawnSync('rsvg-convert', ['-o', png, svg]);
      expect(rs.status).toBe(0);
      expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    },
  );
});

describe('dombuild boards', () => {
  it('lists the boards as a table and as JSON', async () => {
    const t = await run(['boards']);
    expect(t.code).toBe(0);
    for (const n of ['qemu-virt-arm64', 'qemu-virt-arm64-gicv2', 'qemu-q35-x86_64', 'zcu102', 'rpi4'])
      expect(t.stdout).toContain(n);
    const j = await run(['boards', '--json']);
    expect(
      JSON.parse(j.stdout).map((b: { name: string; needsUserDtb: boolean }) => [b.name, b.needsUserDtb]),
    ).toEqual([
      ['qemu-virt-arm64', false],
      ['qemu-virt-arm64-gicv2', false],
      ['qemu-q35-x86_64', false],
      ['zcu102', true],
      ['rpi4', true],
    ]);
  });
});

describe('dombuild plan on x86', () => {
  it('says there is no plan (the loader places the modules) and exits 0', async () => {
    const file = join(dir, 'x86.yaml');
    writeFileSync(
      file,
      `arch: x86_64
xen: { release: "4.17" }
board: qemu-q35-x86_64
boot: { method: direct }
dom0: { kernel: vmlinuz, memory: 512M, type: pv }
`,
    );
    const r = await run(['plan', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('info (plan-x86-loader-places)');
    expect(r.stderr).not.toMatch(/\berror \(/);
    expect(r.stdout).toBe('');
  });
});
