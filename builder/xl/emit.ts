// xl configs for domains the toolstack creates at run time (`boot: false`), or for any domain on
// request: one `xl/<name>.cfg` each. Every control comes from a loop over the registry's xl
// encodings (encode.ts); only the toolstack-level keys (name, kernel, ramdisk, extra) and the
// arch's fixed guest type are written here.
import { posix } from 'node:path';
import { DEFAULT_BOARD, listBoards } from '../../boards/catalog.js';
import type { Arch, Config, Domain } from '../../schema/config.js';
import type { Diagnostic } from '../../schema/diagnostic.js';
import { configuredValue } from '../../schema/effective.js';
import { type Feature, registry } from '../../schema/registry.js';
import { releaseAtLeast } from '../../schema/releases.js';
import { resolveArch } from '../../schema/validate.js';
import { printXlConfig, type XlSetting, XlValueError } from '../../xen-formats/xl/value.js';
import { type EncodeContext, encodeXl, type XlOut } from './encode.js';

/** Where runtime guests' images live on dom0's filesystem unless told otherwise. */
export const DEFAULT_GUEST_DIR = '/var/lib/xen/images';

/** Guest types xl must be told per arch (Arm guests are always PVH to the toolstack). */
const ARCH_FIXED: Readonly<Partial<Record<Arch, readonly XlOut[]>>> = {
  arm64: [{ key: 'type', value: 'pvh', style: 'string' }],
  arm32: [{ key: 'type', value: 'pvh', style: 'string' }],
};

export interface XlEmitOptions {
  /** Domains to write; default: every domain with `boot: false`. */
  domains?: readonly string[];
  /** Folder on dom0 that holds the guests' kernels, ramdisks and partial DTBs. */
  guestDir?: string;
  /** Architecture when the config does not say (e.g. from the resolved board). */
  arch?: Arch;
  /** Problems found (a domain with an error gets no file); omitted: they are dropped. */
  diagnostics?: Diagnostic[];
}

export interface XlDomainResult {
  /** `xl/<name>.cfg` */
  file: string;
  text: string;
  /** What was written, key by key, in file order (what the libxlutil test compares). */
  settings: XlSetting[];
}

/** The file name of a domain's xl config in the output folder. */
export function xlFileName(domain: string): string {
  return `xl/${domain}.cfg`;
}

/** The architecture the xl configs are written for. */
export function xlArch(config: Config, given?: Arch): Arch {
  if (given) return given;
  const r = resolveArch(config);
  if (r) return r;
  const name = typeof config.board === 'string' ? config.board : (config.board.name ?? DEFAULT_BOARD);
  return listBoards().find((b) => b.name === name)?.arch ?? 'arm64';
}

/** xl configs for the selected domains: file name → text. */
export function emitXlConfigs(config: Config, opts: XlEmitOptions = {}): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of emitXlDomains(config, opts)) out.set(r.file, r.text);
  return out;
}

/** Like emitXlConfigs, with the settings each file holds. */
export function emitXlDomains(config: Config, opts: XlEmitOptions = {}): XlDomainResult[] {
  const diags = opts.diagnostics ?? [];
  const results: XlDomainResult[] = [];
  const wanted = opts.domains ? new Set(opts.domains) : undefined;
  if (wanted) {
    for (const name of wanted) {
      if (!config.domains.some((d) => d.name === name)) {
        diags.push({
          id: 'xl-unknown-domain',
          severity: 'error',
          message: `no domain named "${name}"`,
          path: 'domains',
          hint: `the domains are: ${config.domains.map((d) => d.name).join(', ') || 'none'}`,
        });
      }
    }
  }
  config.domains.forEach((d, i) => {
    if (wanted ? !wanted.has(d.name) : d.boot) return;
    const r = emitXlDomain(config, d, i, opts, diags);
    if (r) results.push(r);
  });
  return results;
}

function emitXlDomain(
  config: Config,
  d: Domain,
  index: number,
  opts: XlEmitOptions,
  diags: Diagnostic[],
): XlDomainResult | undefined {
  const arch = xlArch(config, opts.arch);
  const release = config.xen.release;
  const at = (key: string, sub?: string) => `domains[${index}].${key}${sub ? `.${sub}` : ''}`;
  const ctx: EncodeContext = {
    arch,
    release,
    domain: d,
    problems: [],
    guestPath: (file) => guestPath(opts, file),
  };
  const before = diags.length;
  const settings: XlSetting[] = [{ key: 'name', value: d.name, style: 'string' }];
  for (const s of ARCH_FIXED[arch] ?? []) settings.push({ ...s });

  // Which control produced each key, to settle two controls sharing one xl key (see refine()).
  const owner = new Map<string, { f: Feature; v: unknown; index: number }>();
  for (const f of registry) {
    const v = configuredValue(d, f);
    if (v === undefined) continue;
    const path = at(f.key);
    if (!f.arches.includes(arch)) {
      diags.push({
        id: 'xl-control-arch',
        severity: 'warning',
        message: `${f.key} does not apply to ${arch}; left out of the xl config`,
        path,
      });
      continue;
    }
    const xl = f.xl;
    if (!xl) {
      diags.push({
        id: 'xl-no-equivalent',
        severity: 'warning',
        message: `${f.key} has no xl equivalent; a domain created by xl will not have it`,
        path,
        hint: 'set boot: true to have Xen build the domain with it, or drop the control',
      });
      continue;
    }
    if (xl.since && !releaseAtLeast(release, xl.since)) {
      diags.push({
        id: 'xl-control-release',
        severity: 'warning',
        message: `xl reads ${xl.key} from Xen ${xl.since}; the target is ${release}, so ${f.key} is left out`,
        path,
      });
      continue;
    }
    const refined = firstWriter(xl.key);
    if (refined !== f && configuredValue(d, refined) === undefined) {
      diags.push({
        id: 'xl-refines-nothing',
        severity: 'warning',
        message: `${f.key} only refines ${refined.key} (both are xl ${xl.key}); without ${refined.key} it is left out`,
        path,
        hint: `set ${refined.key}: true as well`,
      });
      continue;
    }
    ctx.problems = [];
    let outs: XlOut[];
    try {
      outs = encodeXl(f, xl, v, ctx);
    } catch (e) {
      if (!(e instanceof XlValueError)) throw e;
      diags.push({
        id: 'xl-value',
        severity: 'error',
        message: `${f.key}: ${e.message}`,
        path,
        hint: e.hint,
      });
      continue;
    }
    for (const p of ctx.problems)
      diags.push({
        id: p.id,
        severity: p.severity,
        message: p.message,
        path: at(f.key, p.sub),
        ...(p.hint ? { hint: p.hint } : {}),
      });
    for (const o of outs) {
      const prev = owner.get(o.key);
      if (!prev) {
        owner.set(o.key, { f, v, index: settings.length });
        settings.push({ ...o });
        continue;
      }
      const keep = refine(prev, { f, v }, o, settings[prev.index]!, path, diags);
      if (keep) settings[prev.index] = { ...o };
    }
  }

  if (d.kernel.kind === 'file') {
    settings.push({ key: 'kernel', value: guestPath(opts, d.kernel.path), style: 'string' });
  } else {
    // The probe guest image the build writes next to the xl configs.
    settings.push({ key: 'kernel', value: guestPath(opts, `${d.name}-kernel.img`), style: 'string' });
  }
  if (d.ramdisk) settings.push({ key: 'ramdisk', value: guestPath(opts, d.ramdisk.path), style: 'string' });
  if (d.cmdline !== undefined) settings.push({ key: 'extra', value: d.cmdline, style: 'string' });
  for (const s of settings)
    if (s.key === 'device_tree' && typeof s.value === 'string') s.value = guestPath(opts, s.value);
  if (d.unknownParams?.length) {
    diags.push({
      id: 'xl-unknown-params',
      severity: 'warning',
      message: `params ${d.unknownParams.join(' ')} have no xl form and are left out`,
      path: at('params'),
    });
  }
  if (diags.slice(before).some((x) => x.severity === 'error')) return undefined;
  const header = [
    `dombuild: xl config of domain ${d.name} (Xen ${release}, ${arch})`,
    'generated; edit the dombuild config, not this file',
  ];
  let text: string;
  try {
    text = printXlConfig(settings, header);
  } catch (e) {
    if (!(e instanceof XlValueError)) throw e;
    diags.push({ id: 'xl-value', severity: 'error', message: e.message, path: at('name'), hint: e.hint });
    return undefined;
  }
  return { file: xlFileName(d.name), text, settings };
}

/** The first registry entry writing an xl key; later entries on the same key refine it. */
export function firstWriter(key: string): Feature {
  return registry.find((f) => f.xl?.key === key)!;
}

function guestPath(opts: XlEmitOptions, file: string): string {
  return posix.join(opts.guestDir ?? DEFAULT_GUEST_DIR, posix.basename(file.replace(/\\/g, '/')));
}

/**
 * Two controls writing one xl key: the later registry entry refines the earlier one (e.g.
 * `iommu: true` gives passthrough "enabled", `iommuNoSharePt` then says which kind), unless the
 * earlier one was switched off, which the refinement would silently switch back on.
 * Returns true when the later value replaces the earlier one.
 */
function refine(
  prev: { f: Feature; v: unknown },
  next: { f: Feature; v: unknown },
  o: XlOut,
  written: XlSetting,
  path: string,
  diags: Diagnostic[],
): boolean {
  if (JSON.stringify(written.value) === JSON.stringify(o.value)) return false;
  if (prev.v === false) {
    if (next.v === false) return false;
    diags.push({
      id: 'xl-key-conflict',
      severity: 'error',
      message: `${next.f.key} needs xl ${o.key} = ${JSON.stringify(o.value)}, but ${prev.f.key} is false`,
      path,
      hint: `set ${prev.f.key} to true or drop ${next.f.key}`,
    });
    return false;
  }
  return true;
}
