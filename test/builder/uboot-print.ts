// What U-Boot's `fdt print <path>` shows for a node (cmd/fdt.c print_data rules), so a tree we
// computed can be compared with what real U-Boot built. Values longer than 64 bytes that are not
// strings print with a pointer in U-Boot; both sides reduce those to their length.
import type { Node } from '../../devicetree/index.js';

function isPrintableStrings(v: Uint8Array): boolean {
  if (v.length === 0 || v[v.length - 1] !== 0) return false;
  let i = 0;
  while (i < v.length) {
    const start = i;
    // U-Boot 2023.01 also prints a string holding a newline as a string (seen on real U-Boot)
    while (i < v.length && v[i] !== 0 && ((v[i]! >= 0x20 && v[i]! < 0x7f) || v[i] === 0x0a)) i++;
    if (v[i] !== 0 || i === start) return false;
    i++;
  }
  return true;
}

function printValue(v: Uint8Array): string {
  // U-Boot shows a lone NUL as an empty string (seen on 2023.01)
  if (v.length === 1 && v[0] === 0) return '""';
  if (isPrintableStrings(v)) {
    const list = new TextDecoder().decode(v.subarray(0, v.length - 1)).split('\0');
    return `"${list.join('", "')}"`;
  }
  if (v.length > 64) return `* [0x${v.length.toString(16).padStart(8, '0')}]`;
  if (v.length % 4 === 0) {
    const dv = new DataView(v.buffer, v.byteOffset, v.length);
    const cells: string[] = [];
    for (let o = 0; o < v.length; o += 4) cells.push(`0x${dv.getUint32(o).toString(16).padStart(8, '0')}`);
    return `<${cells.join(' ')}>`;
  }
  return `[${[...v].map((b) => b.toString(16).padStart(2, '0')).join(' ')}]`;
}

export function ubootPrint(node: Node, depth = 0): string {
  const ind = '\t'.repeat(depth);
  let s = `${ind}${node.name || '/'} {\n`;
  for (const p of node.props)
    s += p.value.length === 0 ? `${ind}\t${p.name};\n` : `${ind}\t${p.name} = ${printValue(p.value)};\n`;
  for (const c of node.children) s += ubootPrint(c, depth + 1);
  return `${s}${ind}};\n`;
}

/** U-Boot's output with pointers of long values dropped, to compare with ubootPrint. */
export function normaliseUbootPrint(text: string): string {
  return text.replace(/\* 0x[0-9a-f]+ \[/g, '* [');
}
