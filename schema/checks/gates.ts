// Checks generated from registry entries: one generic check written once and fed each feature
// (dtc's check_is_string idea). A feature gets a release gate, a Kconfig gate, an architecture
// gate and an "expressible" gate only when its entry has something to gate on.
import type { Domain } from '../config.js';
import { kconfigEnabled } from '../kconfig.js';
import type { Feature } from '../registry.js';
import { registry } from '../registry.js';
import { releaseAtLeast, XEN_RELEASES, type XenRelease } from '../releases.js';
import { type Check, defineCheck, eachDomain, kebab } from './check.js';

function fieldValue(d: Domain, f: Feature): unknown {
  return (d as Record<string, unknown>)[f.key];
}

/** The enum/list values of a control, as strings, for per-value gates. */
function valueWords(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

function later(a: XenRelease, b: XenRelease | undefined): XenRelease {
  return b !== undefined && releaseAtLeast(b, a) ? b : a;
}

/** First release that can carry this control for this domain (DT for boot-time, xl otherwise). */
export function releaseNeeded(f: Feature, d: Domain): XenRelease {
  let need = later(f.since, d.boot ? f.dt?.since : f.xl?.since);
  if (f.valueSince) for (const w of valueWords(fieldValue(d, f))) need = later(need, f.valueSince[w]);
  return need;
}

export function hasReleaseGate(f: Feature): boolean {
  return f.since !== XEN_RELEASES[0] || !!f.dt?.since || !!f.xl?.since || !!f.valueSince;
}

export function requiresRelease(f: Feature): Check {
  return defineCheck({
    id: `${kebab(f.key)}-release`,
    title: `${f.key} is used with a Xen release that has it`,
    ref: f.ref,
    run(ctx) {
      for (const [d, i] of eachDomain(ctx.config)) {
        if (fieldValue(d, f) === undefined) continue;
        const need = releaseNeeded(f, d);
        if (!releaseAtLeast(ctx.release, need))
          ctx.report(
            ['domains', i, f.key],
            `${f.key} needs Xen ${need} or later; the target is ${ctx.release}`,
            {
              hint: `raise xen.release to "${need}" or remove ${f.key}`,
            },
          );
      }
    },
  });
}

export function requiresKconfig(f: Feature): Check {
  return defineCheck({
    id: `${kebab(f.key)}-kconfig`,
    title: `${f.key} is used with a Xen build that has its Kconfig option`,
    ref: `${f.ref}; xen-dt-bindings.md §8`,
    run(ctx) {
      const k = ctx.kconfig;
      if (!k) return;
      for (const [d, i] of eachDomain(ctx.config)) {
        const v = fieldValue(d, f);
        // A switch turned off (directMap: false) asks nothing of the build.
        if (v === undefined || v === false) continue;
        for (const gate of f.kconfig ?? []) {
          if (gate.bootOnly && !d.boot) continue;
          if (gate.since && !releaseAtLeast(ctx.release, gate.since)) continue;
          if (gate.values && !valueWords(v).some((w) => gate.values!.includes(w))) continue;
          if (!kconfigEnabled(k, gate.option))
            ctx.report(
              ['domains', i, f.key],
              `${f.key} needs CONFIG_${gate.option}, which this Xen build lacks`,
              {
                hint: `rebuild Xen with CONFIG_${gate.option}=y or remove ${f.key}`,
              },
            );
        }
      }
    },
  });
}

export function requiresArch(f: Feature): Check {
  return defineCheck({
    id: `${kebab(f.key)}-arch`,
    title: `${f.key} is used on an architecture that has it (${f.arches.join(', ')})`,
    ref: f.ref,
    run(ctx) {
      const arch = ctx.arch;
      if (!arch || f.arches.includes(arch)) return;
      for (const [d, i] of eachDomain(ctx.config)) {
        if (fieldValue(d, f) === undefined) continue;
        ctx.report(
          ['domains', i, f.key],
          `${f.key} exists only on ${f.arches.join(', ')}; the target is ${arch}`,
          {
            hint: `remove ${f.key}`,
          },
        );
      }
    },
  });
}

export function requiresEncoding(f: Feature): Check {
  return defineCheck({
    id: `${kebab(f.key)}-expressible`,
    title: `${f.key} can be expressed for how the domain is created (dom0less DT or xl)`,
    ref: f.ref,
    run(ctx) {
      for (const [d, i] of eachDomain(ctx.config)) {
        if (fieldValue(d, f) === undefined) continue;
        if (d.boot && !f.dt && (ctx.arch !== 'x86_64' || f.runtimeOnly))
          ctx.report(
            ['domains', i, f.key],
            f.runtimeOnly
              ? `a domain Xen builds at boot cannot have ${f.key}: only the toolstack creates them`
              : `Xen's dom0less builder has no property for ${f.key}`,
            { hint: 'set boot: false to have the toolstack create this domain, or remove the field' },
          );
        if (!d.boot && !f.xl)
          ctx.report(
            ['domains', i, f.key],
            `xl has no setting for ${f.key}, so a run-time domain cannot have it`,
            {
              hint: 'set boot: true to have Xen build this domain at boot, or remove the field',
            },
          );
      }
    },
  });
}

function gatesFor(f: Feature): Check[] {
  const out: Check[] = [];
  if (f.arches.length < 3) out.push(requiresArch(f));
  if (hasReleaseGate(f)) out.push(requiresRelease(f));
  if (f.kconfig?.length) out.push(requiresKconfig(f));
  if (!f.dt || !f.xl) out.push(requiresEncoding(f));
  return out;
}

/** Every generated gate check, in registry order. */
export function gateChecks(): Check[] {
  return registry.flatMap(gatesFor);
}

/**
 * The gates of one control, for a hand-written check to `need`: a control the target cannot
 * have is reported once by its gate, not again by every rule that reads it. The runner knows
 * checks by id, so these are the same checks as the table's.
 */
export function gatesOf(key: string): Check[] {
  const f = registry.find((e) => e.key === key);
  if (!f) throw new Error(`no registry entry "${key}"`);
  return gatesFor(f);
}
