// board-ram against real Xen (Debian's 4.17 and 4.20) under QEMU virt with 2 GiB: the largest
// memory the check allows for the second of two domains boots, and 1 MiB more, which the check
// refuses at that domain's memory field, makes Xen panic when forced through with --no-validate.
// The boundary is found by asking `dombuild validate` itself (bisection over whole MiB), so the
// test follows the check rather than a number copied from it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { probeGuestImage } from '../../images/probe.js';
import { dombuild, removeKept } from './helpers/cli.js';
import { bootGate } from './helpers/system.js';

const gate = bootGate(['qemu-system-aarch64']);
const boot = gate.available ? test.serial : test.serial.skip;

const made: string[] = [];
test.after.always(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function config(dir: string, release: string, mib: number): string {
  const file = join(dir, `big-${mib}.yaml`);
  writeFileSync(
    file,
    `xen:
  release: "${release}"
  cmdline: "console=dtuart dtuart=/pl011@9000000 bootscrub=0"
board: qemu-virt-arm64
domains:
  - name: small
    kernel: { probe: "small up" }
    memory: 64M
    vcpus: 1
    vpl011: true
  - name: big
    kernel: { probe: "big up" }
    memory: ${mib}M
    vcpus: 2
    vpl011: true
`,
  );
  return file;
}

interface Report {
  diagnostics: { id: string; severity: string; path: string; message: string; hint?: string }[];
}

async function boardRam(file: string) {
  const r = await dombuild(['validate', file, '--json']);
  return (JSON.parse(r.out) as Report).diagnostics.find((d) => d.id === 'board-ram');
}

for (const release of ['4.17', '4.20']) {
  boot(`Xen ${release}: the largest size board-ram allows boots; 1 MiB more panics`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dombuild-ram-e2e-'));
    made.push(dir);
    let lo = 1024;
    let hi = 2048;
    t.is(await boardRam(config(dir, release, lo)), undefined);
    t.truthy(await boardRam(config(dir, release, hi)));
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (await boardRam(config(dir, release, mid))) hi = mid;
      else lo = mid;
    }
    const refused = await boardRam(config(dir, release, hi));
    t.is(refused?.path, 'domains[1].memory');
    t.regex(refused?.hint ?? '', new RegExp(`at most ${lo}M is left for big`));
    t.log(`board-ram allows big up to ${lo} MiB next to small's 64 MiB on 2 GiB`);

    const ok = await dombuild([
      'run',
      config(dir, release, lo),
      '--method',
      'direct',
      '--timeout',
      '60',
      '--quiet',
    ]);
    removeKept(ok);
    t.is(ok.code, 0, ok.out.slice(-2000));

    const log = join(dir, 'refused.log');
    const over = await dombuild([
      'run',
      config(dir, release, hi),
      '--method',
      'direct',
      '--timeout',
      '60',
      '--quiet',
      '--no-validate',
      '--log',
      log,
    ]);
    removeKept(over);
    t.is(over.code, 1);
    t.regex(readFileSync(log, 'utf8'), /Failed to allocate requested domain memory/);
  });
}

// The boot modules stay in RAM until every domain is built, so the plan (which knows their sizes)
// counts them (plan-xen-ram): with a 32 MiB kernel the largest size is 32 MiB lower (1976 MiB, as
// measured), and 1 MiB more, forced through with --no-validate, panics.
for (const release of ['4.17', '4.20']) {
  boot(
    `Xen ${release}: with a 32 MiB kernel the largest size the plan allows boots; 1 MiB more panics`,
    async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'dombuild-ram-e2e-'));
      made.push(dir);
      const kernel = new Uint8Array(32 * 1024 * 1024);
      kernel.set(probeGuestImage({ marker: 'big up' }));
      writeFileSync(join(dir, 'k32.img'), kernel);
      const cfg = (mib: number) => {
        const file = join(dir, `k32-${mib}.yaml`);
        writeFileSync(
          file,
          `xen:\n  release: "${release}"\n  cmdline: "console=dtuart dtuart=/pl011@9000000 bootscrub=0"\nboard: qemu-virt-arm64\nboot: { method: direct }\ndomains:\n  - { name: big, kernel: k32.img, memory: ${mib}M, vcpus: 1, vpl011: true }\n`,
        );
        return file;
      };
      const plans = async (mib: number) => (await dombuild(['plan', cfg(mib), '--json'])).code === 0;
      let lo = 1024;
      let hi = 2048;
      t.true(await plans(lo));
      t.false(await plans(hi));
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (await plans(mid)) lo = mid;
        else hi = mid;
      }
      t.is(lo, 1976);
      const r = await dombuild(['run', cfg(lo), '--timeout', '60', '--quiet', '--expect', 'big=/big up/']);
      removeKept(r);
      t.is(r.code, 0, r.out.slice(-2000));
      const log = join(dir, 'refused.log');
      const over = await dombuild([
        'run',
        cfg(hi),
        '--timeout',
        '60',
        '--quiet',
        '--no-validate',
        '--log',
        log,
        '--expect',
        'big=/big up/',
      ]);
      removeKept(over);
      t.is(over.code, 1);
      t.regex(readFileSync(log, 'utf8'), /Failed to allocate requested domain memory/);
    },
  );
}
