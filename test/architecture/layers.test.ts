// The design's layer table as a test: a folder imports only the folders below it
// (../shared/design.md, "Layout"; README "Layout"). A new arrow upward fails here with the file
// and the import that made it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** What each source folder may import (besides itself and node:/npm packages). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  devicetree: [],
  schema: [],
  'xen-formats': [],
  images: ['devicetree'],
  boards: ['devicetree', 'schema'],
  builder: ['devicetree', 'schema', 'xen-formats', 'images', 'boards'],
  importers: ['devicetree', 'schema', 'xen-formats', 'images', 'boards', 'builder'],
  qemu: ['devicetree', 'schema', 'xen-formats', 'images', 'boards', 'builder'],
  diff: ['devicetree', 'schema', 'xen-formats', 'images', 'boards', 'builder'],
  cli: ['devicetree', 'schema', 'xen-formats', 'images', 'boards', 'builder', 'importers', 'qemu', 'diff'],
  bench: ['devicetree', 'schema', 'xen-formats', 'images', 'boards', 'builder', 'importers', 'qemu', 'cli'],
};

/**
 * Known exceptions, each with its reason; the test fails when one is no longer needed too.
 * boards/ parses sizes and addresses in a user's board file with the schema's grammar: the grammar
 * belongs in a leaf both can import (noted in the closing notes).
 */
const EXCEPTIONS: Readonly<Record<string, readonly string[]>> = {
  'boards/resolve.ts': ['schema/units.ts'],
  'boards/user-board.ts': ['schema/fields.ts'],
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every relative import of a file, as a path from the repository root ('.ts'). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    out.push(relative(root, resolve(dirname(file), m[1] as string)).replace(/\.js$/, '.ts'));
  }
  return out;
}

describe('imports point down the layer table', () => {
  for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
    it(`${folder}/ imports only ${allowed.length ? allowed.join(', ') : 'nothing of ours'}`, () => {
      const wrong: string[] = [];
      for (const file of sources(join(root, folder))) {
        const from = relative(root, file);
        for (const target of importsOf(file)) {
          const top = target.split('/')[0] as string;
          if (top === folder || allowed.includes(top)) continue;
          if (EXCEPTIONS[from]?.includes(target)) continue;
          wrong.push(`${from} imports ${target}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  it('every listed exception is still needed', () => {
    for (const [from, targets] of Object.entries(EXCEPTIONS)) {
      const actual = importsOf(join(root, from));
      for (const t of targets) expect(actual, `${from} → ${t}`).toContain(t);
    }
  });

  it('every top-level source folder is in the table', () => {
    const tops = readdirSync(root).filter(
      (n) => statSync(join(root, n)).isDirectory() && sources(join(root, n)).length > 0,
    );
    const known = new Set([
      ...Object.keys(MAY_IMPORT),
      'test',
      'node_modules',
      'dist',
      'scripts',
      'examples',
    ]);
    expect(tops.filter((t) => !known.has(t) && !t.startsWith('.'))).toEqual([]);
  });
});
