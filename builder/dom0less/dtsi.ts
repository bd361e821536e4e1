// chosen.dtsi: the same additions as DTS source, for people who build their board DTS themselves
// (`/include/ "chosen.dtsi"` at the end of it). dtc merges a later node definition into the
// earlier one, so the fragments are written at their full paths; the phandles are the numbers
// system.dtb uses (above the board's highest), which dtc keeps as given.
import { printDts } from '../../devicetree/dts-print.js';
import { Tree } from '../../devicetree/tree.js';
import type { TreeEdits } from './edits.js';

export function chosenDtsi(edits: TreeEdits, header: string[]): string {
  const t = new Tree();
  for (const f of edits.fragments) {
    const at = t.ensurePath(f.target);
    const copy = f.content.clone();
    for (const p of copy.props) at.setProp(p.name, p.value, p.hint ? { hint: p.hint } : {});
    for (const c of [...copy.children]) at.addChild(c);
  }
  const body = printDts(t).replace(/^\/dts-v1\/;\s*/, '');
  return `${header.map((h) => `// ${h}`).join('\n')}\n\n${body}`;
}
