// The library entry (`import ... from 'dombuild'`): each stage's public functions and types.
export * from './devicetree/errors.js';
export * from './devicetree/tree.js';
