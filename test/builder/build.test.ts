// buildSystem's outputs, each read back by its independent judge: mkimage/dumpimage for boot.scr
// and boot.itb (every FIT image extracted byte for byte, sha256 as listed), dtc for every DTB,
// fdtoverlay for chosen.dtbo against system.dtb. Building twice gives the same bytes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSystem } from '../../builder/emit-system.js';
import { requireTools } from '../support/tools.js';
import { input } from './build-input.js';
import { boardDtb, boardDts } from './dom0less-fixture.js';
import { zeroValuePadding } from './dtb-padding.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const gate = requireTools(
  ['dtc', 'fdtoverlay', 'mkimage', 'dumpimage'],
  'apt-get install device-tree-compiler u-boot-tools',
);

describe.skipIf(!gate.available)(
  `build outputs (${gate.reason || 'dtc, fdtoverlay, mkimage, dumpimage'})`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'dombuild-buildsys-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const built = buildSystem(input());
    // A default build writes the FIT only with boot.fit: true; --only fit asks for it.
    const files = new Map([...built.files, ...buildSystem({ ...input(), only: new Set(['fit']) }).files]);
    const put = (name: string) => {
      const path = join(dir, name);
      writeFileSync(path, files.get(name)!);
      return path;
    };
    const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });

    it('writes every Arm output without errors, deterministically', () => {
      expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      // sve: max is the CPUs' length, which the board facts do not give: no blob, with a warning
      expect(built.diagnostics.map((d) => d.id)).toContain('blob-unresolvable');
      expect([...built.files.keys()]).toEqual([
        'system.dtb',
        'chosen.dtsi',
        'chosen.dtbo',
        'alpha-device-tree.dtb',
        'boot.source',
        'boot.scr',
        'xl/later.cfg',
        'plan.json',
      ]);
      const again = buildSystem(input()).files;
      for (const [n, b] of built.files) expect(sha(again.get(n)!), n).toBe(sha(b));
    });

    it('boot.scr: mkimage lists a script and dumpimage extracts boot.source exactly', () => {
      const scr = put('boot.scr');
      const listing = run('mkimage', ['-l', scr]);
      expect(listing).toContain('Image Name:   dombuild boot');
      expect(listing).toContain('AArch64 Linux Script (uncompressed)');
      expect(listing).toContain('Created:      Tue Nov 14 22:13:20 2023');
      run('dumpimage', ['-T', 'script', '-p', '0', '-o', join(dir, 'x.source'), scr]);
      // a script image's payload is its part-length table (length, 0) and then the script
      const payload = new Uint8Array(readFileSync(join(dir, 'x.source')));
      expect(payload.subarray(8)).toEqual(files.get('boot.source'));
      const source = new TextDecoder().decode(files.get('boot.source'));
      // the config sets no boot.load, so the board's own load command is used
      expect(source).toContain("load mmc 0:1 0x41000000 'fixtures/dom0less-board.dts'");
      expect(source).toContain("load mmc 0:1 0x40800000 'out/alpha-device-tree.dtb'");
    });

    it('boot.itb: dumpimage lists every image with its sha256 and extracts it byte for byte', () => {
      const itb = put('boot.itb');
      const listing = run('dumpimage', ['-l', itb]);
      const inp = input();
      const expected = [...inp.plan.images.filter((i) => i.role !== 'dtb')];
      let index = 0;
      for (const img of expected) {
        const data = inp.imageBytes!.get(img.name) ?? files.get('alpha-device-tree.dtb')!;
        expect(listing).toContain(sha(data));
        const out = join(dir, `img${index}`);
        run('dumpimage', ['-T', 'flat_dt', '-p', String(index), '-o', out, itb]);
        expect(sha(readFileSync(out)), img.name).toBe(sha(data));
        index++;
      }
      // the last image is the finished system DTB
      run('dumpimage', ['-T', 'flat_dt', '-p', String(index), '-o', join(dir, 'fdt'), itb]);
      expect(new Uint8Array(readFileSync(join(dir, 'fdt')))).toEqual(files.get('system.dtb'));
      expect(listing).toMatch(/Default Configuration: 'config-1'/);
    });

    it('chosen.dtbo applied by fdtoverlay to the board DTB gives system.dtb', () => {
      writeFileSync(join(dir, 'board.dtb'), boardDtb());
      const dtbo = put('chosen.dtbo');
      const sys = put('system.dtb');
      run('fdtoverlay', ['-i', join(dir, 'board.dtb'), '-o', join(dir, 'x.dtb'), dtbo]);
      const dts = (f: string) => run('dtc', ['-q', '-I', 'dtb', '-O', 'dts', f]);
      expect(dts(join(dir, 'x.dtb'))).toBe(dts(sys));
      // byte for byte, fdtoverlay's strings block included; only the value padding that libfdt
      // leaves uncleared is zeroed first (dtc and writeDtb write zeros there)
      expect(zeroValuePadding(new Uint8Array(readFileSync(join(dir, 'x.dtb'))))).toEqual(
        files.get('system.dtb'),
      );
    });

    it('chosen.dtsi compiles with dtc when included in the board source', () => {
      put('chosen.dtsi');
      const board = readFileSync(boardDts, 'utf8');
      writeFileSync(join(dir, 'board+chosen.dts'), `${board}\n/include/ "chosen.dtsi"\n`);
      const out = run('dtc', ['-q', '-I', 'dts', '-O', 'dts', join(dir, 'board+chosen.dts')]);
      expect(out).toContain('alpha {');
      expect(out).toContain('xen,evtchn = <0x0a');
    });

    it('the partial DTB for passthrough.devices follows §3.6', () => {
      const dts = run('dtc', ['-q', '-I', 'dtb', '-O', 'dts', put('alpha-device-tree.dtb')]);
      expect(dts).toContain('gic {');
      expect(dts).toContain('interrupt-controller;');
      expect(dts).toMatch(/passthrough \{\s+compatible = "simple-bus";\s+ranges;/);
      expect(dts).toContain('serial@23000000 {');
      expect(dts).toContain('reg = <0x00 0x23000000 0x00 0x1000>;');
      expect(dts).toContain('interrupt-parent = <0xfde8>;');
      expect(dts).toContain('interrupts = <0x00 0x33 0x04>;');
      expect(dts).toContain('xen,path = "/soc/serial@ff020000";');
      expect(dts).toContain('xen,reg = <0x00 0xff020000 0x00 0x1000 0x00 0x23000000>;');
    });

    it('dynamic mode computes module regs at boot and boots the loaded Xen', () => {
      const dyn = buildSystem({ ...input(), dynamic: true, only: new Set(['uboot']) });
      const source = new TextDecoder().decode(dyn.files.get('boot.source'));
      // The search starts at the lowest free range the static plan could allocate from.
      expect(source).toContain('setenv memaddr 0x40000000');
      // biome-ignore lint/suspicious/noTemplateCurlyInString: U-Boot variable references in the script
      expect(source).toContain('setenv xen_size ${filesize}');
      expect(source).toMatch(
        /fdt set '\/chosen\/alpha\/module@40400000' 'reg' "<0x\$\{dt_addr_hi\} 0x\$\{dt_addr_lo\} 0x\$\{dt_size_hi\} 0x\$\{dt_size_lo\}>"/,
      );
      // biome-ignore lint/suspicious/noTemplateCurlyInString: U-Boot variable references in the script
      expect(source).toContain('booti ${xen_addr} - ${fdt_addr}');
      expect([...dyn.files.keys()]).toEqual([
        'alpha-device-tree.dtb',
        'boot.source',
        'boot.scr',
        'plan.json',
      ]);
    });
  },
);
