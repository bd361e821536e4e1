import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pipelineChecks, schemaReference } from '../../builder/pipeline/checks.js';
import { registry } from '../../schema/index.js';
import { CREATEDOMAIN_PROBLEM_IDS } from '../../xen-formats/index.js';

describe('docs/schema.md', () => {
  // What `dombuild schema` prints: the one check table every command runs.
  const text = schemaReference();

  it('is up to date (regenerate: dombuild schema > docs/schema.md)', () => {
    expect(readFileSync(new URL('../../docs/schema.md', import.meta.url), 'utf8')).toBe(text);
  });

  it('documents every registry entry and every check id', () => {
    for (const f of registry) expect(text).toContain(`### \`${f.key}\``);
    for (const c of pipelineChecks()) expect(text).toContain(`| \`${c.id}\` |`);
    for (const id of CREATEDOMAIN_PROBLEM_IDS) expect(text).toContain(`| \`${id}\` |`);
  });
});
