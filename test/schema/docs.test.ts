import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkTable } from '../../schema/checks/index.js';
import { renderSchemaDocs } from '../../schema/docs.js';
import { registry } from '../../schema/registry.js';

describe('docs/schema.md', () => {
  const text = renderSchemaDocs();

  it('is up to date (regenerate: dombuild schema > docs/schema.md)', () => {
    expect(readFileSync(new URL('../../docs/schema.md', import.meta.url), 'utf8')).toBe(text);
  });

  it('documents every registry entry and every check id', () => {
    for (const f of registry) expect(text).toContain(`### \`${f.key}\``);
    for (const c of checkTable()) expect(text).toContain(`| \`${c.id}\` |`);
  });
});
