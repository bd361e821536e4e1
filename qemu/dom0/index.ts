// A dom0 that runs Xen's real toolstack: it creates the runtime domains with `xl create` and reads
// Xen's census of every domain, which is compared with the config. One entry for the callers
// (`dombuild run`, the end-to-end suites); docs/census.md says what is read and compared.
export {
  bootWithToolstack,
  type ToolstackBootInput,
  type ToolstackBootResult,
  ToolstackBuildError,
} from './boot.js';
export { type Census, type DomainCensus, parseCensus } from './census.js';
export {
  type CensusCheck,
  type CensusField,
  type CensusMismatch,
  type CreationPath,
  compareCensus,
  type DomainComparison,
} from './compare.js';
export { CENSUS_READS } from './init.js';
export { DOM0_MODULES, dom0Initramfs, type RuntimeDomainFiles } from './initramfs.js';
export { DOM0_DONE_PATTERN, type Dom0Record, type Dom0Report, readDom0Records } from './records.js';
export {
  runtimeDom0Expectations,
  runtimeDomainFiles,
  runtimeDomains,
  type ToolstackRelease,
  toolstackAssets,
  toolstackDom0Initramfs,
  toolstackDom0Kernel,
} from './runtime.js';
export {
  failedSteps,
  judgeToolstackRun,
  type RuntimeVerdict,
  runtimeVerdicts,
  type ToolstackVerdict,
} from './verdicts.js';
