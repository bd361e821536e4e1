// diff/: what changes for each guest between two configs, or one config at two Xen releases. Both
// sides go through the one pipeline (side.ts); the comparison is a pure function of the two results.
export { type DiffSide, DiffSideError, diffSystems, itemsOf } from './compare.js';
export { isKnownControl, type Visibility, visibilityOf } from './controls.js';
export * from './model.js';
export { type RenderOptions, renderJson, renderText } from './render.js';
export { runSide, type SideInput } from './side.js';
