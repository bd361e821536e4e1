// Two pipeline results → the changes between them. Each side's outputs become items (extract-*.ts),
// grouped by domain; items are matched by kind and name, and every pair whose values differ is a
// change, attributed to the config field that causes it and judged by that field's visibility.
import { OUTPUT_FILES } from '../builder/emit-system.js';
import type { PipelineResult } from '../builder/pipeline/index.js';
import type { Config } from '../schema/config.js';
import { registry } from '../schema/registry.js';
import { type ConfigSource, type PathSegment, parsePathKey } from '../schema/source.js';
import { visibilityOf } from './controls.js';
import { createdomainItems } from './extract-createdomain.js';
import { dtItems } from './extract-dt.js';
import { imageItems, planItems, releaseItems, xenCfgItems, xlItems } from './extract-other.js';
import {
  type Change,
  type ChangeKind,
  type DiffResult,
  DOM0,
  type DomainDiff,
  type Grouped,
  type Item,
  type SideSummary,
  type SourceLocation,
  SYSTEM,
} from './model.js';

/** One side of a diff: a pipeline run that reached its emitters. */
export interface DiffSide {
  result: PipelineResult;
  /** The release was given on the command line (--release), not read from the config. */
  releaseFromFlag?: boolean;
}

/** A side that cannot be compared: the pipeline stopped before its outputs (the caller reports why). */
export class DiffSideError extends Error {
  override name = 'DiffSideError';
  constructor(
    readonly side: 'a' | 'b',
    readonly reached: PipelineResult['reached'],
  ) {
    super(`side ${side} stopped after ${reached}: it has no outputs to compare`);
  }
}

interface Built {
  config: Config;
  source: ConfigSource;
  summary: SideSummary;
  items: Grouped;
}

/** Every item a pipeline result's outputs hold, grouped: a domain name, `dom0`, or '' for the system. */
export function itemsOf(r: PipelineResult): Grouped {
  const items: Grouped = new Map();
  if (!r.built || !r.config) return items;
  const files = r.built.files;
  const dtb = files.get(OUTPUT_FILES.systemDtb);
  if (dtb) dtItems(dtb, items);
  const blob = files.get(OUTPUT_FILES.createdomainBin);
  if (blob) createdomainItems(blob, items);
  xlItems(files, items);
  const xenCfg = files.get('xen.cfg');
  if (xenCfg) xenCfgItems(new TextDecoder().decode(xenCfg), items);
  if (r.plan) planItems(r.plan, items);
  imageItems(r.images ?? [], items);
  releaseItems(r.config, items);
  return items;
}

function built(side: DiffSide, name: 'a' | 'b'): Built {
  const r = side.result;
  if (r.reached !== 'emit' || !r.built || !r.config || !r.board) throw new DiffSideError(name, r.reached);
  return {
    config: r.config,
    source: r.source,
    items: itemsOf(r),
    summary: {
      file: r.source.file,
      release: r.config.xen.release,
      releaseFromFlag: side.releaseFromFlag === true,
      arch: r.board.arch,
      board: r.board.name,
    },
  };
}

/** Where a group's controls live in the config. */
function basePath(config: Config, group: string): PathSegment[] | undefined {
  if (group === SYSTEM) return [];
  if (group === DOM0) return config.dom0 ? ['dom0'] : undefined;
  const i = config.domains.findIndex((d) => d.name === group);
  return i < 0 ? undefined : ['domains', i];
}

function valueAt(config: Config, path: readonly PathSegment[]): unknown {
  let v: unknown = config;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

const stable = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

function locate(side: Built, path: readonly PathSegment[] | undefined): SourceLocation | undefined {
  if (!path) return undefined;
  const range = side.source.rangeOf(path);
  if (!range) return undefined;
  return { file: side.source.file, ...side.source.linePos(range[0]) };
}

/** The control that causes a change: of the candidates, the first whose config value differs. */
function attribute(item: Item, a: Built, b: Built, group: string): string {
  const pa = basePath(a.config, group);
  const pb = basePath(b.config, group);
  for (const c of item.controls) {
    const rel = parsePathKey(c);
    const va = pa ? valueAt(a.config, [...pa, ...rel]) : undefined;
    const vb = pb ? valueAt(b.config, [...pb, ...rel]) : undefined;
    if (stable(va) !== stable(vb)) return c;
  }
  // None of the fields that write it changed: it follows from one that did (libxl asks for 10
  // altp2m views when altp2m is turned on; a domain moved to run time loses its whole DT node),
  // so the cause is the domain's first changed field: registry controls first, then the rest.
  if (pa && pb && group !== SYSTEM) {
    const da = valueAt(a.config, pa) as Record<string, unknown>;
    const db = valueAt(b.config, pb) as Record<string, unknown>;
    const rest = [...new Set([...Object.keys(da), ...Object.keys(db)])].sort();
    for (const key of [...registry.map((f) => f.key), ...rest])
      if (stable(da[key]) !== stable(db[key])) return key;
  }
  return item.controls[0] ?? 'name';
}

function change(item: Item, va: string | null, vb: string | null, a: Built, b: Built, group: string): Change {
  const control = attribute(item, a, b, group);
  const vis = visibilityOf(item.judge ?? control);
  const rel = parsePathKey(control);
  const pa = basePath(a.config, group);
  const pb = basePath(b.config, group);
  const at: Change['at'] = {};
  const la = locate(a, pa && [...pa, ...rel]);
  const lb = locate(b, pb && [...pb, ...rel]);
  if (la) at.a = la;
  if (lb) at.b = lb;
  return {
    kind: item.kind,
    item: item.item,
    a: va,
    b: vb,
    control,
    registry: visibilityOf(control).registry,
    guestVisible: vis.guestVisible,
    reason: vis.reason,
    at,
  };
}

const KIND_ORDER: readonly ChangeKind[] = [
  'domain',
  'dt',
  'createdomain',
  'blob',
  'xl',
  'boot',
  'image',
  'release',
  'plan',
  'abi',
];

const keyOf = (i: Item) => `${i.kind}\u0000${i.item}`;

function compareGroup(group: string, a: Built, b: Built): Change[] {
  const ia = new Map((a.items.get(group) ?? []).map((i) => [keyOf(i), i]));
  const ib = new Map((b.items.get(group) ?? []).map((i) => [keyOf(i), i]));
  const out: Change[] = [];
  for (const key of new Set([...ia.keys(), ...ib.keys()])) {
    const x = ia.get(key);
    const y = ib.get(key);
    const va = x?.value ?? null;
    const vb = y?.value ?? null;
    if (va !== vb) out.push(change((x ?? y) as Item, va, vb, a, b, group));
  }
  // By output, so a group reads the same whichever side an item first appears on.
  return out.sort((p, q) => KIND_ORDER.indexOf(p.kind) - KIND_ORDER.indexOf(q.kind));
}

/** A domain present on one side only: one change, the domain itself. */
function presence(group: string, a: Built, b: Built): Change {
  const kindOf = (s: Built) => {
    if (group === DOM0) return s.config.dom0 ? 'dom0' : null;
    const d = s.config.domains.find((x) => x.name === group);
    return d ? (d.boot ? 'boot domain' : 'runtime domain') : null;
  };
  const item: Item = { kind: 'domain', item: 'domain', value: '', controls: ['name'] };
  return change(item, kindOf(a), kindOf(b), a, b, group);
}

/** The changes from a to b, grouped: the system, dom0, then the domains in a's order and b's new ones. */
export function diffSystems(a: DiffSide, b: DiffSide): DiffResult {
  const x = built(a, 'a');
  const y = built(b, 'b');
  const names = [
    SYSTEM,
    DOM0,
    ...x.config.domains.map((d) => d.name),
    ...y.config.domains.map((d) => d.name),
  ];
  const groups: DomainDiff[] = [];
  for (const group of new Set(names)) {
    const inA = group === SYSTEM || basePath(x.config, group) !== undefined;
    const inB = group === SYSTEM || basePath(y.config, group) !== undefined;
    if (!inA && !inB) continue;
    const changes = inA && inB ? compareGroup(group, x, y) : [presence(group, x, y)];
    if (changes.length > 0) groups.push({ name: group === SYSTEM ? null : group, changes });
  }
  return {
    a: x.summary,
    b: y.summary,
    groups,
    guestVisible: groups.some((g) => g.changes.some((c) => c.guestVisible)),
  };
}
