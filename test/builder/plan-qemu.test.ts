// Direct-mode plans judged by QEMU's own loader: QEMU refuses overlapping ROMs ("rom: requested
// regions overlap") when the machine is created, so every planned image is handed to it as
// -kernel / -dtb / -device loader at its planned address, and QEMU must accept the lot. The judge
// is first shown to reject a module placed on top of its DTB.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildQemuVirtDtb, type QemuVirtParams, qemuVirtArgs, qemuVirtBoard } from '../../boards/index.js';
import type { ResolvedImage } from '../../builder/image-files.js';
import { planLayout } from '../../builder/plan/planner.js';
import type { BootPlan } from '../../builder/plan/types.js';
import { writeDtb } from '../../devicetree/index.js';
import { qemuMonitor } from '../boards/qemu-monitor.js';
import { requireTools } from '../support/tools.js';
import { config, guest, image, KiB, MiB } from './plan-support.js';

const gate = requireTools(['qemu-system-aarch64'], 'apt-get install qemu-system-arm');
const dir = mkdtempSync(join(tmpdir(), 'dombuild-plan-qemu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file of `size` bytes; an arm64 Image header when `textOffset` is given. */
function file(name: string, size: bigint, textOffset?: bigint): string {
  const path = join(dir, name.replace(/\//g, '_'));
  const head = new Uint8Array(Number(size < 64n ? size : 64n));
  if (textOffset !== undefined && size >= 64n) {
    const dv = new DataView(head.buffer);
    dv.setBigUint64(8, textOffset, true);
    dv.setBigUint64(16, size, true);
    dv.setBigUint64(24, 0xan, true);
    dv.setUint32(56, 0x644d5241, true);
  }
  writeFileSync(path, head);
  truncateSync(path, Number(size));
  return path;
}

async function qemuAccepts(p: QemuVirtParams, plan: BootPlan, images: ResolvedImage[], extra: string[] = []) {
  const dtb = join(dir, 'system.dtb');
  writeFileSync(dtb, writeDtb(buildQemuVirtDtb(p)));
  const args = [...qemuVirtArgs(p), '-dtb', dtb];
  for (const img of plan.images) {
    const src = images.find((i) => i.name === img.name);
    if (img.role === 'xen') args.push('-kernel', file('xen', img.size, src?.textOffset ?? 0n));
    else if (img.role === 'kernel' || img.role === 'ramdisk')
      args.push(
        '-device',
        `loader,file=${file(img.name, img.size)},addr=0x${img.address.toString(16)},force-raw=on`,
      );
  }
  args.push(...extra);
  const r = await qemuMonitor(args, ['info roms']);
  return { ok: r.code === 0 && !/overlap/i.test(r.stderr), stderr: r.stderr, stdout: r.stdout };
}

describe.skipIf(!gate.available)(`direct plans loaded by QEMU ${gate.reason}`, () => {
  const p: QemuVirtParams = { gic: 3, ram: 1n << 30n, cpus: 2 };
  const board = qemuVirtBoard(p);

  it('the judge rejects a module on top of the DTB', async () => {
    const cfg = config({ boot: { method: 'direct' }, domains: [guest('a')] });
    const images = [image('xen', MiB, { textOffset: 0n }), image('a/kernel', 4n * KiB)];
    const plan = planLayout({ config: cfg, board, images }).plan!;
    const bad = file('bad', 64n * KiB);
    const r = await qemuAccepts(p, plan, images, [
      '-device',
      `loader,file=${bad},addr=0x${plan.dtbAddress.toString(16)},force-raw=on`,
    ]);
    expect(r.ok).toBe(false);
    expect(r.stderr).toMatch(/ROM regions are overlapping/);
  });

  it('accepts every planned image at its planned address', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          xen: fc.bigInt(64n * KiB, 3n * MiB),
          guests: fc.array(
            fc.record({
              k: fc.bigInt(4n * KiB, 40n * MiB),
              r: fc.option(fc.bigInt(4n * KiB, 40n * MiB), { nil: undefined }),
            }),
            {
              minLength: 1,
              maxLength: 5,
            },
          ),
        }),
        async ({ xen, guests }) => {
          const cfg = config({ boot: { method: 'direct' }, domains: guests.map((_, i) => guest(`g${i}`)) });
          const images: ResolvedImage[] = [image('xen', xen, { textOffset: 0n })];
          guests.forEach((g, i) => {
            images.push(image(`g${i}/kernel`, g.k));
            if (g.r !== undefined) images.push(image(`g${i}/ramdisk`, g.r));
          });
          const plan = planLayout({ config: cfg, board, images }).plan!;
          expect(plan).toBeDefined();
          const r = await qemuAccepts(p, plan, images);
          expect(r.ok, r.stderr).toBe(true);
          // QEMU put Xen and the DTB where the plan says
          expect(r.stdout).toContain(`addr=${plan.xenAddress.toString(16).padStart(16, '0')}`);
          expect(r.stdout).toMatch(
            new RegExp(
              `addr=${plan.dtbAddress.toString(16).padStart(16, '0')} size=0x[0-9a-f]+ mem=ram name="dtb"`,
            ),
          );
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});
