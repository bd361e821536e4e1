// The probe guest: a minimal arm64 Linux Image that prints one marker line on a PL011 (or
// Xen's emulated vpl011) and parks in WFI. Tests boot it to prove a domain was really started
// with the layout we planned, without a toolchain or a real kernel.
import { a64, movImm64 } from './a64.js';
import { ByteWriter } from './bytes.js';
import { ImageError } from './errors.js';
import { ARM64_IMAGE_MAGIC } from './kernel-header.js';

/** Where Xen puts a dom0less guest's vpl011 (GUEST_PL011_BASE). */
export const XEN_VPL011_BASE = 0x22000000n;
/** QEMU virt's PL011. */
export const QEMU_VIRT_PL011_BASE = 0x09000000n;
export const MAX_MARKER_LENGTH = 256;

const TEXT_OFFSET = 0x80000n;
// bit 0 = 0: little-endian; bits 1-2 = 1: 4K pages; bit 3 = 1: may be placed anywhere in RAM
const FLAGS = 0xan;
const PL011_FR = 0x18;
const PL011_FR_TXFF_BIT = 5;

export interface ProbeOptions {
  /** Printable ASCII, 1..256 characters; printed followed by "\r\n". */
  marker: string;
  /** Physical address of the UART data register (PL011 DR), 4-byte aligned. */
  uartBase?: bigint;
}

export function probeGuestImage(opts: ProbeOptions): Uint8Array {
  const { marker } = opts;
  const uart = opts.uartBase ?? XEN_VPL011_BASE;
  if (marker.length === 0 || marker.length > MAX_MARKER_LENGTH || !/^[\x20-\x7e]+$/.test(marker)) {
    throw new ImageError(
      'BADINPUT',
      undefined,
      `marker of ${marker.length} characters is not 1..${MAX_MARKER_LENGTH} printable ASCII characters`,
      'use letters, digits, spaces and punctuation only',
    );
  }
  if (uart < 0n || uart > 0xffffffffffffffffn || uart % 4n !== 0n) {
    throw new ImageError('BADINPUT', undefined, `UART address 0x${uart.toString(16)} is not a 4-aligned u64`);
  }

  // x1 = message cursor, x2 = UART base, w3 = byte, w4 = flag register
  const loadUart = movImm64(2, uart);
  const code: number[] = [];
  const adrAt = code.push(0) - 1; // patched below once the message offset is known
  code.push(...loadUart);
  const loop = code.length * 4;
  code.push(a64.ldrbPost(3, 1, 1));
  const cbzAt = code.push(0) - 1;
  const wait = code.length * 4;
  code.push(a64.ldrW(4, 2, PL011_FR));
  code.push(a64.tbnzW(4, PL011_FR_TXFF_BIT, wait - code.length * 4));
  code.push(a64.strW(3, 2, 0));
  code.push(a64.b(loop - code.length * 4));
  const park = code.length * 4;
  code.push(a64.wfi());
  code.push(a64.b(park - code.length * 4));
  const message = code.length * 4;
  code[adrAt] = a64.adr(1, message - adrAt * 4);
  code[cbzAt] = a64.cbzW(3, park - cbzAt * 4);

  const body = new ByteWriter();
  for (const insn of code) body.u32le(insn);
  for (const ch of `${marker}\r\n\0`) body.u8(ch.charCodeAt(0));

  const size = 64 + body.length + ((8 - (body.length % 8)) % 8);
  const w = new ByteWriter()
    .u32le(a64.b(64)) // code0: jump over the header
    .u32le(0) // code1
    .u64le(TEXT_OFFSET)
    .u64le(BigInt(size)) // image_size: no BSS, so the file is the whole image
    .u64le(FLAGS)
    .u64le(0n)
    .u64le(0n)
    .u64le(0n)
    .u32le(ARM64_IMAGE_MAGIC)
    .u32le(0) // no PE/COFF header
    .bytes(body.finish())
    .align(8);
  return w.finish();
}
