// The room the built-in board keeps for U-Boot at the top of RAM, judged by Debian's U-Boot
// itself: boot it under QEMU, stop autoboot, run `bdinfo`, and check that every LMB reservation
// it reports (its relocated code, heap, stack, FDT) lies inside the range the planner excludes.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { qemuVirtArgs, qemuVirtBoard } from '../../boards/index.js';
import { killChild, spawnBound } from '../support/children.js';
import { inCI, requireTools, type ToolGate } from '../support/tools.js';

const UBOOT = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';
const gate = ubootGate();

function ubootGate(): ToolGate {
  const qemu = requireTools(['qemu-system-aarch64'], 'apt-get install qemu-system-arm u-boot-qemu');
  if (!qemu.available || existsSync(UBOOT)) return qemu;
  const reason = `missing ${UBOOT} (apt-get install u-boot-qemu)`;
  if (inCI) throw new Error(`CI=true and a required tool is missing: ${reason}`);
  return { available: false, reason };
}

const MiB = 1n << 20n;

async function bdinfo(args: string[]): Promise<string> {
  // Bound to the test: killed at its end or timeout, and by the kernel if the worker dies.
  const child = spawnBound('qemu-system-aarch64', [...args, '-nographic', '-no-reboot', '-bios', UBOOT]);
  let out = '';
  let stage = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killChild(child);
      reject(new Error(`U-Boot did not answer in time:\n${out}`));
    }, 60_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('latin1');
      if (stage === 0 && out.includes('Hit any key')) {
        stage = 1;
        child.stdin.write('\n');
      } else if (stage === 1 && /=> $/m.test(out)) {
        stage = 2;
        child.stdin.write('bdinfo\n');
      } else if (stage === 2 && /sp start[^\n]*\n[\s\S]*=> /.test(out)) {
        stage = 3;
        clearTimeout(timer);
        killChild(child);
        resolve(out.replace(/\r/g, ''));
      }
    });
    child.stdin.on('error', () => {});
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (stage < 3) reject(new Error(`QEMU ended (${code}) before bdinfo answered:\n${out}`));
    });
  });
}

describe.skipIf(!gate.available)(`U-Boot relocation area of qemu-virt-arm64 ${gate.reason}`, () => {
  for (const ram of [256n * MiB, 2048n * MiB]) {
    it(`covers every LMB reservation bdinfo reports with ${ram / MiB} MiB`, async () => {
      const p = { gic: 3 as const, ram, cpus: 2 };
      const text = await bdinfo(qemuVirtArgs(p));
      const reserved = [...text.matchAll(/reserved\[\d+\]\s+\[0x([0-9a-f]+)-0x([0-9a-f]+)\]/g)].map((m) => ({
        start: BigInt(`0x${m[1]}`),
        end: BigInt(`0x${m[2]}`) + 1n,
      }));
      expect(reserved.length).toBeGreaterThan(0);
      const board = qemuVirtBoard(p);
      const top = board.ram[0]!.start + board.ram[0]!.size;
      const from = top - board.uboot!.relocationSize;
      for (const r of reserved) {
        expect(r.start >= from && r.end <= top, `0x${r.start.toString(16)}..0x${r.end.toString(16)}`).toBe(
          true,
        );
      }
      const relocaddr = BigInt(/relocaddr\s+= (0x[0-9a-f]+)/.exec(text)![1]!);
      expect(relocaddr >= from && relocaddr < top).toBe(true);
    }, 90_000);
  }
});
