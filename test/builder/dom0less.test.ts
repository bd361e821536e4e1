// The dom0less nodes, judged by dtc (decompiles what we write) and fdtoverlay (our overlay on the
// board DTB must give the same tree as our merged system DTB), plus the binding rules of
// reference/xen-dt-bindings.md checked on the decompiled text.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDom0less } from '../../builder/dom0less/chosen.js';
import { applyEdits, overlayTree } from '../../builder/dom0less/edits.js';
import { read, readDtb, writeDtb } from '../../devicetree/index.js';
import { requireTools } from '../support/tools.js';
import { baseTree, board, boardDtb, config, plan } from './dom0less-fixture.js';

const gate = requireTools(['dtc', 'fdtoverlay'], 'apt-get install device-tree-compiler');

describe.skipIf(!gate.available)(`dom0less nodes (${gate.reason || 'dtc, fdtoverlay'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dombuild-dom0less-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = baseTree();
  const res = buildDom0less({ config: config(), board, base, plan: plan() });
  const merged = applyEdits(base, res.edits);
  const dts = (file: string) =>
    execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', file], { encoding: 'utf8' });

  it('raises no diagnostics for a valid config', () => {
    expect(res.diagnostics).toEqual([]);
  });

  it('fdtoverlay of our overlay on the board DTB gives our merged tree', () => {
    writeFileSync(join(dir, 'board.dtb'), boardDtb());
    writeFileSync(join(dir, 'chosen.dtbo'), writeDtb(overlayTree(res.edits)));
    writeFileSync(join(dir, 'system.dtb'), writeDtb(merged));
    execFileSync('fdtoverlay', [
      '-i',
      join(dir, 'board.dtb'),
      '-o',
      join(dir, 'x.dtb'),
      join(dir, 'chosen.dtbo'),
    ]);
    expect(dts(join(dir, 'x.dtb'))).toBe(dts(join(dir, 'system.dtb')));
    // and reading fdtoverlay's blob back gives the same tree, order included
    const theirs = readDtb(new Uint8Array(readFileSync(join(dir, 'x.dtb'))));
    expect(writeDtb(theirs)).toEqual(writeDtb(merged));
  });

  it('follows the binding rules', () => {
    const chosen = merged.lookup('/chosen')!;
    expect(chosen.children.map((c) => c.name)).toEqual([
      'module@40200000',
      'evtchn-dom0-5',
      'cpupool-rt',
      'alpha',
      'beta',
    ]);
    expect(chosen.prop('bootargs')).toBeUndefined();
    expect(read.string(chosen.prop('xen,xen-bootargs')!)).toContain('dom0_mem=512M');
    expect(read.string(chosen.prop('xen,dom0-bootargs')!)).toBe('console=hvc0 ; reset');
    expect(read.cells(chosen.prop('#address-cells')!)).toEqual([2]);
    // static heap in the root's cells (2 + 2 here)
    expect(read.cellGroups(chosen.prop('xen,static-heap')!, 2)).toEqual([0xb0000000n, 0x10000000n]);

    const alpha = merged.lookup('/chosen/alpha')!;
    expect(alpha.name).not.toContain('@');
    expect(read.strings(alpha.prop('compatible')!)).toEqual(['xen,domain']);
    expect(read.u64(alpha.prop('memory')!)).toBe(64n * 1024n);
    expect(read.u32(alpha.prop('cpus')!)).toBe(2);
    expect(alpha.prop('vpl011')!.value.length).toBe(0);
    expect(read.string(alpha.prop('xen,enhanced')!)).toBe('no-xenstore');
    expect(read.u32(alpha.prop('capabilities')!)).toBe(1);
    expect(read.u32(alpha.prop('trap-unmapped-accesses')!)).toBe(0);
    expect(read.u32(alpha.prop('max_grant_frames')!)).toBe(32);
    const k = alpha.child('module@40400000')!;
    expect(read.strings(k.prop('compatible')!)).toEqual(['multiboot,kernel', 'multiboot,module']);
    expect(read.cellGroups(k.prop('reg')!, 2)).toEqual([0x40400000n, 0x88n]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal U-Boot variable reference is the point
    expect(read.string(k.prop('bootargs')!)).toBe('console=ttyAMA0 init="/bin/sh" $(reset) ${x}');
    expect(read.strings(alpha.child('module@40600000')!.prop('compatible')!)).toEqual([
      'multiboot,ramdisk',
      'multiboot,module',
    ]);
    expect(read.strings(alpha.child('module@40800000')!.prop('compatible')!)).toEqual([
      'multiboot,device-tree',
      'multiboot,module',
    ]);
    // 64-bit module address in two cells
    expect(read.cellGroups(merged.lookup('/chosen/beta/module@140a00000')!.prop('reg')!, 2)).toEqual([
      0x140a00000n,
      0x88n,
    ]);
    // params resolve through the registry exactly like the keys
    const beta = merged.lookup('/chosen/beta')!;
    expect(beta.prop('vpl011')!.value.length).toBe(0);
    expect(beta.prop('sve')!.value.length).toBe(0);
    // a domain created later by the toolstack has no node
    expect(merged.lookup('/chosen/later')).toBeUndefined();

    // phandles: new ones above the board's, references resolve to the right nodes
    const byPhandle = merged.phandles();
    const boardMax = Math.max(...base.phandles().keys());
    const pool = merged.lookup('/chosen/cpupool-rt')!;
    expect(read.u32(pool.prop('phandle')!)).toBeGreaterThan(boardMax);
    expect(read.cells(pool.prop('cpupool-cpus')!).map((p) => byPhandle.get(p)?.path)).toEqual([
      '/cpus/cpu@1',
      '/cpus/cpu@100',
    ]);
    expect(byPhandle.get(read.u32(alpha.prop('domain-cpupool')!))?.path).toBe('/chosen/cpupool-rt');
    const evA = alpha.child('evtchn-10')!;
    const evB = beta.child('evtchn-20')!;
    expect(read.cells(evA.prop('xen,evtchn')!)[0]).toBe(10);
    expect(byPhandle.get(read.cells(evA.prop('xen,evtchn')!)[1]!)).toBe(evB);
    expect(byPhandle.get(read.cells(evB.prop('xen,evtchn')!)[1]!)).toBe(evA);
    // dom0's end, generated under /chosen from beta's declaration
    const ev0 = chosen.child('evtchn-dom0-5')!;
    const evB21 = beta.child('evtchn-21')!;
    expect(read.cells(ev0.prop('xen,evtchn')!)[0]).toBe(5);
    expect(byPhandle.get(read.cells(ev0.prop('xen,evtchn')!)[1]!)).toBe(evB21);
    expect(byPhandle.get(read.cells(evB21.prop('xen,evtchn')!)[1]!)).toBe(ev0);
    expect(read.string(alpha.child('vcpu1')!.prop('hard-affinity')!)).toBe('2');
    // the host device handed to alpha is hidden from dom0
    expect(merged.lookup('/soc/serial@ff020000')!.prop('xen,passthrough')).toBeDefined();
    expect(merged.lookup('/soc/serial@ff010000')!.prop('xen,passthrough')).toBeUndefined();
  });
});
