// xen-formats/createdomain: the exact XEN_DOMCTL_createdomain argument for each release and arch.

export * from './constants.js';
export { type DecodedField, decodeCreateDomain, readDomctlFields } from './decode.js';
export { encodeCreateDomain } from './encode.js';
export * from './errors.js';
export { domainHandle, formatHandle } from './handle.js';
export {
  FIELD_SIZE,
  type FieldKey,
  type FieldLayout,
  type FieldType,
  fieldFor,
  layoutFor,
} from './layout.js';
export {
  CREATEDOMAIN_CHECKS,
  CREATEDOMAIN_UNRESOLVABLE,
  type CreateDomainCheck,
  type CreateDomainCheckId,
  createDomainHint,
} from './problem-docs.js';
export { createDomainProblems } from './problems.js';
export {
  CREATEDOMAIN_ARCHES,
  CREATEDOMAIN_RELEASES,
  type CreateDomainArch,
  type CreateDomainReleaseFacts,
  type CreateDomainTarget,
  isCreateDomainArch,
} from './releases.js';
export * from './spec.js';
