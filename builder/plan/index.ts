// Public surface of the planner: the BootPlan types, planLayout, plan.json and the pictures.
export { FreeList, type Interval } from './free-list.js';
export { PLAN_JSON_VERSION, type PlanJsonOptions, planToJson } from './json.js';
export { type PlanInput, type PlanResult, planLayout } from './planner.js';
export { type MapSegment, planSegments, renderPlanBars, renderPlanSvg, renderPlanTable } from './render.js';
export type {
  BootMethod,
  BootPlan,
  ExcludedRange,
  ExclusionReason,
  ImageRole,
  PlanBoardRef,
  PlannedImage,
  RamBank,
} from './types.js';
