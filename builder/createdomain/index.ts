// builder/createdomain: the exact XEN_DOMCTL_createdomain argument for each release and arch.
export * from './constants.js';
export * from './decode.js';
export * from './encode.js';
export * from './errors.js';
export * from './handle.js';
export * from './layout.js';
export * from './problems.js';
export * from './releases.js';
export * from './spec.js';
