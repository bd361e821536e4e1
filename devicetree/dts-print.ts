// The DTS printer: the text `dtc -O dts` (1.6.1) writes for the same tree, byte for byte. Values
// read from a DTB carry no hint, so their form is guessed with dtc's rule (string, cells, else
// bytes); values built from DTS source keep the form they were written in. Text is assembled as
// bytes and decoded once: a big tree would otherwise leave millions of short strings behind.
import type { MemReserve, Node, Property, Tree, ValueHint } from './tree.js';

/** Prints a tree as DTS source, as `dtc -I dtb -O dts` would for its blob. */
export function printDts(tree: Tree): string {
  const out = new Sink();
  out.ascii('/dts-v1/;\n\n');
  for (const m of tree.memreserves) printReserve(m, out);
  printNode(tree.root, out);
  return out.toString();
}

/** The value part of a property line: ";" when empty, else " = ...;". */
export function printDtsValue(p: Property): string {
  const out = new Sink(64);
  printValue(p, out);
  return out.toString();
}

export type DtsValueForm =
  | { kind: 'string' }
  | { kind: 'strings' }
  | { kind: 'cells'; bits: 16 | 32 | 64 }
  | { kind: 'bytes' };

/**
 * dtc's guess for a value without type information: text when it ends in NUL, holds only
 * printable ASCII, the escapable controls \a..\r and NULs, and has no more NULs than other
 * bytes; else 32-bit cells when the length allows; else bytes.
 */
export function guessValueForm(v: Uint8Array): DtsValueForm {
  let notString = 0;
  let nul = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === 0) nul++;
    else if (!(isPrint(c) || (c >= 7 && c <= 13))) notString++;
  }
  if (v[v.length - 1] === 0 && notString === 0 && nul <= v.length - nul) return STRING;
  if (v.length % 4 === 0) return CELLS32;
  return BYTES;
}

function printReserve(m: MemReserve, out: Sink): void {
  printLabels(m.labels, out);
  out.ascii(
    `/memreserve/\t0x${m.address.toString(16).padStart(16, '0')} 0x${m.size.toString(16).padStart(16, '0')};\n`,
  );
}

/** Iterative so that a deep tree cannot exhaust the JS stack. */
function printNode(root: Node, out: Sink): void {
  const stack: { node: Node; next: number }[] = [];
  const open = (node: Node) => {
    const level = stack.length;
    out.tabs(level);
    printLabels(node.labels, out);
    if (node.name === '') out.byte(0x2f);
    else out.text(node.name);
    out.ascii(' {\n');
    for (const p of node.props) {
      out.tabs(level + 1);
      printLabels(p.labels, out);
      out.text(p.name);
      printValue(p, out);
      out.byte(0x0a);
    }
    stack.push({ node, next: 0 });
  };
  open(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const child = top.node.children[top.next++];
    if (child) {
      out.byte(0x0a);
      open(child);
    } else {
      out.tabs(stack.length - 1);
      out.ascii('};\n');
      stack.pop();
    }
  }
}

function printLabels(labels: string[], out: Sink): void {
  for (const l of labels) {
    out.text(l);
    out.ascii(': ');
  }
}

function printValue(p: Property, out: Sink): void {
  const v = p.value;
  if (v.length === 0) {
    out.byte(0x3b);
    return;
  }
  const form = fitHint(p.hint, v) ?? guessValueForm(v);
  out.ascii(' = ');
  switch (form.kind) {
    case 'strings': {
      let start = 0;
      for (let i = 0; i < v.length; i++) {
        if (v[i] !== 0) continue;
        if (start > 0) out.ascii(', ');
        quote(v, start, i, out);
        start = i + 1;
      }
      break;
    }
    case 'string':
      quote(v, 0, v.length - 1, out);
      break;
    case 'cells':
      if (form.bits !== 32) out.ascii(`/bits/ ${form.bits} `);
      out.byte(0x3c);
      cells(v, form.bits / 8, out);
      out.byte(0x3e);
      break;
    case 'bytes':
      out.byte(0x5b);
      for (let i = 0; i < v.length; i++) {
        if (i > 0) out.byte(0x20);
        out.hex2(v[i]!);
      }
      out.byte(0x5d);
      break;
  }
  out.byte(0x3b);
}

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

/** dtc's escapes by byte; everything else outside printable ASCII is \xNN. */
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
 * v[from, to) as one quoted string; inner NULs print as \0 (dtc 1.6.1 does not split a guessed
 * value into a list). Two places differ from dtc 1.6.1 on purpose, both where its text does not
 * compile back to the same bytes: a NUL followed by an octal digit, which dtc prints as "\0" +
 * digit and then reads as one longer octal escape (we print "\x00"), and bytes above 0x7f in a
 * hinted string, which dtc sign-extends (\xffffffc3). A guessed value never holds high bytes, so
 * only the first can touch DTB-derived text.
 */
function quote(v: Uint8Array, from: number, to: number, out: Sink): void {
  out.byte(0x22);
  for (let i = from; i < to; i++) {
    const c = v[i]!;
    if (isPrint(c) && c !== 0x22 && c !== 0x5c) {
      out.byte(c);
      continue;
    }
    const e = ESCAPES[c];
    if (c === 0 && i + 1 < to && isOctalDigit(v[i + 1]!)) out.ascii('\\x00');
    else if (e !== undefined) out.ascii(e);
    else {
      out.ascii('\\x');
      out.hex2(c);
    }
  }
  out.byte(0x22);
}

/** Cells as dtc's "0x%02x": lowercase hex, no leading zeros beyond two digits. */
function cells(v: Uint8Array, width: number, out: Sink): void {
  for (let o = 0; o < v.length; o += width) {
    if (o > 0) out.byte(0x20);
    out.ascii('0x');
    if (width === 8) {
      const hi = ((v[o]! << 24) | (v[o + 1]! << 16) | (v[o + 2]! << 8) | v[o + 3]!) >>> 0;
      const lo = ((v[o + 4]! << 24) | (v[o + 5]! << 16) | (v[o + 6]! << 8) | v[o + 7]!) >>> 0;
      if (hi === 0) out.hexMin2(lo);
      else out.ascii(hi.toString(16) + lo.toString(16).padStart(8, '0'));
    } else {
      let n = 0;
      for (let j = 0; j < width; j++) n = n * 256 + v[o + j]!;
      out.hexMin2(n);
    }
  }
}

function isOctalDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

function isPrint(c: number): boolean {
  return c >= 0x20 && c <= 0x7e;
}

const HEX = [...'0123456789abcdef'].map((c) => c.charCodeAt(0));
const utf8 = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** A growing byte buffer of UTF-8 text. */
class Sink {
  private buf: Uint8Array;
  private n = 0;

  constructor(size = 1 << 16) {
    this.buf = new Uint8Array(size);
  }

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    bigger.set(this.buf.subarray(0, this.n));
    this.buf = bigger;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.n++] = b;
  }

  /** A string known to be ASCII. */
  ascii(s: string): void {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.n++] = s.charCodeAt(i);
  }

  /** Any string (names, labels), as UTF-8. */
  text(s: string): void {
    this.room(s.length * 3);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.n += utf8.encodeInto(s.slice(i), this.buf.subarray(this.n)).written;
        return;
      }
      this.buf[this.n++] = c;
    }
  }

  tabs(level: number): void {
    this.room(level);
    for (let i = 0; i < level; i++) this.buf[this.n++] = 0x09;
  }

  hex2(b: number): void {
    this.room(2);
    this.buf[this.n++] = HEX[b >> 4]!;
    this.buf[this.n++] = HEX[b & 15]!;
  }

  /** An unsigned 32-bit number in hex, at least two digits. */
  hexMin2(n: number): void {
    // n is below 2^32, so >>> reads it as the unsigned number it is.
    let digits = 2;
    while (digits < 8 && n >>> (4 * digits) !== 0) digits++;
    this.room(digits);
    for (let d = digits - 1; d >= 0; d--) this.buf[this.n++] = HEX[(n >>> (4 * d)) & 15]!;
  }

  toString(): string {
    return decoder.decode(this.buf.subarray(0, this.n));
  }
}
