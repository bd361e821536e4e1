// Public entry of schema/: the config schema and types, the feature registry, the release table,
// loading, params, Kconfig, validation and diagnostics.
export type { BoardFacts, MemoryRange } from './board-facts.js';
export { type Check, type CheckContext, checkTable, defineCheck } from './checks/index.js';
export type { CheckLevel } from './checks/runner.js';
export * from './config.js';
export { type Diagnostic, formatPath, hasFailures, type Severity } from './diagnostic.js';
export { configuredValue, effectiveValue } from './effective.js';
export { formatRangeList, parseRangeList } from './fields.js';
export { type Kconfig, kconfigEnabled, parseKconfig } from './kconfig.js';
export { ConfigError, type LoadResult, loadConfig, loadConfigOrThrow, MAX_CONFIG_BYTES } from './load.js';
export {
  formatParams,
  normaliseParamName,
  type ParamProblem,
  type ParsedParam,
  type ParsedParams,
  parseParams,
} from './params.js';
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
export { ConfigSource, locate, type PathSegment } from './source.js';
export {
  isUbootSafe,
  UBOOT_SAFE_PATTERN,
  type UbootStringProblem,
  ubootStringProblem,
} from './uboot-strings.js';
export { formatAddress, formatSize, parseSize, U64_MAX } from './units.js';
export { checkIds, resolveArch, type ValidateOptions, validate } from './validate.js';
