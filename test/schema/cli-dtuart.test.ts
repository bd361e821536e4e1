// dtuart-alias through the CLI: validate and plan read the board's tree, so an alias QEMU's virt
// tree lacks (it has no /aliases) is flagged, and a device-tree path is not.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';

const work = mkdtempSync(join(tmpdir(), 'dombuild-dtuart-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function cli(argv: string[]) {
  let out = '';
  const code = await runCli(argv, {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      out += t;
    },
    readStdin: async () => new Uint8Array(),
    cwd: work,
    env: { DOMBUILD_CACHE: join(work, 'cache') },
    isTTY: false,
  });
  return { code, out };
}

const config = (dtuart: string) => {
  const file = join(work, `${dtuart.replace(/\W/g, '_')}.yaml`);
  writeFileSync(
    file,
    `xen: { release: "4.21", image: xen, cmdline: "console=dtuart dtuart=${dtuart}" }\nboard: qemu-virt-arm64\ndomains:\n  - { name: a, kernel: probe, memory: 64M }\n`,
  );
  return file;
};

describe.each([['validate'], ['plan']])('dombuild %s', (command) => {
  it('warns dtuart-alias for dtuart=serial0 on qemu-virt-arm64, at xen.cmdline', async () => {
    const r = await cli([command, config('serial0')]);
    // validate prints [id], plan (id)
    expect(r.out).toMatch(/:1:\d+: warning [[(]dtuart-alias[\])]/);
  });
  it('is silent for the UART by its path', async () => {
    const r = await cli([command, config('/pl011@9000000')]);
    expect(r.out).not.toContain('dtuart-alias');
  });
});
