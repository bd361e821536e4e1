// Every example passes `dombuild validate` end to end: board resolution (including the built-in
// x86 board, which has no DTB), the schema's checks and the createdomain checks.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';

const repo = new URL('../../', import.meta.url).pathname;
const examples = readdirSync(new URL('examples/', `file://${repo}`)).filter((f) => /\.ya?ml$/.test(f));

async function validateJson(file: string) {
  let stdout = '';
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: () => {},
    readStdin: async () => new Uint8Array(),
    cwd: repo,
    env: {},
    isTTY: false,
  };
  const code = await runCli(['validate', file, '--json'], io);
  return { code, doc: JSON.parse(stdout) as { diagnostics: { id: string; severity: string }[] } };
}

describe('dombuild validate on examples/', () => {
  it('finds the examples', () => expect(examples).toContain('x86-dom0.yaml'));
  it.each(examples)('%s exits 0 with no errors', async (name) => {
    const r = await validateJson(`examples/${name}`);
    expect(r.doc.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.code).toBe(0);
  });
});
