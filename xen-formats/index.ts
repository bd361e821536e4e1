// Xen's own formats, read and written, knowing nothing of configs: the createdomain ABI per
// release, the createdomain blob (docs/blob-format.md), and xl config syntax (libxlutil's grammar).
export * from './blob/index.js';
export * from './createdomain/index.js';
export { xenBinaryRelease } from './xen-binary.js';
export * from './xl/parse.js';
export * from './xl/value.js';
