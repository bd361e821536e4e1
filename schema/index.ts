// Public entry of schema/: the config schema and types, the feature registry, the release table,
// loading, params, Kconfig, validation and diagnostics.
export type { BoardFacts, MemoryRange } from './board.js';
export * from './config.js';
export { type Diagnostic, formatPath, hasFailures, type Severity } from './diagnostic.js';
export { formatRangeList, parseRangeList } from './fields.js';
export { type Kconfig, kconfigEnabled, parseKconfig } from './kconfig.js';
export {
  type CreatedomainEncoding,
  type CreatedomainField,
  DT_CONSTANTS,
  type DtEncoding,
  type DtKind,
  type Feature,
  type FeatureKey,
  featureByKey,
  features,
  type KconfigGate,
  type ParamEncoding,
  type ParamKind,
  registry,
  type XlEncoding,
  type XlKind,
} from './registry.js';
export {
  isXenRelease,
  type ReleaseFacts,
  releaseAtLeast,
  releaseFacts,
  releaseIndex,
  releases,
} from './releases.js';
export { formatAddress, formatSize, parseSize, U64_MAX } from './units.js';
