// xen-formats/blob: the unified createdomain blob (createdomain.bin), specified in docs/blob-format.md.
export { BlobError, type BlobErrorCode } from './errors.js';
export {
  type BlobExplanation,
  type ExplainedDomain,
  type ExplainedField,
  explainBlob,
  formatBlobExplanation,
} from './explain.js';
export {
  BLOB_MAGIC,
  type DomainKind as BlobDomainKind,
  type ModuleKind as BlobModuleKind,
} from './format.js';
export { readBlob } from './read.js';
export * from './types.js';
export { writeBlob } from './write.js';
