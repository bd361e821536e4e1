import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImageError } from '../../images/errors.js';
import {
  linuxGuestInit,
  linuxGuestInitramfs,
  OBSERVE_CHUNK,
  type Observation,
  observationPattern,
  readObservation,
  regPairs,
} from '../../images/linux-guest.js';
import { cacheRootFrom, locateAsset } from '../../qemu/assets.js';
import { tempDir } from '../support/tmp.js';
import { inCI, requireTools } from '../support/tools.js';

const scratch = tempDir;

// A stand-in ELF: the archive layout is what is judged here; the real busybox boots in test/e2e.
const FAKE_BUSYBOX = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof ImageError) return e.code;
    throw e;
  }
  return undefined;
}

const gate = requireTools(['cpio'], 'apt-get install cpio');
// The shell that runs /init is Debian's busybox-static; on an x86_64 host the amd64 one from the
// cache (scripts/setup-system.sh) runs natively.
const busybox = (() => {
  try {
    if (process.arch !== 'x64') throw new Error(`host is ${process.arch}, the cached busybox is amd64`);
    return locateAsset(cacheRootFrom(process.env, process.env.HOME ?? '/root'), 'busybox-amd64').path;
  } catch (err) {
    if (inCI) throw err;
    return undefined;
  }
})();

describe.skipIf(!gate.available || !busybox)(
  'linuxGuestInitramfs (judged by GNU cpio and busybox sh)',
  () => {
    it('is a gzipped newc archive GNU cpio lists with init, busybox, applet links and /dev/console', () => {
      const gz = linuxGuestInitramfs({ busybox: FAKE_BUSYBOX, tag: 'domU1' });
      expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
      const list = spawnSync('cpio', ['-tv', '--quiet'], { input: gunzipSync(gz), encoding: 'utf8' });
      expect(list.status).toBe(0);
      const lines = list.stdout.trim().split('\n');
      const entry = (name: string) => lines.find((l) => l.endsWith(` ${name}`) || l.includes(` ${name} -> `));
      expect(entry('init')).toMatch(/^-rwxr-xr-x/);
      expect(entry('bin/busybox')).toMatch(/^-rwxr-xr-x/);
      expect(entry('bin/sh')).toMatch(/^lrwxrwxrwx .* bin\/sh -> busybox$/);
      expect(entry('dev/console')).toMatch(/^crw-------\s+1 root\s+root\s+5,\s+1 /);
      for (const d of ['bin', 'dev', 'proc', 'sys', 'usr/bin', 'usr/sbin', 'sbin'])
        expect(entry(d)).toMatch(/^d/);
    });

    it('has an /init that busybox sh parses, for both endings', () => {
      const dir = scratch('dombuild-init-');
      for (const after of ['park', 'poweroff'] as const) {
        const file = join(dir, `init-${after}`);
        writeFileSync(file, linuxGuestInit('g-1.x', after));
        const r = spawnSync(busybox as string, ['sh', '-n', file], { encoding: 'utf8' });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
      }
    });

    it('with modules and a disk: the modules are in the archive and /init still parses', () => {
      const disk = { device: '/dev/xvda', fsType: 'vfat', file: 'dir/hello.txt' };
      const gz = linuxGuestInitramfs({
        busybox: FAKE_BUSYBOX,
        tag: 'd1',
        modules: [
          { name: 'xen-blkfront.ko', data: new Uint8Array(4) },
          { name: 'vfat.ko', data: new Uint8Array(4) },
        ],
        disk,
      });
      const list = spawnSync('cpio', ['-t', '--quiet'], { input: gunzipSync(gz), encoding: 'utf8' });
      expect(list.stdout.split('\n')).toEqual(
        expect.arrayContaining(['lib/dombuild-modules/xen-blkfront.ko', 'lib/dombuild-modules/vfat.ko']),
      );
      const init = linuxGuestInit('d1', 'park', { modules: ['xen-blkfront.ko', 'vfat.ko'], disk });
      // insmod in the given order, after the applets exist
      expect(init.indexOf('busybox --install')).toBeLessThan(init.indexOf('xen-blkfront.ko'));
      expect(init.indexOf('xen-blkfront.ko')).toBeLessThan(init.indexOf('vfat.ko'));
      const file = join(scratch('dombuild-init-'), 'init');
      writeFileSync(file, init);
      const r = spawnSync(busybox as string, ['sh', '-n', file], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });

    it('the disk part of /init reports the file, or that the disk did not mount (run by busybox sh)', () => {
      const init = linuxGuestInit('t1', 'park', {
        disk: { device: '/dev/xvda', fsType: 'vfat', file: 'hello.txt' },
      });
      const js = init.split('\n').find((l) => l.startsWith('js() '))!;
      const part = init.slice(init.indexOf('# disk:'), init.indexOf('# end of disk'));
      const dir = scratch('dombuild-disk-');
      const content = 'hello from the disk, "quoted" \\ and\ttab\n';
      writeFileSync(join(dir, 'hello.txt'), content);
      // The host has no /dev/xvda: a file stands for it, and mount is a shell function (the
      // guest's own mount runs in the e2e boot).
      writeFileSync(join(dir, 'xvda'), '');
      const run = (mountStatus: number) => {
        const script = [
          js,
          `mount() { return ${mountStatus}; }`,
          `J='{"tag":"t1"'`,
          part.replace('D=/dev/xvda', `D=${join(dir, 'xvda')}`),
          'J="$J}"',
          `printf '%s' "$J"`,
        ].join('\n');
        const r = spawnSync(busybox as string, ['sh', '-c', script], {
          encoding: 'utf8',
          env: { DISKDIR: dir, PATH: process.env.PATH ?? '' },
        });
        expect(r.stderr).toBe('');
        return JSON.parse(r.stdout) as { disk: unknown };
      };
      expect(run(0).disk).toEqual({
        device: join(dir, 'xvda'),
        mounted: true,
        file: 'hello.txt',
        content: 'hello from the disk, "quoted" \\ andtab',
      });
      expect(run(1).disk).toEqual({ device: join(dir, 'xvda'), mounted: false });
    });

    it('the report code in /init emits chunks readObservation reassembles (run by busybox sh)', () => {
      // The script's tail (JSON -> numbered chunks) run on a fixed record, so the shell side of the
      // chunk format is checked here and not only in a boot.
      const init = linuxGuestInit('t1');
      const tail = init.slice(init.indexOf('n=$(printf'), init.indexOf('while :; do sleep'));
      const record = {
        tag: 't1',
        vcpus: 3,
        online: '0-2',
        memTotalKiB: 1,
        cmdline: 'a  "b" \\c',
        reservedMemory: [],
        systemRam: ['0-f'],
      };
      const script = `J='${JSON.stringify(record).replaceAll("'", "'\\''")}'\n${tail}`;
      const r = spawnSync(busybox as string, ['sh', '-c', script], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const lines = r.stdout.trim().split('\n');
      for (const l of lines) expect(l).toMatch(/^DOMBUILD-OBSERVE t1 \d+\/\d+ /);
      expect(lines.length).toBeGreaterThan(1);
      expect(lines.at(-1)).toMatch(observationPattern('t1'));
      expect(readObservation(lines, 't1')).toEqual(record);
    });
  },
);

function chunkLines(o: Observation, prefix: (i: number) => string): string[] {
  const json = JSON.stringify(o);
  const parts: string[] = [];
  for (let i = 0; i < json.length; i += OBSERVE_CHUNK) parts.push(json.slice(i, i + OBSERVE_CHUNK));
  return parts.map((p, i) => `${prefix(i)}DOMBUILD-OBSERVE ${o.tag} ${i + 1}/${parts.length} ${p}`);
}

const observation = fc.record({
  tag: fc.constantFrom('domU1', 'dom0', 'a.b-c_d'),
  vcpus: fc.integer({ min: 1, max: 64 }),
  online: fc.constantFrom('0', '0-1', '0-3'),
  memTotalKiB: fc.integer({ min: 1, max: 1 << 24 }),
  cmdline: fc.string({ maxLength: 300 }),
  deviceTree: fc.boolean(),
  hypervisorNode: fc.boolean(),
  memoryNodes: fc.array(fc.record({ name: fc.string({ maxLength: 20 }), reg: fc.constant('00') }), {
    maxLength: 3,
  }),
  reservedMemory: fc.array(
    fc.record({
      name: fc.string({ maxLength: 20 }),
      reg: fc.constant('00'),
      xenId: fc.string({ maxLength: 10 }),
    }),
    { maxLength: 3 },
  ),
  systemRam: fc.array(fc.constant('40000000-4fffffff'), { maxLength: 3 }),
});

describe('readObservation', () => {
  it('reassembles chunks under any prefix, interleaved with other output, in any order', () => {
    fc.assert(
      fc.property(
        observation,
        fc.array(fc.string({ maxLength: 40 }), { maxLength: 10 }),
        fc.boolean(),
        (o, noise, prefixed) => {
          const lines = chunkLines(o, (i) => (prefixed ? `(XEN) DOM${i % 3}: ` : '(XEN) '));
          const mixed = [...noise, ...lines.reverse(), ...noise];
          expect(readObservation(mixed, o.tag)).toEqual(o);
          // Another guest's report does not count for this one.
          expect(readObservation(mixed, 'other')).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is undefined while a chunk is missing, and BADVALUE for chunks that disagree or bad JSON', () => {
    const o: Observation = {
      tag: 'g',
      vcpus: 1,
      online: '0',
      memTotalKiB: 1,
      cmdline: 'x'.repeat(200),
      deviceTree: true,
      hypervisorNode: false,
      memoryNodes: [],
      reservedMemory: [],
      systemRam: [],
    };
    const lines = chunkLines(o, () => '');
    expect(lines.length).toBeGreaterThan(2);
    expect(readObservation(lines.slice(1), 'g')).toBeUndefined();
    expect(codeOf(() => readObservation([...lines, 'DOMBUILD-OBSERVE g 1/9 x'], 'g'))).toBe('BADVALUE');
    expect(codeOf(() => readObservation(['DOMBUILD-OBSERVE g 2/1 x'], 'g'))).toBe('BADVALUE');
    expect(codeOf(() => readObservation(['DOMBUILD-OBSERVE g 1/1 {"tag":'], 'g'))).toBe('BADVALUE');
    expect(codeOf(() => readObservation(['DOMBUILD-OBSERVE g 1/1 {"tag":"g"}'], 'g'))).toBe('BADVALUE');
  });

  it('the wait pattern matches only the last chunk', () => {
    const p = observationPattern('domU1');
    expect(p.test('(XEN) DOM1: DOMBUILD-OBSERVE domU1 5/5 x')).toBe(true);
    expect(p.test('DOMBUILD-OBSERVE domU1 4/5 x')).toBe(false);
    expect(p.test('DOMBUILD-OBSERVE domU12 1/1 x')).toBe(false);
  });

  it('refuses module names and disks that would break the script', () => {
    expect(codeOf(() => linuxGuestInit('t', 'park', { modules: ['a;b.ko'] }))).toBe('BADINPUT');
    for (const disk of [
      { device: '/dev/xvda;x', fsType: 'vfat', file: 'a' },
      { device: '/dev/xvda', fsType: 'v fat', file: 'a' },
      { device: '/dev/xvda', fsType: 'vfat', file: '../a' },
      { device: '/dev/xvda', fsType: 'vfat', file: 'a"b' },
    ])
      expect(codeOf(() => linuxGuestInit('t', 'park', { disk }))).toBe('BADINPUT');
  });

  it('refuses tags that would break the line format', () => {
    for (const tag of ['', 'a b', 'x'.repeat(33), 'é']) {
      expect(codeOf(() => linuxGuestInit(tag))).toBe('BADINPUT');
    }
    expect(codeOf(() => linuxGuestInitramfs({ busybox: new Uint8Array(8), tag: 'a' }))).toBe('BADINPUT');
  });
});

describe('regPairs', () => {
  it('splits reg hex into address/size pairs', () => {
    expect(regPairs('00000000400000000000000010000000')).toEqual([[0x40000000n, 0x10000000n]]);
    expect(regPairs('4000000010000000', 1, 1)).toEqual([[0x40000000n, 0x10000000n]]);
    expect(codeOf(() => regPairs('0000'))).toBe('BADVALUE');
  });
});
