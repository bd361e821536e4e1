// Registry xl encodings, both directions, in one place per kind (yaml's tag idea: a type's write
// side and read side together). The emitter and the importer loop over the registry and call
// these; nothing here names a feature. The `custom` kind dispatches on the xl key to a handler
// that reads and writes several xl keys from one structured control.
import type { Arch, Domain, XenRelease } from '../../schema/config.js';
import { formatRangeList, parseRangeList } from '../../schema/fields.js';
import type { Feature, XlEncoding } from '../../schema/registry.js';
import { formatSize } from '../../schema/units.js';
import { xlAtomInteger } from '../../xen-formats/xl/parse.js';
import type { XlAtomStyle, XlValue } from '../../xen-formats/xl/value.js';

export interface XlOut {
  key: string;
  value: XlValue;
  style: XlAtomStyle;
}

/** A problem found while encoding or decoding; the caller turns it into a Diagnostic. */
export interface XlProblem {
  id: string;
  severity: 'error' | 'warning';
  message: string;
  /** Sub-path under the control, e.g. 'iomem[0].size'. */
  sub?: string;
  hint?: string;
}

export interface EncodeContext {
  arch: Arch;
  release: XenRelease;
  domain: Domain;
  problems: XlProblem[];
  /** Where a file the config names lives on dom0 (xl target=); default: the path as written. */
  guestPath?: (file: string) => string;
}

export interface DecodeContext {
  /** The value xl sees for each key. */
  get(key: string): XlValue | undefined;
  /** Marks a key as understood (anything left over is reported as unknown). */
  take(key: string): XlValue | undefined;
  problems: XlProblem[];
  /** The domain decoded so far (e.g. vcpus, for `cpus` given as one string). */
  domain: Record<string, unknown>;
}

const MiB = 1n << 20n;
const KiB = 1n << 10n;
/** xl's iomem is in 4 KiB pages (XC_PAGE_SHIFT), whatever the guest's page size. */
const PAGE_SHIFT = 12n;
const PAGE = 1n << PAGE_SHIFT;

const num = (key: string, n: bigint | number): XlOut => ({ key, value: String(n), style: 'number' });
const str = (key: string, s: string): XlOut => ({ key, value: s, style: 'string' });

/** Encodes one control's configured value; [] when it has no xl form for this value. */
export function encodeXl(f: Feature, xl: XlEncoding, v: unknown, ctx: EncodeContext): XlOut[] {
  switch (xl.kind) {
    case 'int':
      return [num(xl.key, v as number)];
    case 'bool':
      return [num(xl.key, v ? 1 : 0)];
    case 'string':
      return [str(xl.key, String(v))];
    case 'mib':
    case 'kib': {
      const unit = xl.kind === 'mib' ? MiB : KiB;
      const b = v as bigint;
      if (b % unit !== 0n) {
        ctx.problems.push({
          id: 'xl-size-unit',
          severity: 'error',
          message: `${f.key} ${b} bytes is not a whole number of ${xl.kind === 'mib' ? 'MiB' : 'KiB'}, which is what xl's ${xl.key} takes`,
          hint: `round it to a multiple of ${formatSize(unit)}`,
        });
        return [];
      }
      return [num(xl.key, b / unit)];
    }
    case 'list':
      return [{ key: xl.key, value: listItems(v), style: 'string' }];
    case 'enum': {
      const mapped = xl.values?.[String(v)];
      if (mapped !== undefined) return [str(xl.key, mapped)];
      if (v === f.xenDefault.value) return [];
      ctx.problems.push(noForm(f, xl, v));
      return [];
    }
    case 'custom': {
      if (xl.values) {
        const mapped = xl.values[String(v)];
        if (mapped === undefined) {
          if (v !== f.xenDefault.value) ctx.problems.push(noForm(f, xl, v));
          return [];
        }
        return assignments(mapped);
      }
      const h = CUSTOM[xl.key];
      if (!h) throw new Error(`no xl handler for custom key ${xl.key}`);
      return h.encode(v, ctx);
    }
  }
}

/** Decodes one control from the xl settings; undefined when none of its keys is set. */
export function decodeXl(f: Feature, xl: XlEncoding, ctx: DecodeContext): unknown {
  if (xl.kind === 'custom') {
    if (xl.values) {
      for (const [configValue, text] of Object.entries(xl.values)) {
        const pairs = assignments(text);
        if (pairs.length > 0 && pairs.every((p) => sameAtom(ctx.get(p.key), p.value as string))) {
          for (const p of pairs) ctx.take(p.key);
          return typed(f, configValue);
        }
      }
      return undefined;
    }
    return CUSTOM[xl.key]?.decode(ctx, f);
  }
  const raw = ctx.get(xl.key);
  if (raw === undefined) return undefined;
  const bad = (why: string): undefined => {
    ctx.problems.push({
      id: 'xl-import-value',
      severity: 'warning',
      message: `${xl.key}: ${why}; not imported`,
    });
    return undefined;
  };
  switch (xl.kind) {
    case 'int':
    case 'bool':
    case 'mib':
    case 'kib': {
      const n = typeof raw === 'string' ? xlAtomInteger(raw) : undefined;
      if (n === undefined) return bad('not a whole number xl can read');
      ctx.take(xl.key);
      if (xl.kind === 'bool') return n !== 0n;
      if (xl.kind === 'int') return Number(n);
      return formatSize(n * (xl.kind === 'mib' ? MiB : KiB));
    }
    case 'string':
      if (typeof raw !== 'string') return bad('a list where a string belongs');
      ctx.take(xl.key);
      return raw;
    case 'list': {
      const items = typeof raw === 'string' ? [raw] : raw;
      if (!items.every((i): i is string => typeof i === 'string')) return bad('nested lists');
      ctx.take(xl.key);
      return items.join(',');
    }
    case 'enum': {
      if (typeof raw !== 'string') return bad('a list where a string belongs');
      for (const [configValue, text] of Object.entries(xl.values ?? {})) {
        if (text === raw) {
          ctx.take(xl.key);
          return typed(f, configValue);
        }
      }
      return undefined;
    }
  }
}

function noForm(f: Feature, xl: XlEncoding, v: unknown): XlProblem {
  return {
    id: 'xl-no-equivalent',
    severity: 'warning',
    message: `${f.key}: ${JSON.stringify(v)} has no xl ${xl.key} equivalent; left out of the xl config`,
  };
}

/** A registry value text such as "dm_restrict=1" or "a=1;b=x" as xl settings. */
function assignments(text: string): XlOut[] {
  return text.split(';').map((pair) => {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    return /^[0-9]+$/.test(value) ? num(key, BigInt(value)) : str(key, value);
  });
}

function sameAtom(v: XlValue | undefined, want: string): boolean {
  if (typeof v !== 'string') return false;
  const a = xlAtomInteger(v);
  const b = xlAtomInteger(want);
  return a !== undefined && b !== undefined ? a === b : v === want;
}

/** A registry value key ("true", "mixed", "64") as the config value the control's schema takes. */
function typed(f: Feature, text: string): unknown {
  for (const candidate of [
    text,
    text === 'true' ? true : text === 'false' ? false : undefined,
    Number(text),
  ]) {
    if (candidate === undefined || Number.isNaN(candidate)) continue;
    if (f.schema.safeParse(candidate).success) return candidate;
  }
  return text;
}

function listItems(v: unknown): XlValue {
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
    return v.length === 0 ? [] : formatRangeList(v as number[]).split(',');
  }
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

interface CustomHandler {
  encode(v: unknown, ctx: EncodeContext): XlOut[];
  /** `f` is the control being decoded: structured items are checked against its schema. */
  decode(ctx: DecodeContext, f: Feature): unknown;
}

type Passthrough = NonNullable<Domain['passthrough']>;
type Disks = NonNullable<Domain['disks']>;
type Vifs = NonNullable<Domain['vifs']>;
type Affinity = NonNullable<Domain['vcpuAffinity']>;

const hexPages = (bytes: bigint) => (bytes >> PAGE_SHIFT).toString(16);

/** The items of a list-valued xl key as strings, or undefined (with a problem) for nested lists. */
function stringItems(ctx: DecodeContext, key: string): string[] | undefined {
  const v = ctx.get(key);
  if (v === undefined) return undefined;
  const items = typeof v === 'string' ? [v] : v;
  if (!items.every((i): i is string => typeof i === 'string')) {
    ctx.problems.push({
      id: 'xl-import-value',
      severity: 'warning',
      message: `${key}: nested lists; not imported`,
    });
    return undefined;
  }
  return [...items];
}

/**
 * One DISKSPEC of xl-disk-configuration(5): keyed parameters, positional ones (target, format,
 * vdev, access, in that order) and flags, where a keyed `target=` takes the rest of the string,
 * commas included. Returns the parts, or why the item is not imported.
 */
export function parseDiskSpec(spec: string): { keys: Map<string, string>; flags: string[] } | string {
  const keys = new Map<string, string>();
  const flags: string[] = [];
  const positional = ['target', 'format', 'vdev', 'access'];
  let rest = spec;
  let pos = 0;
  while (rest.length > 0) {
    const lead = rest.replace(/^\s+/, '');
    if (/^target=/.test(lead)) {
      keys.set('target', lead.slice('target='.length));
      break;
    }
    const comma = rest.indexOf(',');
    const item = (comma < 0 ? rest : rest.slice(0, comma)).trim();
    rest = comma < 0 ? '' : rest.slice(comma + 1);
    const eq = item.indexOf('=');
    if (eq > 0) {
      keys.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
      continue;
    }
    // Flags xl knows by name; anything else fills the next positional slot (empty ones included).
    if (/^(cdrom|discard|no-discard|direct-io-safe|colo)$/.test(item)) {
      flags.push(item);
      continue;
    }
    if (pos >= positional.length) return `"${item}" after target, format, vdev and access`;
    const slot = positional[pos]!;
    pos++;
    if (slot === 'target') {
      // The deprecated "<prefix>:<target>,<vdev>,<access>" form: the prefixes say the format (or
      // just "a file"), and the format slot disappears.
      const m = DEPRECATED_PREFIX.exec(item);
      if (m) {
        const words = m[0].split(':').filter((w) => w !== '');
        const format = words.find((w) => w === 'qcow' || w === 'qcow2' || w === 'vhd');
        keys.set('format', format ?? 'raw');
        keys.set('target', item.slice(m[0].length));
        positional.splice(1, 1);
        continue;
      }
    }
    if (item !== '') keys.set(slot, item);
  }
  return { keys, flags };
}

/** Target prefixes of xl's deprecated disk syntax (xl-disk-configuration(5), "Deprecated syntax"). */
const DEPRECATED_PREFIX = /^((raw|qcow2?|vhd|phy|file|tap2?|aio):)+/;

/** Why one item of a list control's value is not one the schema takes, or undefined. */
function itemProblem(f: Feature, item: unknown): string | undefined {
  const r = f.schema.safeParse([item]);
  if (r.success) return undefined;
  const issue = r.error.issues[0]!;
  return `${issue.path.slice(1).join('.') || 'item'}: ${issue.message}`;
}

/** Structured controls that span several xl keys, keyed by the registry's xl key. */
const CUSTOM: Readonly<Record<string, CustomHandler>> = {
  // Disks as keyed DISKSPECs with target= last: a keyed target may hold commas, a positional one
  // may not, and xl reads the keyed form the same whatever the order of the others.
  disk: {
    encode(v, ctx) {
      const items = (v as Disks).map((d) => {
        const parts = [`format=${d.format}`, `vdev=${d.vdev}`, `access=${d.access}`];
        if (d.backend) parts.push(`backendtype=${d.backend}`);
        parts.push(`target=${ctx.guestPath ? ctx.guestPath(d.image) : d.image}`);
        return parts.join(', ');
      });
      return [{ key: 'disk', value: items, style: 'string' }];
    },
    decode(ctx, f) {
      const specs = stringItems(ctx, 'disk');
      if (!specs) return undefined;
      const out: Record<string, string>[] = [];
      for (const spec of specs) {
        const p = parseDiskSpec(spec);
        const skip = (why: string) =>
          ctx.problems.push({
            id: 'xl-import-value',
            severity: 'warning',
            message: `disk "${spec}": ${why}; not imported`,
          });
        if (typeof p === 'string') {
          skip(p);
          continue;
        }
        const known = new Set(['target', 'format', 'vdev', 'access', 'backendtype']);
        const other = [...p.keys.keys()].filter((k) => !known.has(k));
        if (p.flags.length > 0 || other.length > 0) {
          skip(`${[...p.flags, ...other].join(', ')} has no dombuild field`);
          continue;
        }
        const target = p.keys.get('target');
        const vdev = p.keys.get('vdev');
        if (!target || !vdev) {
          skip('no target or no vdev');
          continue;
        }
        const d: Record<string, string> = { image: target, vdev };
        const format = p.keys.get('format');
        if (format) d.format = format;
        const access = p.keys.get('access');
        // xl's access takes r/ro and w/rw.
        if (access) d.access = access === 'r' ? 'ro' : access === 'w' ? 'rw' : access;
        const backend = p.keys.get('backendtype');
        if (backend) d.backend = backend;
        const why = itemProblem(f, d);
        if (why !== undefined) {
          skip(why);
          continue;
        }
        out.push(d);
      }
      ctx.take('disk');
      return out.length > 0 ? out : undefined;
    },
  },
  // Network interfaces: one VIFSPEC each, only the keywords the schema has.
  vif: {
    encode(v) {
      const items = (v as Vifs).map((n) =>
        [
          n.mac ? `mac=${n.mac}` : undefined,
          n.bridge ? `bridge=${n.bridge}` : undefined,
          n.script ? `script=${n.script}` : undefined,
        ]
          .filter((x) => x !== undefined)
          .join(','),
      );
      return [{ key: 'vif', value: items, style: 'string' }];
    },
    decode(ctx, f) {
      const specs = stringItems(ctx, 'vif');
      if (!specs) return undefined;
      const out: Record<string, string>[] = [];
      for (const spec of specs) {
        const n: Record<string, string> = {};
        const other: string[] = [];
        for (const item of spec.split(',').map((x) => x.trim())) {
          if (item === '') continue;
          const eq = item.indexOf('=');
          const key = eq > 0 ? item.slice(0, eq).trim() : item;
          const value = eq > 0 ? item.slice(eq + 1).trim() : '';
          if (key === 'mac' || key === 'bridge' || key === 'script') n[key] = value;
          else other.push(key);
        }
        const why = other.length > 0 ? `${other.join(', ')} has no dombuild field` : itemProblem(f, n);
        if (why !== undefined) {
          ctx.problems.push({
            id: 'xl-import-value',
            severity: 'warning',
            message: `vif "${spec}": ${why}; not imported`,
          });
          continue;
        }
        out.push(n);
      }
      ctx.take('vif');
      return out.length > 0 ? out : undefined;
    },
  },
  // Device passthrough: the same model as the dom0less partial DTB. iomem is "MFN,NR[@GFN]" in
  // hex 4 KiB page numbers, computed on 64-bit values (ImageBuilder truncated MMIO above 4 GiB).
  dtdev: {
    encode(v, ctx) {
      const p = v as Passthrough;
      const out: XlOut[] = [];
      if (p.dtb) out.push(str('device_tree', p.dtb.path));
      if (p.devices?.length) {
        out.push({ key: 'dtdev', value: [...p.devices], style: 'string' });
        if (!p.iomem?.length && !p.irqs?.length)
          ctx.problems.push({
            id: 'xl-passthrough-partial',
            severity: 'warning',
            message:
              'dtdev assigns the devices to the guest, but xl maps MMIO and routes IRQs only from iomem and irqs',
            sub: 'devices',
            hint: 'list passthrough.iomem and passthrough.irqs for a domain xl creates',
          });
      }
      if (p.iomem?.length) {
        const items: string[] = [];
        p.iomem.forEach((r, i) => {
          const unaligned = [r.host, r.size, r.guest ?? 0n].some((x) => x % PAGE !== 0n);
          if (unaligned || r.size === 0n) {
            ctx.problems.push({
              id: 'xl-iomem-unaligned',
              severity: 'error',
              message: `iomem[${i}]: host, size and guest must be non-zero multiples of 4 KiB for xl`,
              sub: `iomem[${i}]`,
              hint: 'xl maps whole 4 KiB pages',
            });
            return;
          }
          const guest = r.guest !== undefined && r.guest !== r.host ? `@${hexPages(r.guest)}` : '';
          items.push(`${hexPages(r.host)},${hexPages(r.size)}${guest}`);
        });
        out.push({ key: 'iomem', value: items, style: 'string' });
      }
      if (p.irqs?.length) out.push({ key: 'irqs', value: p.irqs.map(String), style: 'number' });
      return out;
    },
    decode(ctx) {
      const p: Record<string, unknown> = {};
      const dt = ctx.take('device_tree');
      if (typeof dt === 'string') p.dtb = dt;
      const strings = (key: string): string[] | undefined => {
        const v = ctx.get(key);
        if (v === undefined) return undefined;
        const items = typeof v === 'string' ? [v] : v;
        if (!items.every((i): i is string => typeof i === 'string')) {
          ctx.problems.push({
            id: 'xl-import-value',
            severity: 'warning',
            message: `${key}: nested lists; not imported`,
          });
          return undefined;
        }
        ctx.take(key);
        return [...items];
      };
      const dtdev = strings('dtdev');
      if (dtdev) p.devices = dtdev;
      const iomem = strings('iomem');
      if (iomem) {
        const ranges: Record<string, string>[] = [];
        for (const item of iomem) {
          const m =
            /^\s*(?:0x)?([0-9a-f]{1,16})\s*,\s*(?:0x)?([0-9a-f]{1,16})\s*(?:@\s*(?:0x)?([0-9a-f]{1,16}))?\s*$/i.exec(
              item,
            );
          if (!m) {
            ctx.problems.push({
              id: 'xl-import-value',
              severity: 'warning',
              message: `iomem "${item}": not MFN,NR[@GFN]; not imported`,
            });
            continue;
          }
          const addr = (h: string) => `0x${(BigInt(`0x${h}`) << PAGE_SHIFT).toString(16)}`;
          const r: Record<string, string> = {
            host: addr(m[1]!),
            size: formatSize(BigInt(`0x${m[2]}`) << PAGE_SHIFT),
          };
          if (m[3] !== undefined) r.guest = addr(m[3]);
          ranges.push(r);
        }
        p.iomem = ranges;
      }
      const irqs = strings('irqs');
      if (irqs) {
        const nums: number[] = [];
        for (const i of irqs) {
          if (/^[0-9]{1,4}$/.test(i)) nums.push(Number(i));
          else
            ctx.problems.push({
              id: 'xl-import-value',
              severity: 'warning',
              message: `irqs "${i}": not a number; not imported`,
            });
        }
        p.irqs = nums;
      }
      return Object.keys(p).length > 0 ? p : undefined;
    },
  },
  // Per-vCPU hard affinity: xl's list form gives vCPU i the i-th item; vCPUs the config leaves
  // out get "all" so later items keep their position.
  cpus: {
    encode(v) {
      const list = v as Affinity;
      const byVcpu = new Map(list.map((a) => [a.vcpu, a.cpus]));
      const last = Math.max(...list.map((a) => a.vcpu));
      const items: string[] = [];
      for (let i = 0; i <= last; i++) {
        const cpus = byVcpu.get(i);
        items.push(cpus ? formatRangeList(cpus) : 'all');
      }
      return [{ key: 'cpus', value: items, style: 'string' }];
    },
    decode(ctx) {
      const v = ctx.get('cpus');
      if (v === undefined) return undefined;
      const vcpus = typeof ctx.domain.vcpus === 'number' ? ctx.domain.vcpus : 1;
      const items = typeof v === 'string' ? Array.from({ length: vcpus }, () => v) : v;
      const out: { vcpu: number; cpus: string }[] = [];
      for (const [i, item] of items.entries()) {
        if (typeof item !== 'string') return undefined;
        if (item === 'all') continue;
        const r = parseRangeList(item);
        if (!r.ok) {
          ctx.problems.push({
            id: 'xl-import-value',
            severity: 'warning',
            message: `cpus "${item}": only CPU numbers and ranges are imported (not nodes or ^exclusions)`,
          });
          return undefined;
        }
        out.push({ vcpu: i, cpus: formatRangeList(r.value) });
      }
      ctx.take('cpus');
      return out.length > 0 ? out : undefined;
    },
  },
  // SVE vector length: xl takes "hw", "disabled" or the length in bits as a string.
  sve: {
    encode(v) {
      return [str('sve', v === 'max' ? 'hw' : v === 0 ? 'disabled' : String(v))];
    },
    decode(ctx) {
      const v = ctx.get('sve');
      if (typeof v !== 'string') return undefined;
      ctx.take('sve');
      return v === 'hw' ? 'max' : v === 'disabled' ? 0 : /^[0-9]{1,4}$/.test(v) ? Number(v) : v;
    },
  },
};
