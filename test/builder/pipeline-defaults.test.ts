// Defaults that depend on the board's architecture: a config that names no boot method boots
// through U-Boot on Arm and through GRUB on x86 (the schema alone cannot know the arch).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

describe('boot.method when the config names none', () => {
  it('an x86 board defaults to grub: validate passes and build writes grub.cfg', async () => {
    const dir = tempDir('dombuild-defaults-');
    writeFileSync(join(dir, 'vmlinuz'), gzipSync(new Uint8Array(4096)));
    writeFileSync(
      join(dir, 'sys.yaml'),
      'xen: { release: "4.17" }\nboard: qemu-q35-x86_64\ndom0: { kernel: vmlinuz, memory: 512M }\n',
    );
    const v = await runCliCaptured(['validate', 'sys.yaml', '--json'], { cwd: dir });
    expect(JSON.parse(v.stdout).diagnostics.map((d: { id: string }) => d.id)).not.toContain('arch-settings');
    expect(v.code).toBe(0);
    const b = await runCliCaptured(['build', 'sys.yaml', '-o', 'out'], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/wrote .*grub\.cfg/);
  });

  it('an explicit uboot on x86 is still refused (arch-settings)', async () => {
    const dir = tempDir('dombuild-defaults-');
    writeFileSync(join(dir, 'vmlinuz'), gzipSync(new Uint8Array(4096)));
    writeFileSync(
      join(dir, 'sys.yaml'),
      'xen: { release: "4.17" }\nboard: qemu-q35-x86_64\nboot: { method: uboot }\ndom0: { kernel: vmlinuz }\n',
    );
    const v = await runCliCaptured(['validate', 'sys.yaml', '--json'], { cwd: dir });
    expect(JSON.parse(v.stdout).diagnostics.map((d: { id: string }) => d.id)).toContain('arch-settings');
  });

  it('an Arm board keeps uboot (boot.scr is written)', async () => {
    const dir = tempDir('dombuild-defaults-');
    writeFileSync(
      join(dir, 'sys.yaml'),
      'xen: { release: "4.17" }\nboard: qemu-virt-arm64\ndomains:\n  - { name: g, kernel: probe, memory: 64M }\n',
    );
    const b = await runCliCaptured(['build', 'sys.yaml', '-o', 'out', '--only', 'uboot'], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/wrote .*boot\.scr/);
  });
});
