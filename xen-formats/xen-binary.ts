// What a Xen binary says about itself. An Arm build of Xen carries the compatible string it gives
// dom0's /hypervisor node, "xen,xen-<major>.<minor>" (xen/arch/arm/domain_build.c, make_hypervisor_node),
// so the release is read from the bytes without running anything. x86 builds create no device-tree
// node and carry no such string: for them the release is unknown here.

const MARKER = new TextEncoder().encode('xen,xen-');

/** "4.17" for a Xen 4.17 Arm binary (uncompressed, as Xen is loaded); undefined when not found. */
export function xenBinaryRelease(bytes: Uint8Array): string | undefined {
  let from = 0;
  for (;;) {
    const at = indexOf(bytes, MARKER, from);
    if (at < 0) return undefined;
    const m = /^(\d{1,2})\.(\d{1,2})\0/.exec(ascii(bytes, at + MARKER.length, 7));
    if (m) return `${m[1]}.${m[2]}`;
    from = at + 1;
  }
}

function ascii(bytes: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = at; i < Math.min(bytes.length, at + n); i++) s += String.fromCharCode(bytes[i] as number);
  return s;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0] as number;
  for (
    let i = hay.indexOf(first, from);
    i >= 0 && i <= hay.length - needle.length;
    i = hay.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}
