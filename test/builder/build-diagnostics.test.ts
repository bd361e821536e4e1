// Build warnings through the real CLI: each points at the config field it concerns (via the
// schema's locator), files dombuild writes itself never draw uboot-path-outside-root, and a build
// without Xen says how to get one instead of writing a FIT without it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSystem } from '../../builder/emit-system.js';
import { XEN_IMAGE_HINT } from '../../builder/system-fit.js';
import { runCli } from '../../cli/main.js';
import { probeGuestImage } from '../../images/probe.js';
import { input } from './build-input.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'dombuild-build-diags-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function build(config: string, out: string, cache: string, extra: string[] = []) {
  let stderr = '';
  const code = await runCli(['build', config, '-o', out, ...extra], {
    stdout: () => {},
    stderr: (t) => {
      stderr += t;
    },
    readStdin: async () => new Uint8Array(),
    cwd: work,
    env: { ...process.env, DOMBUILD_CACHE: cache, SOURCE_DATE_EPOCH: '1700000000' },
    isTTY: false,
  });
  return { code, stderr };
}

/** `file:line:col: severity (id): path:` of every diagnostic line with this id. */
const lines = (stderr: string, id: string) => stderr.split('\n').filter((l) => l.includes(`(${id}):`));

describe('build diagnostics', () => {
  const cfgDir = join(work, 'config');
  mkdirSync(cfgDir, { recursive: true });
  const minimal = join(cfgDir, 'minimal.yaml');
  writeFileSync(minimal, readFileSync(join(root, 'examples', 'minimal.yaml')));
  const emptyCache = join(work, 'empty-cache');

  it('without Xen: no FIT, and the error names xen.image with how to get a Xen', async () => {
    // A default build writes no FIT unless boot.fit asks; --only fit does ask.
    const quiet = await build(minimal, join(work, 'out-a0'), emptyCache);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(lines(quiet.stderr, 'fit-image-missing')).toEqual([]);
    const r = await build(minimal, join(work, 'out-a'), emptyCache, ['--only', 'fit']);
    expect(r.code, r.stderr).toBe(1);
    const fit = lines(r.stderr, 'fit-image-missing');
    expect(fit).toHaveLength(1);
    expect(fit[0]).toMatch(/^.*minimal\.yaml:5:1: error \(fit-image-missing\): xen\.image:/);
    expect(r.stderr).toContain(`hint: ${XEN_IMAGE_HINT}`);
  });

  it("names the cached Xen's exact path when setup-system.sh has cached it", async () => {
    const cache = join(work, 'cache');
    const key = 'xen-hypervisor-4.17-arm64-bookworm';
    mkdirSync(join(cache, 'debs', key, 'boot'), { recursive: true });
    const xen = join(cache, 'debs', key, 'boot', 'xen-4.17-arm64');
    writeFileSync(xen, new Uint8Array(16));
    const entry = {
      key,
      package: 'xen-hypervisor-4.17-arm64',
      arch: 'arm64',
      suite: 'bookworm',
      version: '1',
    };
    writeFileSync(
      join(cache, 'debs', 'manifest.json'),
      JSON.stringify({ packages: [{ ...entry, path: key }] }),
    );
    const r = await build(minimal, join(work, 'out-b'), cache, ['--only', 'fit']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`set xen.image: ${xen} `);
  });

  it('an output folder outside the config folder: generated probe images draw no warning', async () => {
    const r = await build(minimal, join(work, 'out-c'), emptyCache);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stderr, 'uboot-path-outside-root')).toEqual([]);
    const source = readFileSync(join(work, 'out-c', 'boot.source'), 'utf8');
    expect(source).toContain("'guest1-kernel.img'");
  });

  it("a user's kernel outside the boot root: the warning points at that domain's kernel field", async () => {
    mkdirSync(join(work, 'elsewhere'), { recursive: true });
    writeFileSync(join(work, 'elsewhere', 'Image'), probeGuestImage({ marker: 'outside' }));
    const cfg = join(cfgDir, 'outside.yaml');
    writeFileSync(
      cfg,
      [
        'xen: { release: "4.17", cmdline: "console=dtuart dtuart=/pl011@9000000" }',
        'board: qemu-virt-arm64',
        'domains:',
        '  - name: inside',
        '    kernel: { probe: "in" }',
        '    memory: 64M',
        '  - name: outside',
        '    memory: 64M',
        '    kernel: ../elsewhere/Image',
        '',
      ].join('\n'),
    );
    const r = await build(cfg, join(cfgDir, 'out'), emptyCache);
    expect(r.code, r.stderr).toBe(0);
    const warned = lines(r.stderr, 'uboot-path-outside-root');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(
      /outside\.yaml:9:13: warning \(uboot-path-outside-root\): domains\[1\]\.kernel:/,
    );
  });

  it("a U-Boot error about an image names that image's config field, not the plan name", () => {
    const inp = input();
    const alpha = inp.images.find((i) => i.name === 'alpha/kernel')!;
    alpha.loadCommand = 'tftpb; reset'; // what validation refuses, forced past it
    const r = buildSystem({ ...inp, only: new Set(['uboot']) });
    expect(r.diagnostics.map((d) => [d.id, d.path])).toContainEqual([
      'uboot-unsafe-word',
      'domains[0].kernel.load',
    ]);
  });
});
