import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../images/crc32.js';
import { ImageError } from '../../images/errors.js';
import {
  LEGACY_HEADER_SIZE,
  type LegacyArch,
  type LegacyCompression,
  type LegacyOs,
  type LegacyType,
  legacyArch,
  legacyCompression,
  legacyOs,
  legacyType,
  multiPayload,
  readLegacyImage,
  writeLegacyImage,
  writeScriptImage,
} from '../../images/uimage.js';
import { requireTools } from '../support/tools.js';
import { hex, run, withDir } from './run.js';

const gate = requireTools(['mkimage', 'dumpimage'], 'apt-get install u-boot-tools');

const SCRIPT = 'echo hello from dombuild\nbooti 0x40400000 - 0x40000000\n';

// Names mkimage accepts on its command line (no NUL, non-empty args are fine), up to 32 bytes.
const nameArb = fc
  .string({ unit: fc.constantFrom(...'abcXYZ019 _-.,:/'.split('')), maxLength: 32 })
  .filter((s) => !s.startsWith('-'));

function mkimageScript(script: Uint8Array, name: string | undefined, epoch: number): Uint8Array {
  return withDir((dir, io) => {
    io.write('boot.source', script);
    const args = ['-A', 'arm64', '-O', 'linux', '-T', 'script', '-C', 'none'];
    if (name !== undefined) args.push('-n', name);
    const r = run('mkimage', [...args, '-d', 'boot.source', 'boot.scr'], { cwd: dir, epoch });
    expect(r.status, r.stderr).toBe(0);
    return io.read('boot.scr');
  });
}

describe('writeScriptImage', () => {
  it('builds the length table and header by hand-checked layout', () => {
    const img = writeScriptImage(SCRIPT, { name: 'boot', timestamp: 1700000000 });
    const body = new TextEncoder().encode(SCRIPT);
    expect(img.length).toBe(LEGACY_HEADER_SIZE + 8 + body.length);
    const dv = new DataView(img.buffer);
    expect(dv.getUint32(0)).toBe(0x27051956);
    expect(dv.getUint32(8)).toBe(1700000000);
    expect(dv.getUint32(12)).toBe(8 + body.length);
    expect(dv.getUint32(64)).toBe(body.length);
    expect(dv.getUint32(68)).toBe(0);
    expect([img[28], img[29], img[30], img[31]]).toEqual([5, 22, 6, 0]);
    expect(dv.getUint32(24)).toBe(crc32(img.subarray(64)));
  });

  it('refuses an empty script and a long or NUL name', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof ImageError ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(() => writeScriptImage('', { timestamp: 0 }))).toBe('BADINPUT');
    expect(code(() => writeScriptImage('x', { timestamp: 0, name: 'n'.repeat(33) }))).toBe('BADINPUT');
    expect(code(() => writeScriptImage('x', { timestamp: 0, name: 'a\0b' }))).toBe('BADINPUT');
    expect(code(() => writeScriptImage('x', { timestamp: -1 }))).toBe('BADINPUT');
    expect(code(() => writeScriptImage('x', { timestamp: 2 ** 32 }))).toBe('BADINPUT');
  });

  it('round-trips through readLegacyImage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), nameArb, fc.nat(), (script, name, ts) => {
        const img = readLegacyImage(writeScriptImage(script, { name, timestamp: ts }));
        expect(img.typeName).toBe('script');
        expect(img.archName).toBe('arm64');
        expect(img.osName).toBe('linux');
        expect(img.name).toBe(name);
        expect(img.timestamp).toBe(ts);
        expect(img.parts).toHaveLength(1);
        expect(hex(img.parts![0]!)).toBe(hex(script));
      }),
      { numRuns: 300 },
    );
  });
});

describe('readLegacyImage on damaged input', () => {
  it('only ever throws ImageError', () => {
    const valid = writeScriptImage(SCRIPT, { name: 'x', timestamp: 5 });
    const multi = writeLegacyImage(
      {
        type: 'multi',
        arch: 'arm64',
        os: 'linux',
        compression: 'none',
        load: 0,
        entry: 0,
        name: 'm',
        timestamp: 1,
      },
      multiPayload([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6, 7, 8])]),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(valid, multi),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.boolean(),
        (base, edits, cut, verify) => {
          const b = base.slice(0, base.length - (cut % 8 === 0 ? cut % base.length : 0));
          for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
          try {
            const img = readLegacyImage(b, { verifyCrc: verify });
            if (img.parts) for (const p of img.parts) expect(p.length).toBeGreaterThan(0);
          } catch (e) {
            expect(e).toBeInstanceOf(ImageError);
            expect((e as ImageError).offset ?? 0).toBeLessThanOrEqual(b.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names the failure', () => {
    const valid = writeScriptImage(SCRIPT, { timestamp: 5 });
    const code = (b: Uint8Array) => {
      try {
        readLegacyImage(b);
        return 'ok';
      } catch (e) {
        return (e as ImageError).code;
      }
    };
    expect(code(valid)).toBe('ok');
    expect(code(valid.subarray(0, 63))).toBe('TRUNCATED');
    expect(code(valid.subarray(0, valid.length - 1))).toBe('TRUNCATED');
    const badMagic = valid.slice();
    badMagic[0] = 0;
    expect(code(badMagic)).toBe('BADMAGIC');
    const badData = valid.slice();
    badData[valid.length - 1]! ^= 1;
    expect(code(badData)).toBe('BADCRC');
    const badHeader = valid.slice();
    badHeader[40]! ^= 1;
    expect(code(badHeader)).toBe('BADCRC');
  });
});

describe.skipIf(!gate.available)(`mkimage agrees (${gate.reason || 'u-boot-tools'})`, () => {
  it('writes the same boot.scr byte for byte', () => {
    const body = new TextEncoder().encode(SCRIPT);
    expect(hex(writeScriptImage(SCRIPT, { name: 'NAME', timestamp: 1700000000 }))).toBe(
      hex(mkimageScript(body, 'NAME', 1700000000)),
    );
    expect(hex(writeScriptImage(body, { timestamp: 0 }))).toBe(hex(mkimageScript(body, undefined, 0)));
  });

  it('writes the same boot.scr for random scripts, names and times', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        nameArb,
        fc.integer({ min: 0, max: 0x7fffffff }),
        (script, name, ts) => {
          expect(hex(writeScriptImage(script, { name, timestamp: ts }))).toBe(
            hex(mkimageScript(script, name, ts)),
          );
        },
      ),
      { numRuns: 15 },
    );
  });

  it('writes the same header codes as mkimage for every named os, arch, type and compression', () => {
    const data = new TextEncoder().encode('payload!');
    const cases: [LegacyType, LegacyArch, LegacyOs, LegacyCompression][] = [];
    for (const t of Object.keys(legacyType) as LegacyType[]) {
      // script and multi get a length table (tested above and below); flat_dt needs a FIT in mkimage
      if (t !== 'flat_dt' && t !== 'multi' && t !== 'script') cases.push([t, 'arm64', 'linux', 'none']);
    }
    for (const a of Object.keys(legacyArch) as LegacyArch[]) cases.push(['kernel', a, 'linux', 'none']);
    for (const o of Object.keys(legacyOs) as LegacyOs[]) cases.push(['kernel', 'arm64', o, 'none']);
    for (const c of Object.keys(legacyCompression) as LegacyCompression[])
      cases.push(['kernel', 'arm64', 'linux', c]);
    withDir((dir, io) => {
      io.write('d', data);
      for (const [type, arch, os, compression] of cases) {
        const r = run(
          'mkimage',
          [
            '-A',
            arch,
            '-O',
            os,
            '-T',
            type,
            '-C',
            compression,
            '-a',
            '0x80000',
            '-e',
            '0x80040',
            '-n',
            'k',
            '-d',
            'd',
            'o',
          ],
          { cwd: dir, epoch: 1234 },
        );
        expect(r.status, `${type} ${arch} ${os} ${compression}: ${r.stderr}`).toBe(0);
        const ours = writeLegacyImage(
          { type, arch, os, compression, load: 0x80000, entry: 0x80040, name: 'k', timestamp: 1234 },
          data,
        );
        const theirs = io.read('o');
        // for os=tee mkimage takes load and entry from an OP-TEE header inside the payload
        if (os === 'tee') expect(hex(ours.subarray(28, 32))).toBe(hex(theirs.subarray(28, 32)));
        else expect(hex(ours), `${type} ${arch} ${os} ${compression}`).toBe(hex(theirs));
      }
    });
  });

  it('lists a flat_dt image as mkimage names it', () => {
    // mkimage will not write -T flat_dt without a FIT, but it lists one: the code is right if it
    // reads back as a Flat Device Tree.
    const img = writeLegacyImage(
      {
        type: 'flat_dt',
        arch: 'arm64',
        os: 'linux',
        compression: 'none',
        load: 0,
        entry: 0,
        name: 'fdt',
        timestamp: 0,
      },
      new Uint8Array(16),
    );
    withDir((dir, io) => {
      io.write('f', img);
      const r = run('mkimage', ['-l', 'f'], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Flat Device Tree/);
    });
  });

  it('multi-file payloads match mkimage -T multi and dumpimage extracts each part', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        (parts) => {
          withDir((dir, io) => {
            for (const [i, p] of parts.entries()) io.write(`p${i}`, p);
            const r = run(
              'mkimage',
              [
                '-A',
                'arm64',
                '-O',
                'linux',
                '-T',
                'multi',
                '-C',
                'none',
                '-n',
                'm',
                '-d',
                parts.map((_, i) => `p${i}`).join(':'),
                'o',
              ],
              { cwd: dir, epoch: 7 },
            );
            expect(r.status, r.stderr).toBe(0);
            const ours = writeLegacyImage(
              {
                type: 'multi',
                arch: 'arm64',
                os: 'linux',
                compression: 'none',
                load: 0,
                entry: 0,
                name: 'm',
                timestamp: 7,
              },
              multiPayload(parts),
            );
            expect(hex(ours)).toBe(hex(io.read('o')));
            parts.forEach((p, i) => {
              const d = run('dumpimage', ['-T', 'multi', '-p', String(i), '-o', `x${i}`, 'o'], { cwd: dir });
              expect(d.status, d.stderr).toBe(0);
              expect(hex(io.read(`x${i}`))).toBe(hex(p));
            });
          });
        },
      ),
      { numRuns: 8 },
    );
  });
});
