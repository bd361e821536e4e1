// Spec → the exact 144-byte `struct xen_domctl` Xen copies in for XEN_DOMCTL_createdomain.
import { DOMCTL_SIZE } from './constants.js';
import { CreateDomainError } from './errors.js';
import { layoutFor } from './layout.js';
import { specToRaw } from './raw.js';
import type { CreateDomainTarget } from './releases.js';
import type { CreateDomainSpec } from './spec.js';

/**
 * Zero-filled buffer with every field of the target's layout written little-endian. Throws
 * CreateDomainError NOT_ENCODABLE when the spec cannot be expressed for the target at all;
 * combinations Xen would refuse are not checked here (createDomainProblems reports them).
 */
export function encodeCreateDomain(spec: CreateDomainSpec, target: CreateDomainTarget): Uint8Array {
  const { raw, problems } = specToRaw(spec, target);
  const first = problems[0];
  if (first)
    throw new CreateDomainError('NOT_ENCODABLE', undefined, `${first.field}: ${first.message}`, first.id);
  const out = new Uint8Array(DOMCTL_SIZE);
  const dv = new DataView(out.buffer);
  for (const f of layoutFor(target)) {
    if (f.type === 'bytes16') {
      out.set(raw.handle, f.offset);
      continue;
    }
    const v = raw.values[f.key as keyof typeof raw.values] ?? 0;
    if (f.type === 'u8') dv.setUint8(f.offset, v);
    else if (f.type === 'u16') dv.setUint16(f.offset, v, true);
    else if (f.type === 'u32') dv.setUint32(f.offset, v, true);
    else dv.setInt32(f.offset, v, true);
  }
  return out;
}
