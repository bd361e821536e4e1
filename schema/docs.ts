// docs/schema.md, generated from the registry, the zod schema, the check table and the release
// table (`dombuild schema > docs/schema.md`; a test fails when the file is stale).
import { z } from 'zod';
import { configSchema } from './config.js';
import type { Severity } from './diagnostic.js';
import type { Feature } from './registry.js';
import { registry } from './registry.js';
import { releases, type XenRelease } from './releases.js';

type Json = Record<string, unknown>;

function toJson(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
}

/** A short type summary of a JSON Schema node: `"a" | "b"`, `integer 1..128`, `list of ...`. */
function typeOf(s: Json): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf)) return (s.anyOf as Json[]).map(typeOf).join(' or ');
  if (Array.isArray(s.type)) {
    const t = s.type as string[];
    const ex = Array.isArray(s.examples) ? `, e.g. ${JSON.stringify(s.examples[0])}` : '';
    if (t.includes('string') && t.includes('number')) return `string or number${ex}`;
    return t.join(' or ');
  }
  if (s.type === 'array') return `list of ${typeOf((s.items as Json) ?? {})}`;
  if (s.type === 'object') {
    const props = Object.keys((s.properties as Json) ?? {});
    if (props.length > 8) return 'object (see below)';
    return props.length ? `{ ${props.join(', ')} }` : 'object';
  }
  if (s.type === 'integer') {
    const lo = s.minimum;
    const hi = s.maximum;
    return lo !== undefined && hi !== undefined ? `integer ${lo}..${hi}` : 'integer';
  }
  return String(s.type ?? 'any');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function sectionTable(title: string, schema: Json): string[] {
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required as string[]) ?? []);
  const out = [`### ${title}`, '', '| field | type | default | description |', '|---|---|---|---|'];
  for (const [k, v] of Object.entries(props)) {
    const def =
      v.default === undefined ? (required.has(k) ? '**required**' : '') : `\`${JSON.stringify(v.default)}\``;
    out.push(`| \`${k}\` | ${cell(typeOf(v))} | ${def} | ${cell(String(v.description ?? ''))} |`);
  }
  out.push('');
  return out;
}

function encodingRows(f: Feature): [string, string][] {
  const rows: [string, string][] = [];
  const dt = f.dt;
  rows.push([
    'Device tree (dom0less)',
    dt
      ? `\`${dt.prop}\` (${dt.kind}${dt.compatible ? `, compatible "${dt.compatible}"` : ''})${
          dt.values
            ? `: ${Object.entries(dt.values)
                .map(([k, v]) => `${k} → ${v === null ? 'omitted' : `"${v}"`}`)
                .join(', ')}`
            : ''
        }${dt.since ? `, Xen ${dt.since}+` : ''}`
      : '— (not settable at boot)',
  ]);
  rows.push([
    'createdomain',
    f.createdomain?.length
      ? f.createdomain
          .map((c) => {
            const what = c.flag
              ? `\`${c.flag}\``
              : c.values
                ? Object.entries(c.values)
                    .map(([k, v]) => `${k} → ${v.length ? v.map((x) => `\`${x}\``).join(' | ') : '0'}`)
                    .join(', ')
                : (c.value ?? 'number');
            return `\`${c.field}\`: ${what}${c.since ? ` (Xen ${c.since}+)` : ''}`;
          })
          .join('; ')
      : '—',
  ]);
  rows.push([
    'xl',
    f.xl
      ? `\`${f.xl.key}\` (${f.xl.kind})${
          f.xl.values
            ? `: ${Object.entries(f.xl.values)
                .map(([k, v]) => `${k} → ${v}`)
                .join(', ')}`
            : ''
        }${f.xl.since ? `, Xen ${f.xl.since}+` : ''}`
      : '— (boot-time only)',
  ]);
  rows.push(['Param', f.param ? `\`${f.param.name}=<${f.param.kind}>\`` : '—']);
  return rows;
}

function featureSection(f: Feature): string[] {
  const rows: [string, string][] = [
    ['Type', typeOf(toJson(f.schema))],
    ['Example', `\`${JSON.stringify(f.example)}\``],
    ['When absent', f.xenDefault.text],
    ['Architectures', f.arches.join(', ')],
    [
      'First Xen',
      `${f.since}${
        f.valueSince
          ? ` (${Object.entries(f.valueSince)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')})`
          : ''
      }`,
    ],
    [
      'Kconfig',
      f.kconfig?.length
        ? f.kconfig
            .map(
              (g) =>
                `CONFIG_${g.option}${g.values ? ` (for ${g.values.join(', ')})` : ''}${g.bootOnly ? ' (boot-time domains)' : ''}${g.since ? ` (Xen ${g.since}+)` : ''}`,
            )
            .join(', ')
        : '—',
    ],
    ...encodingRows(f),
    ['Guest-visible', f.guestVisible ? 'yes' : 'no'],
    ['ImageBuilder', f.imagebuilder ?? '—'],
    ['Reference', f.ref],
  ];
  return [
    `### \`${f.key}\``,
    '',
    f.title,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`),
    '',
  ];
}

/** A check that runs outside the schema's table but takes the same ids (the createdomain checks). */
export interface CheckListing {
  id: string;
  severity: Severity;
  title: string;
  ref?: string;
}

export interface SchemaDocsInput {
  /** The whole check table in order (the schema's own checks and the later stages'). */
  checks: readonly CheckListing[];
  /** XEN_DOMCTL_INTERFACE_VERSION per release: an ABI fact the Xen-format codecs keep. */
  interfaceVersion: (release: XenRelease) => number;
}

/** The reference. */
export function renderSchemaDocs(input: SchemaDocsInput): string {
  const top = toJson(configSchema);
  const props = top.properties as Record<string, Json>;
  const dom = ((props.domains as Json).items ?? {}) as Json;
  const domProps = (dom.properties ?? {}) as Record<string, Json>;
  const featureKeys = new Set(registry.map((f) => f.key));
  const base: Json = {
    properties: Object.fromEntries(Object.entries(domProps).filter(([k]) => !featureKeys.has(k))),
    required: ((dom.required as string[]) ?? []).filter((k) => !featureKeys.has(k)),
  };
  const pick = (k: string): Json => {
    const v = props[k] as Json;
    if (Array.isArray(v.anyOf)) return ((v.anyOf as Json[]).find((x) => x.type === 'object') ?? v) as Json;
    return v.type === 'array' ? ((v.items ?? {}) as Json) : v;
  };
  const out: string[] = [
    '# dombuild config reference',
    '',
    '<!-- Generated by `dombuild schema > docs/schema.md` from schema/ (registry, zod schema, checks,',
    '     releases). Do not edit by hand: test/schema/docs.test.ts fails when this file is stale. -->',
    '',
    'A config is YAML (or JSON). Sizes take units (`64M`, `2G`) or hex (`"0x4000000"`); addresses are',
    'hex strings or integers, exact to 64 bits. Quote the Xen release (`"4.20"`). The JSON Schema for',
    'editors is printed by `dombuild schema --json-schema` (also in `docs/dombuild.schema.json`).',
    '',
    '## Sections',
    '',
    ...sectionTable('Top level', top),
    ...sectionTable('`xen`', pick('xen')),
    ...sectionTable('`board` (inline form)', pick('board')),
    ...sectionTable('`boot`', pick('boot')),
    ...sectionTable('`dom0`', pick('dom0')),
    ...sectionTable('`cpupools[]`', pick('cpupools')),
    ...sectionTable('`media`', pick('media')),
    ...sectionTable(
      '`media.partitions[]`',
      ((pick('media').properties as Json).partitions as Json).items as Json,
    ),
    ...sectionTable('`domains[]` (besides the controls below)', base),
    '## Domain controls (the feature registry)',
    '',
    'Each control is one registry entry; the device-tree, createdomain, xl and params encodings below',
    'are what the emitters write. In `params`, names compare with `-` and `_` alike; booleans take',
    '`on/off/yes/no/true/false/enable/disable/1/0` and a `no-` prefix; integers take `0x` and `K/M/G`.',
    '',
    ...registry.flatMap(featureSection),
    '## Checks',
    '',
    'Ids are stable; `dombuild validate --warn ID`, `--error ID` and `--no-check ID` take them.',
    '',
    '| id | severity | what it guards | reference |',
    '|---|---|---|---|',
    ...input.checks.map((c) => `| \`${c.id}\` | ${c.severity} | ${cell(c.title)} | ${cell(c.ref ?? '')} |`),
    '',
    '## Validation report (`dombuild validate --json`)',
    '',
    'A stable document: `format` is `"dombuild-diagnostics"`, `version` is 1, then `file`, `valid`,',
    '`counts` (`error`, `warning`, `info`) and `diagnostics`, each with exactly the keys `id`,',
    '`severity`, `path` (e.g. `domains[1].memory`), `message`, `hint`, `ref`, `file`, `line`, `col`',
    '(absent values are `null`). Exit status: 0 valid, 1 invalid (errors, or warnings with `--strict`),',
    '2 usage or I/O error. Loader ids besides the checks: `yaml-syntax`, `yaml-duplicate-key`,',
    '`config-too-large`, `config-too-deep`, `unknown-field`, `missing-field`, `invalid-value`,',
    '`param-syntax`, `param-unknown`, `param-value`, `param-duplicate`, `param-limit`, `param-conflict`,',
    '`kconfig-syntax`, `kconfig-unreadable`, and the `board-*` ids of board resolution.',
    '',
    '## Xen releases',
    '',
    '| release | date | domctl interface | createdomain layout | altp2m field | xenstore provider |',
    '|---|---|---|---|---|---|',
    ...releases.map(
      (r) =>
        `| ${r.release} | ${r.date} | 0x${input.interfaceVersion(r.release).toString(16)} | ${r.createdomainLayout} | ${r.altp2mField} | ${r.xenstoreProvider} |`,
    ),
    '',
  ];
  return out.join('\n');
}
