// `dombuild validate` runs the createdomain checks (builder/createdomain/problems.ts) after the
// schema's: one bad and one good config per wired id class, end to end through runCli, with
// --no-check/--warn/--error by id, the JSON report and the check list `dombuild schema` prints.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';
import { CREATEDOMAIN_CHECKS } from '../../xen-formats/index.js';
import { tempDir } from '../support/tmp.js';

const repo = new URL('../../', import.meta.url).pathname;

async function cli(argv: string[]) {
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
  const code = await runCli(argv, io);
  return { code, stdout };
}

function x86(release: string, domain: string): string {
  const dir = tempDir('dombuild-cd-');
  const file = join(dir, 'sys.yaml');
  writeFileSync(
    file,
    `xen: { release: "${release}", image: xen }
board: qemu-q35-x86_64
boot: { method: direct }
dom0: { kernel: vmlinuz, memory: 512M, type: pv }
domains:
  - { name: g, kernel: probe, memory: 64M, boot: false, ${domain} }
`,
  );
  standIns(dir, ['xen', 'vmlinuz']);
  return file;
}

function arm(domain: string): string {
  const dir = tempDir('dombuild-cd-');
  const file = join(dir, 'sys.yaml');
  writeFileSync(
    file,
    `xen: { release: "4.20", image: xen }
board: qemu-virt-arm64
domains:
  - { name: g, kernel: probe, memory: 64M, ${domain} }
`,
  );
  standIns(dir, ['xen']);
  return file;
}

/** validate checks that the files a config names exist, as build does: small gzip stand-ins. */
function standIns(dir: string, names: string[]): void {
  for (const n of names) writeFileSync(join(dir, n), gzipSync(new Uint8Array(4096)));
}

interface Report {
  valid: boolean;
  diagnostics: { id: string; severity: string; path: string; hint: string | null; line: number | null }[];
}

async function report(file: string, ...flags: string[]): Promise<Report & { code: number }> {
  const r = await cli(['validate', file, '--json', ...flags]);
  return { code: r.code, ...(JSON.parse(r.stdout) as Report) };
}

const ids = (r: Report) => r.diagnostics.map((d) => d.id);

// [id, bad domain settings, good settings, release]
const CASES: [string, string, string, string][] = [
  [
    'createdomain-nested-virt-without-hap',
    'type: pv, nestedVirt: true',
    'type: hvm, nestedVirt: true',
    '4.19',
  ],
  ['createdomain-vmtrace', 'type: pv, vmtrace: 64K', 'type: hvm, vmtrace: 64K', '4.19'],
  ['createdomain-vmtrace', 'type: hvm, vmtrace: 96K', 'type: hvm, vmtrace: 128K', '4.19'],
  ['createdomain-altp2m-needs-hap', 'type: pv, altp2m: mixed', 'type: pvh, altp2m: mixed', '4.19'],
  [
    'createdomain-altp2m-with-nested-virt',
    'type: hvm, altp2m: external, nestedVirt: true',
    'type: hvm, altp2m: external',
    '4.20',
  ],
  ['createdomain-altp2m-nr', 'type: hvm, altp2mCount: 4', 'type: hvm, altp2m: mixed, altp2mCount: 4', '4.21'],
  ['createdomain-max-vcpus', 'type: hvm, vcpus: 129', 'type: hvm, vcpus: 128', '4.19'],
];

describe('dombuild validate: createdomain checks', () => {
  it.each(CASES)('%s: fires on "%s", not on "%s"', async (id, bad, good, release) => {
    const b = await report(x86(release, bad));
    expect(ids(b)).toContain(id);
    expect(b.code).toBe(1);
    expect(b.valid).toBe(false);
    const hit = b.diagnostics.find((d) => d.id === id)!;
    expect(hit.path).toMatch(/^domains\[0\]/);
    expect(hit.hint).not.toBeNull();
    expect(hit.line).toBe(6);
    const g = await report(x86(release, good));
    expect(ids(g).filter((x) => x.startsWith('createdomain-'))).toEqual([]);
    expect(g.code).toBe(0);
  });

  it('a domain the schema already refused gets no second, createdomain diagnostic', async () => {
    // grantVersion 2 on Arm: the schema's grant-version-max and createdomain-grant-version judge
    // the same value; only the first is reported.
    const r = await report(arm('grantVersion: 2'));
    expect(ids(r)).toContain('grant-version-max');
    expect(ids(r)).not.toContain('createdomain-grant-version');
    // With the schema's check off, the createdomain one still guards the value.
    const off = await report(arm('grantVersion: 2'), '--no-check', 'grant-version-max');
    expect(ids(off)).toEqual(['createdomain-grant-version']);
    expect(off.code).toBe(1);
  });

  it('a value Xen resolves at boot (sve: max) is a warning, not an error', async () => {
    const r = await report(arm('sve: max'));
    expect(r.diagnostics.map((d) => [d.id, d.severity])).toEqual([['createdomain-unresolvable', 'warning']]);
    expect(r.code).toBe(0);
  });

  it('--no-check, --warn and --error take createdomain ids', async () => {
    const file = x86('4.19', 'type: pv, vmtrace: 64K');
    const none = await report(file, '--no-check', 'createdomain-vmtrace');
    expect(ids(none)).not.toContain('createdomain-vmtrace');
    expect(none.code).toBe(0);
    const warned = await report(file, '--warn', 'createdomain-vmtrace');
    expect(warned.diagnostics.find((d) => d.id === 'createdomain-vmtrace')?.severity).toBe('warning');
    expect(warned.code).toBe(0);
    expect((await report(file, '--warn', 'createdomain-vmtrace', '--strict')).code).toBe(1);
    const err = await report(file, '--error', 'createdomain-vmtrace');
    expect(err.code).toBe(1);
  });

  it('the human report places them at the control, sorted with the rest', async () => {
    const r = await cli(['validate', x86('4.19', 'type: pv, vmtrace: 64K')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/sys\.yaml:6:\d+: error \[createdomain-vmtrace\] domains\[0\]\.vmtrace:/);
  });

  it('dombuild schema lists every createdomain id, and validate accepts each', async () => {
    const md = (await cli(['schema'])).stdout;
    for (const c of CREATEDOMAIN_CHECKS) {
      expect(md).toContain(`| \`${c.id}\` |`);
      expect((await cli(['validate', 'examples/minimal.yaml', '--no-check', c.id])).code).toBe(0);
    }
  });
});
