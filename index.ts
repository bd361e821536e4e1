// The library entry (`import ... from 'dombuild'`): each stage's public functions and types.
export * from './devicetree/errors.js';
export * from './devicetree/tree.js';
export * from './images/errors.js';
export * from './images/crc32.js';
export * from './images/uimage.js';
export * from './images/kernel-header.js';
export * from './images/probe.js';
export * from './schema/index.js';
export * from './qemu/argv.js';
export * from './qemu/assets.js';
export * from './qemu/console.js';
export * from './qemu/errors.js';
export * from './qemu/junit.js';
export * from './qemu/machine-dtb.js';
export * from './qemu/runner.js';
