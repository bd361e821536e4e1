import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CpioEntry, readCpio, writeCpio } from '../../images/cpio.js';
import { ImageError } from '../../images/errors.js';
import { gzip } from '../../images/gzip.js';
import { requireTools } from '../support/tools.js';
import { hex, run, withDir } from './run.js';

const gate = requireTools(['cpio'], 'apt-get install cpio');
const bsdtar = requireTools(['bsdtar'], 'apt-get install libarchive-tools');
const isRoot = process.getuid?.() === 0;

/** Random trees whose directories come before their contents (what writeCpio requires). */
function treeArb(opts: { devices: boolean }): fc.Arbitrary<CpioEntry[]> {
  const name = fc
    .stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9_.\- ]{0,11}$/)
    .filter((s) => s !== '.' && s !== '..');
  const types = opts.devices
    ? fc.constantFrom('file', 'file', 'dir', 'dir', 'symlink', 'chardev', 'blockdev', 'fifo')
    : fc.constantFrom('file', 'file', 'dir', 'dir', 'symlink');
  const item = fc.record({
    parentPick: fc.nat(),
    name,
    type: types,
    mode: fc.integer({ min: 0, max: 0o777 }),
    data: fc.uint8Array({ maxLength: 70 }),
    // GNU cpio -o drops a leading "./" from link targets, so targets start with a letter here
    link: fc.stringMatching(/^[a-z][a-z./]{0,19}$/),
    major: fc.integer({ min: 0, max: 255 }),
    minor: fc.integer({ min: 0, max: 255 }),
    mtime: fc.integer({ min: 0, max: 0x7fffffff }),
  });
  return fc.array(item, { maxLength: 25 }).map((items) => {
    const dirs = [''];
    const used = new Set<string>();
    const out: CpioEntry[] = [];
    for (const it of items) {
      const parent = dirs[it.parentPick % dirs.length]!;
      const path = parent === '' ? it.name : `${parent}/${it.name}`;
      if (used.has(path)) continue;
      used.add(path);
      const type = it.type as CpioEntry['type'];
      // directories need u+rwx or cpio -i as non-root cannot fill them; symlinks are 0777 on Linux
      const mode = type === 'dir' ? it.mode | 0o700 : type === 'symlink' ? 0o777 : it.mode | 0o600;
      const e: CpioEntry = { path, type, mode, mtime: it.mtime };
      if (type === 'file') e.data = it.data;
      if (type === 'symlink') e.linkTarget = it.link;
      if (type === 'chardev' || type === 'blockdev') {
        e.major = it.major;
        e.minor = it.minor;
      }
      if (type === 'dir') dirs.push(path);
      out.push(e);
    }
    return out;
  });
}

function code(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof ImageError ? e.code : `other: ${e}`;
  }
}

const sample: CpioEntry[] = [
  { path: 'bin', type: 'dir', mode: 0o755 },
  { path: 'bin/busybox', type: 'file', mode: 0o755, data: new TextEncoder().encode('not really busybox\n') },
  { path: 'bin/sh', type: 'symlink', mode: 0o777, linkTarget: 'busybox' },
  { path: 'dev', type: 'dir', mode: 0o755 },
  { path: 'dev/console', type: 'chardev', mode: 0o600, major: 5, minor: 1 },
  {
    path: 'init',
    type: 'file',
    mode: 0o755,
    data: new TextEncoder().encode('#!/bin/sh\necho hi\n'),
    mtime: 1700000000,
  },
];

describe('writeCpio', () => {
  it('round-trips through readCpio', () => {
    fc.assert(
      fc.property(treeArb({ devices: true }), (entries) => {
        const back = readCpio(writeCpio(entries));
        expect(back.map((e) => e.path)).toEqual(entries.map((e) => e.path));
        back.forEach((b, i) => {
          const e = entries[i]!;
          expect(b.type).toBe(e.type);
          expect(b.mode).toBe(e.mode);
          expect(b.mtime).toBe(e.mtime ?? 0);
          expect(b.ino).toBe(i);
          if (e.type === 'file') expect(hex(b.data!)).toBe(hex(e.data ?? new Uint8Array(0)));
          if (e.type === 'symlink') expect(b.linkTarget).toBe(e.linkTarget);
          if (e.type === 'chardev' || e.type === 'blockdev')
            expect([b.major, b.minor]).toEqual([e.major, e.minor]);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic and 4-byte aligned, ending in TRAILER!!!', () => {
    const a = writeCpio(sample);
    expect(hex(a)).toBe(hex(writeCpio(sample.map((e) => ({ ...e })))));
    expect(a.length % 4).toBe(0);
    expect(Buffer.from(a).includes(Buffer.from('TRAILER!!!\0'))).toBe(true);
    expect(readCpio(writeCpio([]))).toEqual([]);
  });

  it('refuses entries Linux would not unpack as written', () => {
    const f = (e: Partial<CpioEntry>[]) =>
      code(() => writeCpio(e.map((x) => ({ type: 'file', mode: 0o644, path: 'a', ...x }))));
    expect(f([{ path: '/etc' }])).toBe('BADINPUT');
    expect(f([{ path: './a' }])).toBe('BADINPUT');
    expect(f([{ path: 'a//b' }])).toBe('BADINPUT');
    expect(f([{ path: 'a/../b' }])).toBe('BADINPUT');
    expect(f([{ path: '' }])).toBe('BADINPUT');
    expect(f([{ path: 'TRAILER!!!' }])).toBe('BADINPUT');
    expect(f([{ path: 'x'.repeat(4096) }])).toBe('BADINPUT');
    expect(f([{ path: 'a' }, { path: 'a' }])).toBe('BADINPUT');
    expect(f([{ path: 'd/a' }])).toBe('BADINPUT'); // parent not listed
    expect(f([{ path: 'd' }, { path: 'd/a' }])).toBe('BADINPUT'); // parent is a file
    expect(f([{ path: 'd', type: 'dir' }, { path: 'd/a' }])).toBe('ok');
    expect(f([{ mode: 0o100644 }])).toBe('BADINPUT');
    expect(f([{ type: 'dir', data: new Uint8Array(1) }])).toBe('BADINPUT');
    expect(f([{ type: 'symlink' }])).toBe('BADINPUT');
    expect(f([{ type: 'file', linkTarget: 'x' }])).toBe('BADINPUT');
    expect(f([{ mtime: -1 }])).toBe('BADINPUT');
    expect(f([{ type: 'chardev', major: 2 ** 32 }])).toBe('BADINPUT');
  });
});

describe('readCpio on damaged input', () => {
  it('only ever throws ImageError', () => {
    const valid = writeCpio(sample);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (edits, cut) => {
          const b = valid.slice(0, valid.length - (cut % 3 === 0 ? cut % valid.length : 0));
          for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
          const c = code(() => readCpio(b));
          expect(c.startsWith('other')).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names the failure and keeps to its limits', () => {
    const valid = writeCpio(sample);
    expect(code(() => readCpio(valid.subarray(0, valid.length - 8)))).toBe('TRUNCATED');
    expect(code(() => readCpio(new TextEncoder().encode('070707')))).toBe('BADMAGIC');
    const bad = valid.slice();
    bad[8] = 0x47; // 'G' in the inode field
    expect(code(() => readCpio(bad))).toBe('BADVALUE');
    expect(code(() => readCpio(valid, { maxEntries: 3 }))).toBe('LIMIT');
  });
});

describe('gzip', () => {
  it('is deterministic, Unix-stamped and decompresses to its input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (d) => {
        const z = gzip(d);
        expect(z[9]).toBe(3);
        expect(hex(z.subarray(4, 8))).toBe('00000000'); // mtime
        expect(hex(gunzipSync(z))).toBe(hex(d));
        expect(hex(gzip(d))).toBe(hex(z));
      }),
      { numRuns: 50 },
    );
    expect(code(() => gzip(new Uint8Array(1), { level: 10 }))).toBe('BADINPUT');
  });
});

describe.skipIf(!gate.available)(`GNU cpio agrees (${gate.reason || 'cpio'})`, () => {
  function listing(archive: Uint8Array): { names: string[]; verbose: string[] } {
    const t = run('cpio', ['-it', '--quiet'], { input: archive });
    expect(t.status, t.stderr).toBe(0);
    const v = run('cpio', ['-itv', '--quiet', '--numeric-uid-gid'], { input: archive });
    expect(v.status, v.stderr).toBe(0);
    return { names: t.stdout.split('\n').filter(Boolean), verbose: v.stdout.split('\n').filter(Boolean) };
  }

  const typeChar = { file: '-', dir: 'd', symlink: 'l', chardev: 'c', blockdev: 'b', fifo: 'p' } as const;
  function modeString(e: CpioEntry): string {
    const bits = 'rwxrwxrwx'.split('').map((c, i) => ((e.mode >> (8 - i)) & 1 ? c : '-'));
    if (e.mode & 0o4000) bits[2] = bits[2] === 'x' ? 's' : 'S';
    if (e.mode & 0o2000) bits[5] = bits[5] === 'x' ? 's' : 'S';
    if (e.mode & 0o1000) bits[8] = bits[8] === 'x' ? 't' : 'T';
    return typeChar[e.type] + bits.join('');
  }

  it('cpio -itv lists exactly what we wrote', () => {
    fc.assert(
      fc.property(treeArb({ devices: true }), (entries) => {
        const { names, verbose } = listing(writeCpio(entries));
        expect(names).toEqual(entries.map((e) => e.path));
        verbose.forEach((line, i) => {
          const e = entries[i]!;
          const cols = line.split(/\s+/);
          expect(cols[0]).toBe(modeString(e));
          expect(cols[2]).toBe('0');
          expect(cols[3]).toBe('0');
          if (e.type === 'file') expect(cols[4]).toBe(String(e.data?.length ?? 0));
          if (e.type === 'chardev' || e.type === 'blockdev') expect(cols[4]).toBe(`${e.major},`);
          if (e.type === 'symlink') expect(line.endsWith(` ${e.path} -> ${e.linkTarget}`)).toBe(true);
        });
      }),
      { numRuns: 25 },
    );
  });

  it('cpio -idm extracts exactly what we wrote', () => {
    fc.assert(
      fc.property(treeArb({ devices: isRoot }), (entries) => {
        withDir((dir) => {
          const x = run('cpio', ['-idm', '--quiet', '--no-absolute-filenames'], {
            cwd: dir,
            input: writeCpio(entries),
          });
          expect(x.status, x.stderr).toBe(0);
          for (const e of entries) {
            const p = join(dir, e.path);
            const st = lstatSync(p);
            const kind = st.isFile()
              ? 'file'
              : st.isDirectory()
                ? 'dir'
                : st.isSymbolicLink()
                  ? 'symlink'
                  : st.isCharacterDevice()
                    ? 'chardev'
                    : st.isBlockDevice()
                      ? 'blockdev'
                      : 'fifo';
            expect(kind, e.path).toBe(e.type);
            if (e.type !== 'symlink') expect(st.mode & 0o7777, e.path).toBe(e.mode);
            if (e.type === 'file') {
              expect(hex(readFileSync(p)), e.path).toBe(hex(e.data ?? new Uint8Array(0)));
              expect(Math.floor(st.mtimeMs / 1000), e.path).toBe(e.mtime ?? 0);
            }
            if (e.type === 'symlink') expect(readlinkSync(p)).toBe(e.linkTarget);
            if (e.type === 'chardev' || e.type === 'blockdev') {
              expect([Math.floor(st.rdev / 256) & 0xfff, st.rdev & 0xff]).toEqual([e.major, e.minor]);
            }
          }
        });
      }),
      { numRuns: 15 },
    );
  });

  it('matches GNU cpio -o -H newc --reproducible byte for byte for the same tree on disk', () => {
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    fc.assert(
      fc.property(treeArb({ devices: false }), (tree) => {
        const entries = tree.map((e) => ({ ...e, uid, gid }));
        withDir((dir) => {
          const root = join(dir, 'root');
          mkdirSync(root);
          for (const e of entries) {
            const p = join(root, e.path);
            if (e.type === 'dir') mkdirSync(p);
            else if (e.type === 'file') writeFileSync(p, e.data ?? new Uint8Array(0));
            else symlinkSync(e.linkTarget!, p);
          }
          // modes and times last, deepest first, so creating children does not touch them again
          for (const e of [...entries].reverse()) {
            const p = join(root, e.path);
            if (e.type === 'symlink') continue; // GNU cpio stores a symlink's own mtime: set below
            chmodSync(p, e.mode);
            utimesSync(p, e.mtime ?? 0, e.mtime ?? 0);
          }
          for (const e of entries) {
            if (e.type === 'symlink') {
              const t = run('touch', ['-h', '-d', `@${e.mtime ?? 0}`, join(root, e.path)]);
              expect(t.status, t.stderr).toBe(0);
            }
          }
          const list = entries.map((e) => `${e.path}\n`).join('');
          const gnu = run('cpio', ['-o', '-H', 'newc', '--reproducible', '--quiet'], {
            cwd: root,
            input: new TextEncoder().encode(list),
          });
          expect(gnu.status, gnu.stderr).toBe(0);
          const theirs = gnu.raw;
          const ours = writeCpio(entries);
          // GNU cpio pads the archive to a 512-byte block; the kernel and cpio -i ignore that
          expect(hex(theirs.subarray(0, ours.length))).toBe(hex(ours));
          expect(theirs.subarray(ours.length).every((b) => b === 0)).toBe(true);
        });
      }),
      { numRuns: 15 },
    );
  });
});

describe.skipIf(!bsdtar.available)(`libarchive agrees (${bsdtar.reason || 'bsdtar'})`, () => {
  it('bsdtar -tv lists the archive, plain and gzipped, as we wrote it', () => {
    const typeChar = { file: '-', dir: 'd', symlink: 'l', chardev: 'c', blockdev: 'b', fifo: 'p' } as const;
    fc.assert(
      fc.property(treeArb({ devices: true }), fc.boolean(), (entries, zipped) => {
        const archive = writeCpio(entries);
        const input = zipped ? gzip(archive) : archive;
        const names = run('bsdtar', ['-tf', '-'], { input });
        expect(names.status, names.stderr).toBe(0);
        expect(names.stdout.split('\n').filter(Boolean)).toEqual(entries.map((e) => e.path));
        const v = run('bsdtar', ['-tvf', '-', '--numeric-owner'], { input });
        expect(v.status, v.stderr).toBe(0);
        v.stdout
          .split('\n')
          .filter(Boolean)
          .forEach((line, i) => {
            const e = entries[i]!;
            const cols = line.split(/\s+/);
            expect(cols[0]![0]).toBe(typeChar[e.type]);
            if (e.type === 'file') expect(cols[4]).toBe(String(e.data?.length ?? 0));
            if (e.type === 'chardev' || e.type === 'blockdev') expect(cols[4]).toBe(`${e.major},${e.minor}`);
            if (e.type === 'symlink') expect(line.endsWith(` ${e.path} -> ${e.linkTarget}`)).toBe(true);
          });
      }),
      { numRuns: 15 },
    );
  });

  it('bsdtar -x extracts every file with its contents', () => {
    fc.assert(
      fc.property(treeArb({ devices: false }), (entries) => {
        withDir((dir) => {
          const x = run('bsdtar', ['-xpf', '-', '-C', dir], { input: writeCpio(entries) });
          expect(x.status, x.stderr).toBe(0);
          for (const e of entries) {
            const p = join(dir, e.path);
            if (e.type === 'file')
              expect(hex(readFileSync(p)), e.path).toBe(hex(e.data ?? new Uint8Array(0)));
            if (e.type === 'symlink') expect(readlinkSync(p)).toBe(e.linkTarget);
            if (e.type === 'dir') expect(lstatSync(p).isDirectory()).toBe(true);
            if (e.type !== 'symlink') expect(lstatSync(p).mode & 0o7777, e.path).toBe(e.mode);
          }
        });
      }),
      { numRuns: 10 },
    );
  });
});
