// `dombuild run` owns the process's signals while QEMU runs (the runner library installs none):
// SIGTERM stops QEMU, removes the scratch folder and ends with 128 + 15. QEMU here is a stand-in
// that prints its pid and sleeps; the board's device tree still comes from the real QEMU.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { requireTools } from '../support/tools.js';

const gate = requireTools(
  ['qemu-system-aarch64'],
  'apt-get install qemu-system-arm (scripts/setup-system.sh)',
);
const work = mkdtempSync(join(tmpdir(), 'dombuild-signals-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// The real QEMU's path, taken before the stand-in goes first on PATH.
const realQemu = gate.available
  ? spawnSync('sh', ['-c', 'command -v qemu-system-aarch64'], { encoding: 'utf8' }).stdout.trim()
  : 'false';
const main = new URL('../../cli/main.ts', import.meta.url).pathname;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function setup(qemuScript: string) {
  const dir = mkdtempSync(join(work, 'case-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'tmp'));
  const qemu = join(dir, 'bin', 'qemu-system-aarch64');
  writeFileSync(
    qemu,
    `#!/bin/sh\ncase "$*" in *dumpdtb*) exec ${JSON.stringify(realQemu)} "$@";; esac\n${qemuScript}\n`,
  );
  chmodSync(qemu, 0o755);
  writeFileSync(join(dir, 'xen'), new Uint8Array(0x10000));
  writeFileSync(
    join(dir, 'sys.yaml'),
    'xen: { release: "4.20", image: xen }\nboard: qemu-virt-arm64\nboot: { method: direct }\ndomains:\n  - { name: a, kernel: probe, memory: 64M }\n',
  );
  return dir;
}

// A host still running after its test (a failed expectation, a timeout) is stopped the way a user
// would, with SIGTERM, so it takes its QEMU with it.
const hosts = new Set<ReturnType<typeof spawn>>();
afterEach(() => {
  for (const h of hosts) if (h.exitCode === null && h.signalCode === null) h.kill('SIGTERM');
  hosts.clear();
});

function host(dir: string, path = `${join(dir, 'bin')}:${process.env.PATH}`, timeout = '60') {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { main } = await import(${JSON.stringify(main)});
       process.exitCode = await main(['run', ${JSON.stringify(join(dir, 'sys.yaml'))}, '--timeout', ${JSON.stringify(timeout)}]);`,
    ],
    {
      // The repo, where `--import tsx` resolves.
      cwd: new URL('../../', import.meta.url).pathname,
      // The stand-in comes first on PATH (it hands dumpdtb to the real QEMU).
      env: {
        ...process.env,
        PATH: path,
        TMPDIR: join(dir, 'tmp'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  hosts.add(child);
  return child;
}

const scratch = (dir: string) => readdirSync(join(dir, 'tmp')).filter((n) => n.startsWith('dombuild-run-'));

describe.skipIf(!gate.available)('dombuild run and signals', () => {
  it('a console where Xen never spoke says "Xen printed nothing" with the causes, not each guest', async () => {
    // A boot loader's lines and then silence: what a Xen that dies before its console looks like.
    const dir = setup('echo "U-Boot 2023.01"\nexec sleep 30');
    const child = host(dir, undefined, '3');
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code, stdout).toBe(1);
    expect(stdout).toMatch(/^FAILED: Xen printed nothing \(/m);
    expect(stdout).toContain('likely causes:');
    expect(stdout).not.toMatch(/never printed/);
  });

  it('a failed run names what each domain not up was waited for, and keeps its folder', async () => {
    const dir = setup('echo "nothing to see"');
    const child = host(dir);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code, stdout).toBe(1);
    expect(stdout).toMatch(/^FAILED: /m);
    expect(stdout).toMatch(/^ {2}a never printed (".+"|\/.+\/[a-z]*)$/m);
    expect(scratch(dir)).toHaveLength(1);
    expect(stdout).toContain(join(dir, 'tmp', scratch(dir)[0] as string));
  }, 60_000);

  it('QEMU missing at boot: exit 2 and the scratch folder is gone', async () => {
    // The stand-in answers dumpdtb, then removes itself; PATH holds nothing else.
    const dir = setup('exit 0');
    const qemu = join(dir, 'bin', 'qemu-system-aarch64');
    writeFileSync(
      qemu,
      `#!/bin/sh\n${JSON.stringify(realQemu)} "$@"; rc=$?\n/bin/rm -f ${JSON.stringify(qemu)}\nexit $rc\n`,
    );
    const child = host(dir, join(dir, 'bin'));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(existsSync(qemu), 'the stand-in removed itself').toBe(false);
    expect(code, stderr).toBe(2);
    expect(stderr).toContain('qemu-system-aarch64');
    expect(scratch(dir)).toEqual([]);
  }, 30_000);

  it('SIGTERM stops QEMU, removes the scratch folder and exits 143', async () => {
    const dir = setup('echo "PID $$"\nexec sleep 30');
    const child = host(dir);
    let stderr = '';
    const pid = await new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /PID (\d+)/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
      child.on('close', () => reject(new Error(`ended before QEMU started:\n${stderr}`)));
    });
    expect(alive(pid)).toBe(true);
    expect(scratch(dir)).toHaveLength(1);
    const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await ended, stderr).toBe(143);
    for (let i = 0; i < 40 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
    expect(scratch(dir)).toEqual([]);
  }, 60_000);
});
