import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CREATEDOMAIN_CHECKS } from '../../builder/createdomain/checks.js';
import { CREATEDOMAIN_PROBLEM_IDS } from '../../builder/createdomain/errors.js';
import { checkTable } from '../../schema/checks/index.js';
import { renderSchemaDocs } from '../../schema/docs.js';
import { registry } from '../../schema/registry.js';

describe('docs/schema.md', () => {
  // What `dombuild schema` prints: the schema's checks, then the createdomain checks validate runs.
  const text = renderSchemaDocs(CREATEDOMAIN_CHECKS);

  it('is up to date (regenerate: dombuild schema > docs/schema.md)', () => {
    expect(readFileSync(new URL('../../docs/schema.md', import.meta.url), 'utf8')).toBe(text);
  });

  it('documents every registry entry and every check id', () => {
    for (const f of registry) expect(text).toContain(`### \`${f.key}\``);
    for (const c of checkTable()) expect(text).toContain(`| \`${c.id}\` |`);
    for (const id of CREATEDOMAIN_PROBLEM_IDS) expect(text).toContain(`| \`${id}\` |`);
  });
});
