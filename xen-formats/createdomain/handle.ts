// The domain handle (UUID) is derived from the domain name so that builds are reproducible:
// a name-based UUID in the style of RFC 9562 version 5 (SHA-1 over a namespace and the name).
import { createHash } from 'node:crypto';

/** dombuild's own namespace for domain-name UUIDs (a fixed, arbitrary value). */
const NAMESPACE = Uint8Array.from([
  0x5c, 0x1e, 0x7a, 0x42, 0x93, 0x0d, 0x4b, 0x6e, 0xa1, 0x28, 0x3f, 0xd4, 0x60, 0x9b, 0xe7, 0x15,
]);

export function domainHandle(name: string): Uint8Array {
  const digest = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  const h = new Uint8Array(digest.subarray(0, 16));
  h[6] = (h[6]! & 0x0f) | 0x50; // version 5
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC variant
  return h;
}

export function formatHandle(h: Uint8Array): string {
  const hex = Array.from(h, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
