// `fdt mknod` / `fdt set` commands that make U-Boot's libfdt perform exactly the edit steps
// that produce system.dtb. Values are written in the one form U-Boot's fdt_parse_prop reads
// back byte for byte:
//  - an empty property: no value argument;
//  - strings: one single-quoted argument per string (fdt joins them with NULs), unless the first
//    string starts with '<' or '[' (which fdt would read as cells or bytes): then bytes;
//  - 32-bit cells: one argument '<0x.. 0x..>' (fdt accepts spaces inside a single argument);
//  - anything else: bytes '[.. ..]'.
// fdt copies the value into a 1024-byte scratch buffer, so longer values are refused here.
import { type Property, read } from '../../devicetree/tree.js';
import type { EditStep } from '../dom0less/edits.js';
import { UbootError } from './errors.js';
import { isUbootSafe, quoteUboot } from './quote.js';

/** U-Boot cmd/fdt.c SCRATCHPAD: the largest value `fdt set` can hold. */
export const FDT_SET_MAX_VALUE = 1024;

function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

function printableStrings(p: Property): string[] | undefined {
  if (p.value.length === 0 || p.value[p.value.length - 1] !== 0) return undefined;
  const list = read.strings(p);
  return list.every(isUbootSafe) ? list : undefined;
}

/** The value arguments of `fdt set` for a property, already quoted for hush. */
export function fdtValueArgs(p: Property, where: string): string[] {
  if (p.value.length > FDT_SET_MAX_VALUE) {
    throw new UbootError(
      'VALUE_TOO_LONG',
      `${p.value.length} bytes; U-Boot's fdt set holds at most ${FDT_SET_MAX_VALUE}`,
      where,
      'shorten the value, or boot system.dtb instead of editing the board DTB in the script',
    );
  }
  if (p.value.length === 0) return [];
  const hint = p.hint?.kind;
  const strings = hint === 'cells' || hint === 'bytes' ? undefined : printableStrings(p);
  const asStrings =
    strings !== undefined &&
    (hint === 'string' || hint === 'strings' || p.value.length % 4 !== 0 || looksLikeText(strings));
  if (asStrings && !strings[0]!.startsWith('<') && !strings[0]!.startsWith('[')) {
    return strings.map((s) => quoteUboot(s, where));
  }
  if (!asStrings && p.value.length % 4 === 0 && hint !== 'bytes') {
    return [quoteUboot(`<${read.cells(p).map(hex).join(' ')}>`, where)];
  }
  return [quoteUboot(`[${[...p.value].map((b) => b.toString(16).padStart(2, '0')).join(' ')}]`, where)];
}

function looksLikeText(list: string[]): boolean {
  return list.every((s) => s.length > 0);
}

/** One edit step as a U-Boot command. `valueOverride` supplies the arguments for dynamic values. */
export function fdtCommand(step: EditStep, valueOverride?: string[]): string {
  if (step.op === 'mknod') {
    const where = `${step.parent}/${step.name}`;
    return `fdt mknod ${quoteUboot(step.parent, where)} ${quoteUboot(step.name, where)}`;
  }
  const where = `${step.path}:${step.prop.name}`;
  const args = valueOverride ?? fdtValueArgs(step.prop, where);
  return ['fdt set', quoteUboot(step.path, where), quoteUboot(step.prop.name, where), ...args].join(' ');
}

/** Bytes the edits add to the blob, for `fdt resize` (property and node records plus names). */
export function fdtGrowth(steps: EditStep[]): number {
  let n = 0;
  for (const s of steps) {
    if (s.op === 'mknod') n += 8 + align4(s.name.length + 1);
    else n += 12 + align4(s.prop.value.length) + s.prop.name.length + 1;
  }
  return n;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
