// The device-tree toolkit's public surface: the tree model and one codec per format. The DTS
// parser's internals (dts-lexer, dts-live, dts-checks) stay private to it.
export * from './dtb.js';
export * from './dts-parse.js';
export * from './dts-print.js';
export * from './errors.js';
export * from './overlay.js';
export * from './reader.js';
export * from './tree.js';
