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
export const MAX_MMIO_WORDS = 64;
/** What starts the line of MMIO values (test/e2e parse it). */
export const MMIO_PREFIX = 'dombuild-mmio';
const HEX_DIGITS = '0123456789abcdef';

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
  /**
   * After the marker, read `count` 32-bit registers from `base` (a device mapped into the guest)
   * and print one line: `dombuild-mmio 0x<base>: xx xx ...`, the low byte of each in hex.
   */
  mmio?: { base: bigint; count: number };
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

  const mmio = opts.mmio;
  if (mmio) {
    if (mmio.base < 0n || mmio.base % 4n !== 0n || mmio.base + BigInt(mmio.count) * 4n > 0xffffffffffffffffn)
      throw new ImageError(
        'BADINPUT',
        undefined,
        `MMIO address 0x${mmio.base.toString(16)} is not a 4-aligned u64`,
      );
    if (!Number.isInteger(mmio.count) || mmio.count < 1 || mmio.count > MAX_MMIO_WORDS)
      throw new ImageError(
        'BADINPUT',
        undefined,
        `MMIO word count ${mmio.count} is not 1..${MAX_MMIO_WORDS}`,
      );
  }

  // x1 = message cursor, x2 = UART base, w3 = byte, w4 = flag register; for the MMIO read:
  // x5 = device base, w6 = register value, x7 = hex digit table, w8 = nibble.
  const code: number[] = [];
  /** Where each `adr` wants a string: patched once the strings' offsets are known. */
  const adrs: { at: number; rd: number; text: string }[] = [];
  const strings: string[] = [];
  const adr = (rd: number, text: string) => {
    if (!strings.includes(text)) strings.push(text);
    adrs.push({ at: code.push(0) - 1, rd, text });
  };
  /** Waits until the UART takes a byte, then sends w3. */
  const send = () => {
    const wait = code.length * 4;
    code.push(a64.ldrW(4, 2, PL011_FR));
    code.push(a64.tbnzW(4, PL011_FR_TXFF_BIT, wait - code.length * 4));
    code.push(a64.strW(3, 2, 0));
  };
  /** Prints the NUL-terminated `text`; `between` goes after the adr (the first print's layout). */
  const print = (text: string, between: number[] = []) => {
    adr(1, text);
    code.push(...between);
    const loop = code.length * 4;
    code.push(a64.ldrbPost(3, 1, 1));
    const cbzAt = code.push(0) - 1;
    send();
    code.push(a64.b(loop - code.length * 4));
    code[cbzAt] = a64.cbzW(3, code.length * 4 - cbzAt * 4);
  };
  print(`${marker}\r\n`, movImm64(2, uart));
  if (mmio) {
    // One line: the device address, then the low byte of each 32-bit register in hex (PrimeCell
    // ID registers hold 8 bits each), read through the guest's own mapping of the device.
    code.push(...movImm64(5, mmio.base));
    adr(7, HEX_DIGITS);
    print(`${MMIO_PREFIX} 0x${mmio.base.toString(16)}:`);
    for (let k = 0; k < mmio.count; k++) {
      code.push(a64.ldrW(6, 5, k * 4));
      code.push(a64.movz(3, 0x20));
      send();
      for (const lsb of [4, 0]) {
        code.push(a64.ubfxW(8, 6, lsb, 4));
        code.push(a64.ldrbReg(3, 7, 8));
        send();
      }
    }
    print('\r\n');
  }
  const park = code.length * 4;
  code.push(a64.wfi());
  code.push(a64.b(park - code.length * 4));

  const body = new ByteWriter();
  body.bytes(new Uint8Array(code.length * 4));
  const offsets = new Map<string, number>();
  for (const text of strings) {
    offsets.set(text, body.length);
    for (const ch of `${text}\0`) body.u8(ch.charCodeAt(0));
  }
  for (const a of adrs) code[a.at] = a64.adr(a.rd, offsets.get(a.text)! - a.at * 4);
  const bytes = body.finish();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  code.forEach((insn, i) => {
    view.setUint32(i * 4, insn, true);
  });

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
    .bytes(bytes)
    .align(8);
  return w.finish();
}
