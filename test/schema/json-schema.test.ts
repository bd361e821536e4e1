// The JSON Schema exported for editors, judged by an independent validator (ajv, draft 2020-12).
import { readdirSync, readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configJsonSchema, configJsonSchemaText } from '../../schema/json-schema.js';

const root = new URL('../../', import.meta.url);
const examples = readdirSync(new URL('examples/', root)).filter((f) => f.endsWith('.yaml'));

function validator() {
  // ajv is CommonJS: under NodeNext the default import is the module object.
  const mod = Ajv2020 as unknown as { default: typeof Ajv2020.default };
  const ajv = new mod.default({ strict: false, allErrors: true });
  return ajv.compile(configJsonSchema());
}

describe('JSON Schema', () => {
  const check = validator();

  it.each(examples)('accepts examples/%s', (f) => {
    const doc = parse(readFileSync(new URL(`examples/${f}`, root), 'utf8'));
    const ok = check(doc);
    expect(check.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('rejects unknown fields, wrong types and bad enum values', () => {
    const base = { xen: { release: '4.20' }, board: 'qemu-virt-arm64' };
    expect(check({ ...base, domains: [{ name: 'g', kernel: 'probe', memory: '64M', memroy: 1 }] })).toBe(
      false,
    );
    expect(check({ ...base, domains: [{ name: 'g', kernel: 'probe', memory: true }] })).toBe(false);
    expect(check({ ...base, domains: [{ name: 'g', kernel: 'probe', memory: '64M', xenstore: 'on' }] })).toBe(
      false,
    );
    expect(check({ board: 'x' })).toBe(false);
  });

  it('describes every field (zod .describe() everywhere)', () => {
    const missing: string[] = [];
    const walk = (s: Record<string, unknown>, path: string) => {
      for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (!v.description) missing.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
      if (s.items) walk(s.items as Record<string, unknown>, `${path}[]`);
      for (const alt of (s.anyOf ?? []) as Record<string, unknown>[]) walk(alt, path);
    };
    walk(configJsonSchema(), '');
    expect(missing).toEqual([]);
  });

  it('docs/dombuild.schema.json is up to date (regenerate: dombuild schema --json-schema > docs/dombuild.schema.json)', () => {
    expect(readFileSync(new URL('docs/dombuild.schema.json', root), 'utf8')).toBe(configJsonSchemaText());
  });
});
