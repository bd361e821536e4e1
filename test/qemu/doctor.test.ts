import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DoctorItem } from '../../cli/commands/doctor.run.js';
import type { CliIO } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';
import { UBOOT_QEMU_ARM64 } from '../../qemu/assets.js';
import { tempDir } from '../support/tmp.js';
import { inCI } from '../support/tools.js';

const scratch = tempDir;

async function doctor(env: CliIO['env']): Promise<{ code: number; items: DoctorItem[]; text: string }> {
  let out = '';
  const io: CliIO = {
    stdout: (t) => {
      out += t;
    },
    stderr: () => {},
    readStdin: async () => new Uint8Array(),
    cwd: process.cwd(),
    env,
    isTTY: false,
  };
  const code = await runCli(['doctor', '--json'], io);
  let text = '';
  io.stdout = (t) => {
    text += t;
  };
  expect(await runCli(['doctor'], io)).toBe(code);
  return { code, items: (JSON.parse(out) as { items: DoctorItem[] }).items, text };
}

const tmp = () => scratch('dombuild-doctor-');

describe('dombuild doctor', () => {
  it('with nothing on PATH and no cache: exit 1, each item missing with the command that gets it', async () => {
    const { code, items, text } = await doctor({ PATH: tmp(), DOMBUILD_CACHE: tmp(), HOME: tmp() });
    expect(code).toBe(1);
    const by = new Map(items.map((i) => [i.name, i]));
    expect(by.get('dtc')).toMatchObject({
      present: false,
      fix: 'sudo apt-get install -y device-tree-compiler',
    });
    expect(by.get('mkimage')?.fix).toBe('sudo apt-get install -y u-boot-tools');
    expect(by.get('qemu-system-aarch64')?.fix).toBe('sudo apt-get install -y qemu-system-arm');
    expect(by.get('qemu-system-x86_64')?.fix).toBe('sudo apt-get install -y qemu-system-x86');
    for (const id of ['xen-4.17-arm64', 'xen-4.20-arm64', 'linux-arm64', 'busybox-amd64']) {
      expect(by.get(id)?.present).toBe(false);
      expect(by.get(id)?.fix).toMatch(/^sudo bash \/.*scripts\/setup-system\.sh$/);
    }
    expect(text).toMatch(/^MISSING {2}dtc /m);
  });

  it('reports versions and paths of what is there (stub tools, a cache as setup writes it)', async () => {
    const bin = tmp();
    const stub = (name: string, output: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\necho '${output}'\n`);
      chmodSync(join(bin, name), 0o755);
    };
    stub('dtc', 'Version: DTC 1.6.1');
    stub('mkimage', 'mkimage version 2023.01+dfsg-2');
    stub('qemu-system-aarch64', 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)');
    const cache = tmp();
    mkdirSync(join(cache, 'debs/busybox-static-arm64-bookworm/bin'), { recursive: true });
    writeFileSync(join(cache, 'debs/busybox-static-arm64-bookworm/bin/busybox'), '');
    writeFileSync(
      join(cache, 'debs/manifest.json'),
      JSON.stringify({
        packages: [
          {
            key: 'busybox-static-arm64-bookworm',
            package: 'busybox-static',
            arch: 'arm64',
            suite: 'bookworm',
            version: '1:1.35.0-4',
            path: 'busybox-static-arm64-bookworm',
          },
        ],
      }),
    );
    const { code, items } = await doctor({ PATH: bin, DOMBUILD_CACHE: cache });
    expect(code).toBe(1);
    const by = new Map(items.map((i) => [i.name, i]));
    expect(by.get('dtc')).toEqual({
      name: 'dtc',
      purpose: expect.any(String),
      present: true,
      version: '1.6.1',
      path: join(bin, 'dtc'),
    });
    expect(by.get('mkimage')?.version).toBe('2023.01+dfsg-2');
    expect(by.get('qemu-system-aarch64')?.version).toBe('7.2.22');
    expect(by.get('qemu-system-x86_64')?.present).toBe(false);
    expect(by.get('busybox-arm64')).toMatchObject({
      present: true,
      version: 'busybox-static 1:1.35.0-4 (bookworm)',
    });
    expect(by.get('busybox-amd64')?.present).toBe(false);
  });

  // After scripts/setup-system.sh (as in CI), the real machine has everything.
  it.skipIf(!inCI && !existsSync(UBOOT_QEMU_ARM64))(
    'exits 0 on a machine set up by setup-system.sh',
    async () => {
      const { code, items } = await doctor(process.env);
      expect(items.filter((i) => !i.present)).toEqual([]);
      expect(code).toBe(0);
    },
  );
});
