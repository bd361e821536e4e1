// Board DTB values the dom0less emitter reads (a CPU's phandle, the root's cell counts) are hostile
// bytes: a property of the wrong size gives a located diagnostic, never bytes from past its end.
import { describe, expect, it } from 'vitest';
import { buildDom0less } from '../../builder/dom0less/chosen.js';
import { requireTools } from '../support/tools.js';
import { baseTree, board, config, plan } from './dom0less-fixture.js';

const gate = requireTools(['dtc'], 'apt-get install device-tree-compiler');

describe.skipIf(!gate.available)(
  `board DTB values read by the dom0less emitter (${gate.reason || 'dtc'})`,
  () => {
    it('refuses a one-byte phandle on a pool CPU', () => {
      const base = baseTree();
      base.lookup('/cpus/cpu@100')!.setProp('phandle', new Uint8Array([1]));
      const res = buildDom0less({ config: config(), board, base, plan: plan() });
      expect(res.diagnostics.map((d) => [d.id, d.path])).toEqual([['dt-board-phandle', 'cpupools[0].cpus']]);
    });

    it('refuses a root #address-cells that is not one cell, instead of using the default', () => {
      const base = baseTree();
      base.root.setProp('#address-cells', new Uint8Array([2]));
      const res = buildDom0less({ config: config(), board, base, plan: plan() });
      expect(res.diagnostics.map((d) => [d.id, d.path])).toEqual([['dt-board-cells', 'xen.staticHeap']]);
    });
  },
);
