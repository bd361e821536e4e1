// Golden outputs for every example, through the real CLI: `dombuild build <example> -o <dir>`.
// Reviewed by hand once against reference/xen-dt-bindings.md; regenerate deliberately with
// UPDATE_GOLDEN=1 (never silently). Building twice must give the same bytes.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { probeGuestImage } from '../../images/probe.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const goldenDir = fileURLToPath(new URL('./golden/build/', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';
const work = mkdtempSync(join(tmpdir(), 'dombuild-build-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// The examples are built from a copy, with the output folder inside it (the boot root), and the
// images the runner normally fetches for dom0-runtime replaced by small stand-ins.
const examplesCopy = join(work, 'examples');
cpSync(join(root, 'examples'), examplesCopy, { recursive: true });
mkdirSync(join(examplesCopy, 'images', 'dom0'), { recursive: true });
writeFileSync(join(examplesCopy, 'images', 'dom0', 'vmlinuz'), probeGuestImage({ marker: 'dom0 stand-in' }));
writeFileSync(join(examplesCopy, 'images', 'dom0', 'initrd.cpio.gz'), new Uint8Array(4096).fill(0x5a));

async function build(example: string, out: string): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await runCli(['build', join(examplesCopy, example), '-o', out], {
    stdout: () => {},
    stderr: (t) => {
      stderr += t;
    },
    readStdin: async () => new Uint8Array(),
    cwd: root,
    env: { ...process.env, DOMBUILD_CACHE: join(work, 'cache'), SOURCE_DATE_EPOCH: '1700000000' },
    isTTY: false,
  });
  return { code, stderr };
}

const examples = readdirSync(join(root, 'examples')).filter(
  (f) => f.endsWith('.yaml') && !f.startsWith('x86'),
);

describe.each(examples)('dombuild build examples/%s', (example) => {
  it('matches the reviewed golden files and is deterministic', async () => {
    const out = join(examplesCopy, `out-${example.replace(/\.yaml$/, '')}`);
    const first = await build(example, out);
    expect(first.code, first.stderr).toBe(0);
    // QEMU's tree has no /aliases: an example with dtuart=serial0 boots a silent Xen under U-Boot
    expect(first.stderr).not.toContain('(dtuart-alias)');
    const names = readdirSync(out).sort();
    const firstBytes = new Map(names.map((n) => [n, readFileSync(join(out, n))]));
    // building again replaces the folder as a whole, with the same bytes
    const again = await build(example, out);
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(names);
    for (const n of names) expect(readFileSync(join(out, n)), n).toEqual(firstBytes.get(n));
    for (const required of [
      'system.dtb',
      'chosen.dtsi',
      'chosen.dtbo',
      'boot.source',
      'boot.scr',
      'createdomain.bin',
      'plan.json',
    ])
      expect(names).toContain(required);

    const gold = join(goldenDir, example.replace(/\.yaml$/, ''));
    if (update) {
      rmSync(gold, { recursive: true, force: true });
      mkdirSync(gold, { recursive: true });
      for (const n of names) writeFileSync(join(gold, n), firstBytes.get(n)!);
    }
    expect(existsSync(gold), `no golden files for ${example}: run with UPDATE_GOLDEN=1 and review them`).toBe(
      true,
    );
    expect(readdirSync(gold).sort()).toEqual(names);
    for (const n of names) expect(firstBytes.get(n), n).toEqual(readFileSync(join(gold, n)));
  });
});

describe('dombuild build x86 examples', () => {
  it('says the x86 outputs are not built yet, with exit 1', async () => {
    const r = await build('x86-dom0.yaml', join(work, 'x86'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^(.*: )?error \(/m);
    expect(existsSync(join(work, 'x86'))).toBe(false);
  });
});
