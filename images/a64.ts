// A tiny A64 (AArch64) instruction encoder: only the instructions the probe guest needs, each
// checked for operand range. Encodings are from the Arm ARM; test/images/a64.test.ts compares every
// one with GNU as and objdump for aarch64.
import { ImageError } from './errors.js';

/** A general-purpose register number, 0..30 (31 is the zero register or SP depending on use). */
export type Reg = number;

function reg(r: Reg, what = 'register'): number {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new ImageError('BADINPUT', undefined, `${what} x${r}`);
  return r;
}

function signedField(v: number, bits: number, what: string): number {
  const min = -(2 ** (bits - 1));
  const max = 2 ** (bits - 1) - 1;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ImageError('BADINPUT', undefined, `${what} ${v} outside ${bits}-bit signed range`);
  }
  return v & (2 ** bits - 1);
}

/** A branch or literal offset in bytes, which must be a multiple of 4, as a signed word count. */
function wordOffset(bytes: number, bits: number, what: string): number {
  if (bytes % 4 !== 0) throw new ImageError('BADINPUT', undefined, `${what} offset ${bytes} not 4-aligned`);
  return signedField(bytes / 4, bits, what);
}

const u32 = (v: number) => v >>> 0;

export const a64 = {
  /** MOVZ Xd, #imm16, LSL #shift */
  movz(rd: Reg, imm16: number, shift: 0 | 16 | 32 | 48 = 0): number {
    return u32(0xd2800000 | ((shift / 16) << 21) | (imm16Of(imm16) << 5) | reg(rd));
  },
  /** MOVK Xd, #imm16, LSL #shift */
  movk(rd: Reg, imm16: number, shift: 0 | 16 | 32 | 48 = 0): number {
    return u32(0xf2800000 | ((shift / 16) << 21) | (imm16Of(imm16) << 5) | reg(rd));
  },
  /** ADR Xd, <pc + offset> */
  adr(rd: Reg, offset: number): number {
    const imm = signedField(offset, 21, 'adr');
    return u32(0x10000000 | ((imm & 3) << 29) | ((imm >>> 2) << 5) | reg(rd));
  },
  /** LDRB Wt, [Xn], #imm (post-index) */
  ldrbPost(rt: Reg, rn: Reg, imm: number): number {
    return u32(0x38400400 | (signedField(imm, 9, 'ldrb') << 12) | (reg(rn) << 5) | reg(rt));
  },
  /** STRB Wt, [Xn], #imm (post-index) */
  strbPost(rt: Reg, rn: Reg, imm: number): number {
    return u32(0x38000400 | (signedField(imm, 9, 'strb') << 12) | (reg(rn) << 5) | reg(rt));
  },
  /** LDR Wt, [Xn, #offset] (unsigned, 4-byte scaled) */
  ldrW(rt: Reg, rn: Reg, offset = 0): number {
    return u32(0xb9400000 | (scaled(offset, 4, 'ldr') << 10) | (reg(rn) << 5) | reg(rt));
  },
  /** STR Wt, [Xn, #offset] (unsigned, 4-byte scaled) */
  strW(rt: Reg, rn: Reg, offset = 0): number {
    return u32(0xb9000000 | (scaled(offset, 4, 'str') << 10) | (reg(rn) << 5) | reg(rt));
  },
  /** LDRB Wt, [Xn, Xm] (register offset) */
  ldrbReg(rt: Reg, rn: Reg, rm: Reg): number {
    return u32(0x38606800 | (reg(rm) << 16) | (reg(rn) << 5) | reg(rt));
  },
  /** UBFX Wd, Wn, #lsb, #width (UBFM Wd, Wn, #lsb, #lsb+width-1) */
  ubfxW(rd: Reg, rn: Reg, lsb: number, width: number): number {
    if (!Number.isInteger(lsb) || !Number.isInteger(width) || lsb < 0 || width < 1 || lsb + width > 32)
      throw new ImageError('BADINPUT', undefined, `ubfx #${lsb}, #${width}`);
    return u32(0x53000000 | (lsb << 16) | ((lsb + width - 1) << 10) | (reg(rn) << 5) | reg(rd));
  },
  /** CBZ Wt, <pc + offset> */
  cbzW(rt: Reg, offset: number): number {
    return u32(0x34000000 | (wordOffset(offset, 19, 'cbz') << 5) | reg(rt));
  },
  /** TBNZ Wt, #bit, <pc + offset> (bit < 32) */
  tbnzW(rt: Reg, bit: number, offset: number): number {
    if (!Number.isInteger(bit) || bit < 0 || bit > 31)
      throw new ImageError('BADINPUT', undefined, `tbnz bit ${bit}`);
    return u32(0x37000000 | (bit << 19) | (wordOffset(offset, 14, 'tbnz') << 5) | reg(rt));
  },
  /** B <pc + offset> */
  b(offset: number): number {
    return u32(0x14000000 | wordOffset(offset, 26, 'b'));
  },
  wfi(): number {
    return 0xd503207f;
  },
  nop(): number {
    return 0xd503201f;
  },
};

function imm16Of(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new ImageError('BADINPUT', undefined, `imm16 ${v}`);
  return v;
}

function scaled(offset: number, size: number, what: string): number {
  if (!Number.isInteger(offset) || offset < 0 || offset % size !== 0 || offset / size > 0xfff) {
    throw new ImageError('BADINPUT', undefined, `${what} offset ${offset}`);
  }
  return offset / size;
}

/**
 * MOVZ/MOVK instructions loading a 64-bit constant into Xd: MOVZ for the lowest non-zero halfword
 * (or zero), then MOVK for each other non-zero one.
 */
export function movImm64(rd: Reg, v: bigint): number[] {
  if (v < 0n || v > 0xffffffffffffffffn)
    throw new ImageError('BADINPUT', undefined, `constant ${v} is not a u64`);
  const halves = [0, 1, 2, 3].map((i) => Number((v >> BigInt(16 * i)) & 0xffffn));
  const out: number[] = [];
  halves.forEach((h, i) => {
    const shift = (16 * i) as 0 | 16 | 32 | 48;
    if (h === 0) return;
    out.push(out.length === 0 ? a64.movz(rd, h, shift) : a64.movk(rd, h, shift));
  });
  return out.length === 0 ? [a64.movz(rd, 0)] : out;
}
