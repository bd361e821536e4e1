// Per-domain verdicts of a run with a toolstack dom0: how each domain was created (`boot` by Xen,
// `xl` by the toolstack), whether it came up, xl's own message when `xl create` failed, and the
// census comparison. A runtime guest's output only exists in dom0 (xenconsoled's logs), so its
// "came up" is judged from the dom0's records, not from Xen's console.
import type { Config } from '../../schema/config.js';
import type { Census } from './census.js';
import { type CensusMismatch, compareCensus, type DomainComparison } from './compare.js';
import type { Dom0Report, StepRecord } from './records.js';
import { runtimeMarker } from './runtime.js';

export interface RuntimeVerdict {
  domain: string;
  path: 'xl';
  /** `xl create` succeeded. */
  created: boolean;
  /** xl's output when it failed. */
  error?: string;
  /** What the guest printed on its consoles (xenconsoled's logs), when it printed anything. */
  console?: string;
  /** The probe's marker is in its console log (undefined: no probe with a vpl011 to print on). */
  markerSeen?: boolean;
}

/** The dom0's failed steps (a module, a daemon, an `xl create`), in order. */
export function failedSteps(report: Dom0Report): StepRecord[] {
  return report.records.filter((r): r is StepRecord => r.kind === 'step' && !r.ok);
}

export function runtimeVerdicts(config: Config, report: Dom0Report, census: Census): RuntimeVerdict[] {
  return config.domains
    .filter((d) => !d.boot)
    .map((d) => {
      const step = report.records.find(
        (r): r is StepRecord => r.kind === 'step' && r.step === `xl-create:${d.name}`,
      );
      const v: RuntimeVerdict = { domain: d.name, path: 'xl', created: step?.ok === true };
      if (step && !step.ok) v.error = step.out ?? `xl create exited ${step.rc}`;
      else if (!step) v.error = 'the dom0 never ran xl create for it';
      const logs = [...census.consoles]
        .filter(([file]) => file === `guest-${d.name}.log` || file.startsWith(`guest-${d.name}-`))
        .map(([, text]) => text)
        .filter((t) => t !== '');
      if (logs.length) v.console = logs.join('\n');
      // The probe prints through the vpl011 alone: without one it has nowhere to print.
      const marker = d.vpl011 ? runtimeMarker(config, d.name) : undefined;
      if (marker !== undefined) v.markerSeen = (v.console ?? '').includes(marker);
      return v;
    });
}

export interface ToolstackVerdict {
  /** Every dom0 step succeeded, the dom0 finished, and nothing differs from the config. */
  ok: boolean;
  failedSteps: StepRecord[];
  runtime: RuntimeVerdict[];
  comparisons: DomainComparison[];
  mismatches: CensusMismatch[];
  /** Record numbers the console cut short. */
  incomplete: number[];
}

/** The whole judgement of a toolstack run from the dom0's report and the census. */
export function judgeToolstackRun(
  config: Config,
  report: Dom0Report,
  census: Census,
  bootOrder: readonly string[],
): ToolstackVerdict {
  const comparisons = compareCensus(config, census, { bootOrder });
  const mismatches = comparisons.flatMap((c) => c.mismatches);
  const steps = failedSteps(report);
  const runtime = runtimeVerdicts(config, report, census);
  const done = report.records.some((r) => r.kind === 'done');
  return {
    ok:
      done &&
      steps.length === 0 &&
      mismatches.length === 0 &&
      runtime.every((r) => r.created && r.markerSeen !== false),
    failedSteps: steps,
    runtime,
    comparisons,
    mismatches,
    incomplete: report.incomplete,
  };
}
