// `dombuild xl` and `dombuild import xl`, in-process: exit codes, files written, and the
// imported YAML loading back as a valid domain.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { probeGuestImage } from '../../images/probe.js';
import { domainSchema } from '../../schema/index.js';
import { runCliCaptured } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dombuild-xl-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'dom0-runtime.yaml');

const cli = (argv: string[]) => runCliCaptured(argv, { cwd: dir });

describe('dombuild xl', () => {
  it('prints the runtime domains, writes a folder with -o', async () => {
    const printed = await cli(['xl', EXAMPLE]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('# ==> xl/runtime1.cfg');
    expect(printed.stdout).toContain('# ==> xl/runtime2.cfg');
    const out = join(dir, 'xl');
    const written = await cli(['xl', EXAMPLE, '--domain', 'boottime', '-o', out, '--guest-dir', '/srv']);
    expect(written.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['.dombuild-output', 'boottime.cfg']);
    expect(readFileSync(join(out, 'boottime.cfg'), 'utf8')).toContain('kernel = "/srv/boottime-kernel.img"');
  });

  it('exit 1 for an unknown domain, 2 for a missing file', async () => {
    expect((await cli(['xl', EXAMPLE, '--domain', 'nope'])).code).toBe(1);
    expect((await cli(['xl', join(dir, 'missing.yaml')])).code).toBe(2);
  });
});

describe('dombuild import xl', () => {
  it('writes YAML whose domain the schema accepts; unknown keys are warnings', async () => {
    writeFileSync(
      join(dir, 'web.cfg'),
      'name = "web"\nmemory = 256\nkernel = "/boot/Image"\non_crash = "restart"\nvif = [ "bridge=xenbr0" ]\n',
    );
    const r = await cli(['import', 'xl', 'web.cfg', '-o', 'web.yaml']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/web\.cfg:4:1: warning \[xl-import-unknown\]/);
    const doc = parse(readFileSync(join(dir, 'web.yaml'), 'utf8')) as { domains: unknown[] };
    expect(domainSchema.parse(doc.domains[0])).toMatchObject({
      name: 'web',
      boot: false,
      memory: 256n << 20n,
      vifs: [{ bridge: 'xenbr0' }],
    });
  });

  it('exit 1 on a syntax error, with its line', async () => {
    writeFileSync(join(dir, 'bad.cfg'), 'name = "x\n');
    const r = await cli(['import', 'xl', 'bad.cfg']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.cfg:1:8: error \[xl-syntax-unterminated-string\]/);
  });
});

describe('dombuild build --only xl', () => {
  it('writes xl/<domain>.cfg for the runtime domains, the same text as dombuild xl', async () => {
    const copy = join(dir, 'ex');
    cpSync(join(import.meta.dirname, '..', '..', 'examples'), copy, { recursive: true });
    mkdirSync(join(copy, 'images', 'dom0'), { recursive: true });
    writeFileSync(join(copy, 'images', 'dom0', 'vmlinuz'), probeGuestImage({ marker: 'dom0 stand-in' }));
    writeFileSync(join(copy, 'images', 'dom0', 'initrd.cpio.gz'), new Uint8Array(4096).fill(0x5a));
    const out = join(copy, 'out');
    const r = await cli(['build', join(copy, 'dom0-runtime.yaml'), '-o', out, '--only', 'xl']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(out, 'xl')).sort()).toEqual(['runtime1.cfg', 'runtime2.cfg']);
    const printed = await cli(['xl', join(copy, 'dom0-runtime.yaml'), '--domain', 'runtime1']);
    expect(readFileSync(join(out, 'xl', 'runtime1.cfg'), 'utf8')).toBe(printed.stdout);
  });
});
