// builder/blob: the unified createdomain blob (createdomain.bin), specified in docs/blob-format.md.
export * from './crc32.js';
export * from './errors.js';
export * from './explain.js';
export * from './format.js';
export * from './read.js';
export * from './types.js';
export * from './write.js';
