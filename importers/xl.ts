// xl config → one dombuild domain, through the same registry encodings the emitter uses (in
// reverse). Whatever has no place in the schema is reported with its line, never dropped silently.

import { firstWriter } from '../builder/xl/emit.js';
import { type DecodeContext, decodeXl, type XlProblem } from '../builder/xl/encode.js';
import { type Arch, type DomainInput, domainSchema } from '../schema/config.js';
import type { Diagnostic } from '../schema/diagnostic.js';
import { registry, type XlEncoding } from '../schema/registry.js';
import { parseXlConfig, type XlParseResult, XlSyntaxError } from '../xen-formats/xl/parse.js';
import type { XlValue } from '../xen-formats/xl/value.js';
import { type DropReason, emptyReport, type ImportReport } from './report.js';

export interface XlImportOptions {
  /** File name for diagnostics. */
  file?: string;
  /** Target architecture; guessed from the keys when absent (Arm unless something says x86). */
  arch?: Arch;
}

export interface XlImportResult {
  /** The domain as it would be written in a config (sizes as "64M", boot: false). */
  domain?: DomainInput;
  arch?: Arch;
  diagnostics: Diagnostic[];
  /** Every key of the file: mapped (to which fields) or dropped (why), as import imagebuilder reports. */
  report: ImportReport;
}

/** The xl keys an encoding reads: its key, or for value texts such as "dm_restrict=1" their keys. */
function keysOf(xl: XlEncoding): string[] {
  if (xl.kind === 'custom' && xl.values)
    return Object.values(xl.values).flatMap((t) =>
      t.split(';').map((pair) => pair.slice(0, pair.indexOf('='))),
    );
  return [xl.key];
}

/**
 * xl keys outside the registry's encodings that only one architecture's xl reads: the partial
 * device tree the passthrough handler writes, Arm's GIC choice, and x86's PCI list and old
 * `builder` spelling of `type`.
 */
const UNREGISTERED_HINTS: Readonly<Record<string, Arch>> = {
  device_tree: 'arm64',
  gic_version: 'arm64',
  builder: 'x86_64',
  pci: 'x86_64',
};

/**
 * Keys that only one architecture's xl reads, from the registry's xl encodings: a key is a hint
 * when every control encoded with it excludes the other architecture. `type` is left out: Arm's xl
 * takes `type = "pvh"` too, so only its x86-only values (pv, hvm) tell the arch.
 */
const ARCH_HINTS: ReadonlyMap<string, Arch> = (() => {
  const arches = new Map<string, Set<Arch>>();
  for (const f of registry) {
    if (!f.xl || f.xl.key === 'type') continue;
    for (const key of keysOf(f.xl)) {
      const set = arches.get(key) ?? new Set<Arch>();
      for (const a of f.arches) set.add(a);
      arches.set(key, set);
    }
  }
  const out = new Map<string, Arch>(Object.entries(UNREGISTERED_HINTS));
  for (const [key, set] of arches) {
    if (!set.has('x86_64')) out.set(key, 'arm64');
    else if (set.size === 1) out.set(key, 'x86_64');
  }
  return out;
})();

/** xl's `builder` values and the `type` each one means. */
const BUILDER_TYPES: Readonly<Record<string, 'hvm' | 'pv'>> = { hvm: 'hvm', generic: 'pv' };

export function importXlConfig(text: string, opts: XlImportOptions = {}): XlImportResult {
  const file = opts.file ?? 'xl.cfg';
  const diagnostics: Diagnostic[] = [];
  let parsed: XlParseResult;
  try {
    parsed = parseXlConfig(text);
  } catch (e) {
    if (!(e instanceof XlSyntaxError)) throw e;
    diagnostics.push({
      id: `xl-syntax-${e.code.toLowerCase().replace(/_/g, '-')}`,
      severity: 'error',
      message: e.message.replace(/^\d+:\d+: /, ''),
      path: '',
      hint: e.hint,
      file,
      line: e.line,
      col: e.col,
      range: [e.offset, e.offset + 1],
    });
    const report = emptyReport('xl', file);
    report.diagnostics = diagnostics;
    return { diagnostics, report };
  }
  const values = parsed.values;
  const taken = new Set<string>();
  // For the shared import report: the fields each key became, and why a key was left out.
  const targets = new Map<string, string[]>();
  const left = new Map<string, { reason: DropReason; message: string; hint?: string }>();
  const to = (key: string, field: string) => targets.set(key, [...(targets.get(key) ?? []), field]);
  const lineOf = (key: string) => values.get(key);
  const report = (p: XlProblem, key?: string) => {
    const where = key ? lineOf(key) : undefined;
    diagnostics.push({
      id: p.id,
      severity: p.severity,
      message: p.message,
      path: key ?? '',
      ...(p.hint ? { hint: p.hint } : {}),
      file,
      ...(where ? { line: where.line, col: where.col } : {}),
    });
  };
  for (const [key, v] of values) {
    if (v.statements > 1)
      report(
        {
          id: 'xl-import-duplicate',
          severity: 'warning',
          message: `${key} is set ${v.statements} times; the last value counts, as in xl`,
        },
        key,
      );
  }

  const arch = opts.arch ?? guessArch(values);
  const domain: Record<string, unknown> = {};
  const ctx: DecodeContext = {
    get: (k) => (taken.has(k) ? undefined : values.get(k)?.value),
    take: (k) => {
      const v = ctx.get(k);
      if (v !== undefined) taken.add(k);
      return v;
    },
    problems: [],
    domain,
  };
  const str = (k: string): string | undefined => {
    const v = ctx.get(k);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      report(
        {
          id: 'xl-import-value',
          severity: 'warning',
          message: `${k} is a list where xl expects a string; not imported`,
        },
        k,
      );
      left.set(k, { reason: 'invalid', message: 'a list where xl expects a string' });
      return undefined;
    }
    taken.add(k);
    return v;
  };

  const name = str('name');
  if (name === undefined) {
    report({
      id: 'xl-import-no-name',
      severity: 'error',
      message: 'the xl config has no name',
      hint: 'add name = "..."',
    });
  } else {
    domain.name = name;
    to('name', 'name');
  }
  if (arch !== 'x86_64' && ctx.get('type') === 'pvh') taken.add('type');
  // `builder` is xl's spelling of `type` before Xen 4.10, still read: "hvm" is HVM, "generic" PV,
  // and xl refuses a config whose builder and type disagree.
  const builder = str('builder');
  if (builder !== undefined) {
    const t = BUILDER_TYPES[builder];
    const given = ctx.get('type');
    if (t === undefined) {
      report(
        {
          id: 'xl-import-value',
          severity: 'warning',
          message: `builder "${builder}": xl reads hvm or generic; not imported`,
        },
        'builder',
      );
      left.set('builder', { reason: 'invalid', message: 'xl reads hvm or generic' });
    } else if (given !== undefined && given !== t) {
      report(
        {
          id: 'xl-import-builder-type',
          severity: 'error',
          message: `builder "${builder}" contradicts type "${String(given)}"; xl refuses such a config`,
          hint: 'keep type and drop builder',
        },
        'builder',
      );
    } else if (given === undefined && arch === 'x86_64') {
      domain.type = t;
      to('builder', 'type');
    } else if (given === undefined) {
      left.set('builder', { reason: 'invalid', message: `an ${arch} domain is always PVH to xl` });
    } else {
      to('builder', 'type');
    }
  }
  domain.boot = false;
  const kernel = str('kernel');
  if (kernel !== undefined) {
    domain.kernel = kernel;
    to('kernel', 'kernel');
  } else
    report({
      id: 'xl-import-no-kernel',
      severity: 'error',
      message: 'the xl config names no kernel',
      hint: 'dombuild builds direct-kernel guests only',
    });
  const ramdisk = str('ramdisk');
  if (ramdisk !== undefined) {
    domain.ramdisk = ramdisk;
    to('ramdisk', 'ramdisk');
  }
  // xl's own rule: cmdline wins; otherwise "root=<root> <extra>".
  const cmdline = str('cmdline');
  const root = str('root');
  const extra = str('extra');
  if (cmdline !== undefined) {
    domain.cmdline = cmdline;
    to('cmdline', 'cmdline');
    for (const k of ['root', 'extra'])
      if (values.has(k))
        left.set(k, { reason: 'ignored-by-source', message: 'xl ignores it when cmdline is set' });
    if (root !== undefined || extra !== undefined)
      report(
        {
          id: 'xl-import-ignored',
          severity: 'warning',
          message: 'root and extra are ignored by xl when cmdline is set',
        },
        'cmdline',
      );
  } else if (root !== undefined || extra !== undefined) {
    domain.cmdline = [root !== undefined ? `root=${root}` : undefined, extra]
      .filter((x) => x !== undefined)
      .join(' ');
    if (root !== undefined) to('root', 'cmdline');
    if (extra !== undefined) to('extra', 'cmdline');
  }

  for (const f of registry) {
    if (!f.xl || !f.arches.includes(arch)) continue;
    ctx.problems = [];
    const before = new Set(taken);
    const v = decodeXl(f, f.xl, ctx);
    for (const p of ctx.problems) report(p, f.xl.key);
    if (v === undefined) continue;
    domain[f.key] = v;
    for (const k of taken) if (!before.has(k)) to(k, f.key);
    // A refining value (emit.ts) implies the control it refines is on.
    const refined = firstWriter(f.xl.key);
    if (refined !== f && domain[refined.key] === undefined && refined.schema.safeParse(true).success)
      domain[refined.key] = true;
  }

  for (const [key, v] of values) {
    if (taken.has(key)) continue;
    report(
      {
        id: 'xl-import-unknown',
        severity: 'warning',
        message: `${key} = ${JSON.stringify(v.value)} has no dombuild equivalent; not imported`,
        hint: 'carry it by hand if the domain needs it',
      },
      key,
    );
    if (!left.has(key))
      left.set(key, {
        reason: 'no-equivalent',
        message: 'dombuild has no field for it',
        hint: 'carry it by hand if the domain needs it',
      });
  }

  const importReport = emptyReport('xl', file);
  importReport.diagnostics = diagnostics;
  for (const [key, v] of values) {
    const at = { file, line: v.line, col: v.col };
    const why = left.get(key);
    if (why) importReport.dropped.push({ source: key, at, ...why });
    else if (taken.has(key)) {
      const t = targets.get(key) ?? [];
      importReport.mapped.push(
        t.length > 0
          ? { source: key, at, targets: t }
          : { source: key, at, targets: [], note: 'the default for the architecture: nothing to write' },
      );
    }
  }

  if (diagnostics.some((d) => d.severity === 'error')) return { arch, diagnostics, report: importReport };
  const check = domainSchema.safeParse(domain);
  if (!check.success) {
    for (const issue of check.error.issues) {
      const key = String(issue.path[0] ?? '');
      const f = registry.find((r) => r.key === key);
      report(
        {
          id: 'xl-import-invalid',
          severity: 'error',
          message: `${issue.path.join('.') || 'domain'}: ${issue.message}`,
        },
        f?.xl?.key ?? key,
      );
    }
    return { arch, diagnostics, report: importReport };
  }
  return { domain: domain as DomainInput, arch, diagnostics, report: importReport };
}

function guessArch(values: ReadonlyMap<string, { value: XlValue }>): Arch {
  const t = values.get('type')?.value;
  if (t === 'pv' || t === 'hvm') return 'x86_64';
  // HVM and (builder's "generic") PV exist on x86 only; Arm guests are PVH to xl.
  const b = values.get('builder')?.value;
  if (typeof b === 'string' && b in BUILDER_TYPES) return 'x86_64';
  const hinted = new Set<Arch>();
  for (const k of values.keys()) {
    const a = ARCH_HINTS.get(k);
    if (a) hinted.add(a);
  }
  return hinted.has('x86_64') ? 'x86_64' : 'arm64';
}
