// The DTS printer: the text `dtc -O dts` (1.6.1) writes for the same tree, byte for byte. Values
// read from a DTB carry no hint, so their form is guessed with dtc's rule (string, cells, else
// bytes); values built from DTS source keep the form they were written in.
import type { MemReserve, Node, Property, Tree, ValueHint } from './tree.js';

/** Prints a tree as DTS source, as `dtc -I dtb -O dts` would for its blob. */
export function printDts(tree: Tree): string {
  const out: string[] = ['/dts-v1/;\n\n'];
  for (const m of tree.memreserves) out.push(printReserve(m));
  printNode(tree.root, 0, out);
  return out.join('');
}

function printReserve(m: MemReserve): string {
  const labels = m.labels.map((l) => `${l}: `).join('');
  return `${labels}/memreserve/\t0x${hex(m.address, 16)} 0x${hex(m.size, 16)};\n`;
}

/** Iterative so that a deep tree cannot exhaust the JS stack. */
function printNode(root: Node, level: number, out: string[]): void {
  const stack: { node: Node; level: number; next: number }[] = [];
  const open = (node: Node, lvl: number) => {
    const indent = tabs(lvl);
    out.push(`${indent}${labelPrefix(node.labels)}${node.name === '' ? '/' : node.name} {\n`);
    const inner = tabs(lvl + 1);
    for (const p of node.props) out.push(`${inner}${labelPrefix(p.labels)}${p.name}${printDtsValue(p)}\n`);
    stack.push({ node, level: lvl, next: 0 });
  };
  open(root, level);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const child = top.node.children[top.next++];
    if (child) {
      out.push('\n');
      open(child, top.level + 1);
    } else {
      out.push(`${tabs(top.level)}};\n`);
      stack.pop();
    }
  }
}

const indents: string[] = [''];
function tabs(level: number): string {
  while (indents.length <= level) indents.push(`${indents[indents.length - 1]}\t`);
  return indents[level]!;
}

function labelPrefix(labels: string[]): string {
  return labels.length === 0 ? '' : labels.map((l) => `${l}: `).join('');
}

/** The value part of a property line: ";" when empty, else " = ...;". */
export function printDtsValue(p: Property): string {
  const v = p.value;
  if (v.length === 0) return ';';
  const form = fitHint(p.hint, v) ?? guessValueForm(v);
  switch (form.kind) {
    case 'strings':
      return ` = ${splitStrings(v)
        .map((s) => quote(s))
        .join(', ')};`;
    case 'string':
      return ` = ${quote(v)};`;
    case 'cells':
      return ` = ${form.bits === 32 ? '' : `/bits/ ${form.bits} `}<${cells(v, form.bits / 8)}>;`;
    case 'bytes':
      return ` = [${bytes(v)}];`;
  }
}

export type DtsValueForm =
  | { kind: 'string' }
  | { kind: 'strings' }
  | { kind: 'cells'; bits: 16 | 32 | 64 }
  | { kind: 'bytes' };

const STRING: DtsValueForm = { kind: 'string' };
const STRINGS: DtsValueForm = { kind: 'strings' };
const CELLS32: DtsValueForm = { kind: 'cells', bits: 32 };
const BYTES: DtsValueForm = { kind: 'bytes' };

/** The source form, when the hint still fits the bytes (a later edit may have changed them). */
function fitHint(hint: ValueHint | undefined, v: Uint8Array): DtsValueForm | undefined {
  if (!hint) return undefined;
  switch (hint.kind) {
    case 'string':
      return v[v.length - 1] === 0 ? STRING : undefined;
    case 'strings':
      return v[v.length - 1] === 0 ? STRINGS : undefined;
    case 'cells':
      if (hint.bits === 8) return BYTES;
      if (hint.bits === 32) return v.length % 4 === 0 ? CELLS32 : undefined;
      return v.length % (hint.bits / 8) === 0 ? { kind: 'cells', bits: hint.bits } : undefined;
    case 'bytes':
      return BYTES;
  }
}

/**
 * dtc's guess for a value without type information: text when it ends in NUL, holds only
 * printable ASCII, the escapable controls \a..\r and NULs, and has no more NULs than other
 * bytes; else 32-bit cells when the length allows; else bytes.
 */
export function guessValueForm(v: Uint8Array): DtsValueForm {
  let notString = 0;
  let nul = 0;
  for (const c of v) {
    if (c === 0) nul++;
    else if (!(isPrint(c) || (c >= 7 && c <= 13))) notString++;
  }
  if (v[v.length - 1] === 0 && notString === 0 && nul <= v.length - nul) return STRING;
  if (v.length % 4 === 0) return CELLS32;
  return BYTES;
}

const ESCAPES: Record<number, string> = {
  7: '\\a',
  8: '\\b',
  9: '\\t',
  10: '\\n',
  11: '\\v',
  12: '\\f',
  13: '\\r',
  92: '\\\\',
  34: '\\"',
  0: '\\0',
};

/**
 * One quoted string of everything but the final NUL; inner NULs print as \0 (dtc 1.6.1 does not
 * split a guessed value into a list). Two places differ from dtc 1.6.1 on purpose, both where its
 * text does not compile back to the same bytes: a NUL followed by an octal digit, which dtc
 * prints as "\0" + digit and then reads as one longer octal escape (we print "\x00"), and bytes
 * above 0x7f in a hinted string, which dtc sign-extends (\xffffffc3). A guessed value never holds
 * high bytes, so only the first can touch DTB-derived text.
 */
function quote(v: Uint8Array): string {
  let s = '"';
  for (let i = 0; i < v.length - 1; i++) {
    const c = v[i]!;
    const e = ESCAPES[c];
    if (c === 0 && isOctalDigit(v[i + 1]!) && i + 1 < v.length - 1) s += '\\x00';
    else if (e !== undefined) s += e;
    else if (isPrint(c)) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${s}"`;
}

/** The NUL-terminated pieces of a value that ends in NUL, each with its terminator. */
function splitStrings(v: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < v.length; i++) {
    if (v[i] === 0) {
      out.push(v.subarray(start, i + 1));
      start = i + 1;
    }
  }
  return out;
}

/** Cells as dtc's "0x%02x": lowercase hex, no leading zeros beyond two digits. */
function cells(v: Uint8Array, width: number): string {
  let s = '';
  for (let o = 0; o < v.length; o += width) {
    if (o > 0) s += ' ';
    if (width === 8) {
      let n = 0n;
      for (let j = 0; j < 8; j++) n = (n << 8n) | BigInt(v[o + j]!);
      s += `0x${hex(n, 2)}`;
    } else {
      let n = 0;
      for (let j = 0; j < width; j++) n = n * 256 + v[o + j]!;
      s += n < 0x100 ? `0x${HEX2[n]}` : `0x${n.toString(16)}`;
    }
  }
  return s;
}

const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function bytes(v: Uint8Array): string {
  let s = '';
  for (let i = 0; i < v.length; i++) s += i === 0 ? HEX2[v[i]!] : ` ${HEX2[v[i]!]}`;
  return s;
}

function isOctalDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

function isPrint(c: number): boolean {
  return c >= 0x20 && c <= 0x7e;
}

function hex(n: bigint | number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
