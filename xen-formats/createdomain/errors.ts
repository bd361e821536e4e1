// The closed set of createdomain encode/decode errors. Decoding reads hostile bytes, so every
// failure carries the byte offset it was found at.

export type CreateDomainErrorCode =
  | 'BAD_LENGTH' // the buffer is not exactly 144 bytes
  | 'BAD_CMD' // cmd is not XEN_DOMCTL_createdomain
  | 'BAD_INTERFACE_VERSION' // interface_version is not the target release's
  | 'UNKNOWN_BITS' // a flag word has bits the release does not define
  | 'UNKNOWN_VALUE' // an enum field holds a value the release does not define
  | 'NONZERO_PADDING' // a byte outside every field (or the must-be-zero pad) is not zero
  | 'NOT_ENCODABLE'; // the spec cannot be written for the target (see createDomainProblems)

export class CreateDomainError extends Error {
  override name = 'CreateDomainError';
  constructor(
    readonly code: CreateDomainErrorCode,
    /** Byte offset in the 144-byte buffer, when the error is about bytes. */
    readonly offset: number | undefined,
    message: string,
    /** The problem id, for NOT_ENCODABLE. */
    readonly problemId?: string,
  ) {
    super(offset === undefined ? `${code}: ${message}` : `${code} at offset ${offset}: ${message}`);
  }
}

/**
 * Every problem id createDomainProblems can report. The first four say the spec cannot be
 * written for the target at all (encodeCreateDomain throws NOT_ENCODABLE); the rest are
 * combinations Xen's sanitise_domain_config / arch_sanitise_domain_config / emulation_flags_ok
 * refuse with -EINVAL or -EOPNOTSUPP (reference/createdomain-abi.md §3).
 */
export const CREATEDOMAIN_PROBLEM_IDS = [
  'createdomain-arch-mismatch',
  'createdomain-unknown-name',
  'createdomain-not-in-release',
  'createdomain-out-of-range',
  'createdomain-hap-without-hvm',
  'createdomain-arm-needs-hvm-hap',
  'createdomain-flag-not-on-arch',
  'createdomain-nested-virt-without-hap',
  'createdomain-max-vcpus',
  'createdomain-iommu-opts-without-iommu',
  'createdomain-iommu-no-sharept-on-arm',
  'createdomain-grant-version',
  'createdomain-vmtrace',
  'createdomain-altp2m-on-arm',
  'createdomain-altp2m-needs-hap',
  'createdomain-altp2m-with-nested-virt',
  'createdomain-altp2m-nr',
  'createdomain-x86-emulation-flags',
  'createdomain-arm-nr-spis',
  'createdomain-arm-sve-vl',
  'createdomain-arm-v8r-needs-mpu',
  'createdomain-domid-reserved',
] as const;
export type CreateDomainProblemId = (typeof CREATEDOMAIN_PROBLEM_IDS)[number];

export interface CreateDomainProblem {
  id: CreateDomainProblemId;
  message: string;
  /** The spec field it is about, e.g. `flags` or `arch.tee_type`. */
  field: string;
}
