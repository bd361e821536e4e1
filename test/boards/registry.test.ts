// Board resolution without QEMU: built-in names and parameters, vendor boards needing a DTB,
// user board YAML files (schema errors located), and toBoardFacts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BoardSelection,
  buildQemuVirtDtb,
  listBoards,
  parseBoardSpec,
  parseUserBoard,
  resolveBoard,
  rpi4RamBanks,
} from '../../boards/index.js';
import { toBoardFacts } from '../../builder/pipeline/board.js';
import { writeDtb } from '../../devicetree/index.js';
import type { BoardSetting } from '../../schema/index.js';

// boards/ takes the config's board setting without importing schema/: tsc fails here if they drift.
type SettingFits = BoardSetting extends BoardSelection ? true : never;
const settingFits: SettingFits = true;
void settingFits;

const GiB = 1n << 30n;
const dir = mkdtempSync(join(tmpdir(), 'dombuild-boards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const opts = { configDir: dir, qemu: 'generated' as const };

describe('built-in boards', () => {
  it('lists the five built-in boards with whether they need a user DTB', () => {
    expect(listBoards().map((b) => [b.name, b.needsUserDtb])).toEqual([
      ['qemu-virt-arm64', false],
      ['qemu-virt-arm64-gicv2', false],
      ['qemu-q35-x86_64', false],
      ['zcu102', true],
      ['rpi4', true],
    ]);
  });

  it('parses name:key=value specs', () => {
    expect(parseBoardSpec('qemu-virt-arm64:ram=4G,cpus=4,gic=2')).toEqual({
      name: 'qemu-virt-arm64',
      params: { ram: '4G', cpus: '4', gic: '2' },
    });
    expect(parseBoardSpec('rpi4')).toEqual({ name: 'rpi4', params: {} });
  });

  it('resolves the default board without QEMU, from the generated DTB, with its facts', async () => {
    const r = await resolveBoard(undefined, opts);
    expect(r.diagnostics).toEqual([]);
    expect(r.dtbOrigin).toBe('generated');
    expect(r.qemuParams).toEqual({ gic: 3, ram: 2n * GiB, cpus: 2 });
    expect(toBoardFacts(r.board!)).toEqual({
      name: 'qemu-virt-arm64',
      arch: 'arm64',
      ramBanks: [{ base: 0x40000000n, size: 2n * GiB }],
      reserved: [],
      cpuIds: [0, 1],
      gic: { version: 3, maxSpis: 256 },
      uart: { path: '/pl011@9000000' },
    });
    // with the tree: its /aliases names (QEMU's virt tree has none), for the dtuart-alias check
    expect(toBoardFacts(r.board!, r.tree).aliases).toEqual([]);
    const tree = r.tree!;
    tree.root.ensureChild('aliases').setProp('serial0', new TextEncoder().encode('/pl011@9000000\0'));
    expect(toBoardFacts(r.board!, tree).aliases).toEqual(['serial0']);
  });

  it('takes parameters from a spec string and from a config object', async () => {
    const a = await resolveBoard('qemu-virt-arm64:ram=1G,cpus=8,gic=2', opts);
    expect(a.diagnostics).toEqual([]);
    expect(a.board!.cpus.map((c) => c.id)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    expect(a.board!.gic?.version).toBe(2);
    expect(a.board!.qemu!.direct!.dtbAddress).toBe(0x48000000n);
    const b = await resolveBoard({ name: 'qemu-virt-arm64', memory: 128n << 20n, cpus: 1 }, opts);
    expect(b.board!.ram).toEqual([{ start: 0x40000000n, size: 128n << 20n }]);
    expect(b.board!.qemu!.direct!.dtbAddress).toBe(0x44000000n);
    expect((await resolveBoard('qemu-virt-arm64-gicv2', opts)).board!.gic?.version).toBe(2);
  });

  it('rejects bad parameters and unknown boards with ids', async () => {
    const ids = async (s: Parameters<typeof resolveBoard>[0]) =>
      (await resolveBoard(s, opts)).diagnostics.map((d) => d.id);
    expect(await ids('qemu-virt-arm64:gic=2,cpus=9')).toEqual(['board-param-invalid']);
    expect(await ids('qemu-virt-arm64:ram=100M')).toEqual(['board-param-invalid']);
    expect(await ids('qemu-virt-arm64:colour=red')).toEqual(['board-param-invalid']);
    expect(await ids('pdp11')).toEqual(['board-unknown']);
    expect(await ids('zcu102')).toEqual(['board-dtb-missing']);
    expect(await ids({ name: 'custom', arch: 'arm64' })).toEqual(['board-dtb-missing']);
  });

  it('uses a given DTB for a vendor board and reports what it lacks', async () => {
    const file = join(dir, 'rpi.dtb');
    const t = buildQemuVirtDtb({ gic: 2, ram: GiB, cpus: 4 });
    t.root.child('memory@40000000')!.setProp('reg', new Uint8Array(16)); // firmware fills it in
    writeFileSync(file, writeDtb(t));
    const none = await resolveBoard({ name: 'rpi4', dtb: 'rpi.dtb' }, opts);
    expect(none.diagnostics.map((d) => d.id)).toContain('board-dtb-no-memory');
    const given = await resolveBoard({ name: 'rpi4', dtb: 'rpi.dtb', memory: 4n * GiB }, opts);
    expect(given.board!.ram).toEqual(rpi4RamBanks(4n * GiB));
    expect(given.board!.cpus).toHaveLength(4);
  });
});

describe('user boards', () => {
  it('reads a board YAML and its DTB, and cross-checks them', async () => {
    writeFileSync(join(dir, 'b.dtb'), writeDtb(buildQemuVirtDtb({ gic: 3, ram: GiB, cpus: 2 })));
    writeFileSync(
      join(dir, 'b.yaml'),
      [
        'name: lab-board',
        'arch: arm64',
        'dtb: b.dtb',
        'memory: [{ base: 0x40000000, size: 512M }]',
        'reserved: [{ name: scp, base: 0x4f000000, size: 1M }]',
        'gic: 2',
        'uboot: { load: "load mmc 0:1", scriptAddress: 0x40200000 }',
        '',
      ].join('\n'),
    );
    const r = await resolveBoard('b.yaml', opts);
    expect(r.board!.name).toBe('lab-board');
    expect(r.board!.ram).toEqual([{ start: 0x40000000n, size: 512n << 20n }]);
    expect(r.board!.reserved.map((x) => x.name)).toEqual(['scp']);
    expect(r.board!.uboot).toEqual({
      loadCommand: 'load mmc 0:1',
      scriptAddress: 0x40200000n,
      scriptCapacity: 1n << 20n,
      relocationSize: 64n << 20n,
    });
    // RAM differs from /memory (a deliberate subset) and the GIC disagrees: both reported
    expect(r.diagnostics.map((d) => [d.id, d.severity])).toEqual([
      ['board-dtb-mismatch', 'warning'],
      ['board-dtb-mismatch', 'warning'],
    ]);
  });

  it('rejects RAM outside the DTB /memory', async () => {
    writeFileSync(
      join(dir, 'c.yaml'),
      'name: c\narch: arm64\ndtb: b.dtb\nmemory: [{ base: 0x0, size: 1G }]\n',
    );
    const r = await resolveBoard('c.yaml', opts);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.id)).toEqual([
      'board-dtb-mismatch',
    ]);
  });

  it('locates schema errors at file:line:col', () => {
    const r = parseUserBoard('name: x\narch: mips\ndtb: b.dtb\nbogus: 1\n', '/b/x.yaml');
    expect(r.board).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.id, d.where])).toEqual([
      ['board-yaml-invalid', '/b/x.yaml:2:7'],
      ['board-yaml-invalid', '/b/x.yaml:1:1'],
    ]);
    expect(parseUserBoard('name: [\n', '/b/y.yaml').diagnostics[0]?.id).toBe('board-yaml-invalid');
  });
});
