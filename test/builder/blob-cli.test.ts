import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDomainSpec, writeBlob } from '../../xen-formats/index.js';
import { runCliCaptured } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dombuild-blob-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (argv: string[]) => runCliCaptured(argv, { cwd: dir });

const blob = writeBlob({
  arch: 'x86_64',
  release: '4.17',
  domains: [
    {
      name: 'hvm1',
      kind: 'runtime',
      createdomain: createDomainSpec({
        name: 'hvm1',
        max_vcpus: 2,
        arch: { kind: 'x86_64', emulation_flags: ['XEN_X86_EMU_LAPIC'], misc_flags: ['XEN_X86_MSR_RELAXED'] },
      }),
      memoryKiB: 1 << 20,
      modules: [{ kind: 'kernel', loadAddress: null, size: 10, sha256: '00'.repeat(32) }],
      cmdline: null,
      params: [{ text: 'x-custom=1', known: false }],
    },
  ],
});
writeFileSync(join(dir, 'good.bin'), blob);
const bad = blob.slice();
bad[0] = 0;
writeFileSync(join(dir, 'bad.bin'), bad);

describe('dombuild blob inspect', () => {
  it('explains a blob with flag names', async () => {
    const r = await cli(['blob', 'inspect', 'good.bin']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap');
    expect(r.stdout).toContain('XEN_X86_MSR_RELAXED');
    expect(r.stdout).toContain('x-custom=1');
  });

  it('--json gives the explanation as JSON', async () => {
    const r = await cli(['blob', 'inspect', 'good.bin', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.header).toMatchObject({ release: '4.17', arch: 'x86_64', domainCount: 1 });
    const flags = j.domains[0].domctl.find((f: { field: string }) => f.field === 'u.createdomain.flags');
    expect(flags).toMatchObject({ raw: 3, meaning: 'XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap' });
  });

  it('exit 1 with the typed error on a malformed blob', async () => {
    const r = await cli(['blob', 'inspect', 'bad.bin']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(BAD_MAGIC) at offset 0');
    const j = await cli(['blob', 'inspect', 'bad.bin', '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout).error).toMatchObject({ code: 'BAD_MAGIC', offset: 0 });
  });

  it('exit 2 on an unreadable file or a bad action', async () => {
    expect((await cli(['blob', 'inspect', 'missing.bin'])).code).toBe(2);
    expect((await cli(['blob', 'frobnicate', 'good.bin'])).code).toBe(2);
  });
});
