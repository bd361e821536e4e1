import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImageError } from '../../images/errors.js';
import { arm64ImageInfo, kernelImageInfo } from '../../images/kernel-header.js';
import { MAX_MARKER_LENGTH, MMIO_PREFIX, probeGuestImage, QEMU_VIRT_PL011_BASE } from '../../images/probe.js';
import { requireTools } from '../support/tools.js';
import { debPath, requireCached } from './cache.js';
import { bootUntil } from './qemu.js';
import { run, withDirAsync } from './run.js';

const qemu = requireTools(['qemu-system-aarch64'], 'apt-get install qemu-system-arm');
const xens = [
  { release: '4.17', path: debPath('xen-hypervisor-4.17-arm64-bookworm', 'boot', 'xen-4.17-arm64') },
  { release: '4.20', path: debPath('xen-hypervisor-4.20-arm64-trixie', 'boot', 'xen-4.20-arm64') },
];
const dtc = requireTools(['dtc'], 'apt-get install device-tree-compiler');

const markerArb = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: MAX_MARKER_LENGTH,
});

function code(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof ImageError ? e.code : `other: ${e}`;
  }
}

describe('probeGuestImage', () => {
  it('is an arm64 Image with text_offset 0x80000, flags 0xa and image_size = its length', () => {
    fc.assert(
      fc.property(
        markerArb,
        fc.bigInt({ min: 0n, max: 2n ** 62n - 1n }).map((v) => v * 4n),
        (marker, uartBase) => {
          const img = probeGuestImage({ marker, uartBase });
          const info = arm64ImageInfo(img);
          expect(info.textOffset).toBe(0x80000n);
          expect(info.flags).toBe(0xan);
          expect(info.pageSize).toBe(4096);
          expect(info.placeAnywhere).toBe(true);
          expect(info.imageSize).toBe(BigInt(img.length));
          expect(img.length % 8).toBe(0);
          expect(kernelImageInfo(img).kind).toBe('arm64-image');
          // the marker is stored once, verbatim, followed by CR LF NUL
          expect(Buffer.from(img).includes(Buffer.from(`${marker}\r\n\0`, 'latin1'))).toBe(true);
          expect(probeGuestImage({ marker, uartBase })).toEqual(img);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('defaults to the dom0less vpl011', () => {
    const a = probeGuestImage({ marker: 'x' });
    expect(a).toEqual(probeGuestImage({ marker: 'x', uartBase: 0x22000000n }));
  });

  it('refuses markers and addresses it cannot print to', () => {
    expect(code(() => probeGuestImage({ marker: '' }))).toBe('BADINPUT');
    expect(code(() => probeGuestImage({ marker: 'x'.repeat(257) }))).toBe('BADINPUT');
    expect(code(() => probeGuestImage({ marker: 'x'.repeat(256) }))).toBe('ok');
    expect(code(() => probeGuestImage({ marker: 'a\nb' }))).toBe('BADINPUT');
    expect(code(() => probeGuestImage({ marker: 'caf\u00e9' }))).toBe('BADINPUT');
    expect(code(() => probeGuestImage({ marker: 'x', uartBase: 0x9000001n }))).toBe('BADINPUT');
    expect(code(() => probeGuestImage({ marker: 'x', uartBase: 2n ** 64n }))).toBe('BADINPUT');
    expect(code(() => probeGuestImage({ marker: 'x', mmio: { base: 0x9030fe2n, count: 1 } }))).toBe(
      'BADINPUT',
    );
    expect(code(() => probeGuestImage({ marker: 'x', mmio: { base: 0x9030fe0n, count: 0 } }))).toBe(
      'BADINPUT',
    );
    expect(code(() => probeGuestImage({ marker: 'x', mmio: { base: 0x9030fe0n, count: 65 } }))).toBe(
      'BADINPUT',
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), (s) => {
        const ok = /^[\x20-\x7e]+$/.test(s);
        expect(code(() => probeGuestImage({ marker: s }))).toBe(ok ? 'ok' : 'BADINPUT');
      }),
    );
  });
});

describe.skipIf(!qemu.available)(`probe guest under QEMU (${qemu.reason || 'qemu-system-aarch64'})`, () => {
  async function boot(marker: string): Promise<void> {
    const img = probeGuestImage({ marker, uartBase: QEMU_VIRT_PL011_BASE });
    await withDirAsync(async (_dir, io) => {
      io.write('probe.img', img);
      const r = await bootUntil(
        'qemu-system-aarch64',
        [
          '-machine',
          'virt',
          '-cpu',
          'cortex-a57',
          '-m',
          '256M',
          '-nographic',
          '-monitor',
          'none',
          '-kernel',
          io.path('probe.img'),
        ],
        `${marker}\r\n`,
        20_000,
      );
      expect(r.found, r.output).toBe(true);
    });
  }

  it('prints its marker on the PL011 of QEMU virt', async () => {
    await boot('dombuild probe: hello from the guest');
  });

  it('reads the PrimeCell ID registers of the PL061 and PL011 and prints their low bytes', async () => {
    // QEMU's pl061_id and pl011 id_arm tables (hw/gpio/pl061.c, hw/char/pl011.c), 0xfe0..0xffc.
    for (const [base, ids] of [
      [0x09030fe0n, '61 10 04 00 0d f0 05 b1'],
      [0x09000fe0n, '11 10 14 00 0d f0 05 b1'],
    ] as const) {
      const img = probeGuestImage({
        marker: 'mmio',
        uartBase: QEMU_VIRT_PL011_BASE,
        mmio: { base, count: 8 },
      });
      await withDirAsync(async (_dir, io) => {
        io.write('probe.img', img);
        const want = `${MMIO_PREFIX} 0x${base.toString(16)}: ${ids}\r\n`;
        const r = await bootUntil(
          'qemu-system-aarch64',
          [
            '-machine',
            'virt',
            '-cpu',
            'cortex-a57',
            '-m',
            '256M',
            '-nographic',
            '-monitor',
            'none',
            '-kernel',
            io.path('probe.img'),
          ],
          want,
          20_000,
        );
        expect(r.found, r.output).toBe(true);
      });
    }
  });

  it('prints random markers, including the longest allowed', async () => {
    await boot('~'.repeat(MAX_MARKER_LENGTH));
    await fc.assert(
      fc.asyncProperty(markerArb, (m) => boot(m)),
      { numRuns: 3 },
    );
  });
});

for (const xen of xens) {
  const xenGate =
    qemu.available && dtc.available
      ? requireCached([xen.path])
      : { available: false, reason: qemu.reason || dtc.reason };
  describe.skipIf(!xenGate.available)(
    `probe guests under Xen ${xen.release} dom0less (${xenGate.reason || 'cache'})`,
    () => {
      it('two probe guests each print their marker through vpl011', async () => {
        const guests = [
          { marker: 'dombuild-probe-one', addr: 0x50000000 },
          { marker: 'dombuild-probe-two', addr: 0x50200000 },
        ];
        const machine = 'virt,gic-version=3,virtualization=true';
        const common = ['-machine', machine, '-cpu', 'cortex-a57', '-m', '2G', '-smp', '2', '-nographic'];
        await withDirAsync(async (dir, io) => {
          const dump = run('qemu-system-aarch64', [...common, '-machine', 'dumpdtb=virt.dtb'], { cwd: dir });
          expect(dump.status, dump.stderr).toBe(0);
          const dts = run('dtc', ['-q', '-I', 'dtb', '-O', 'dts', 'virt.dtb'], { cwd: dir });
          expect(dts.status, dts.stderr).toBe(0);
          const domains = guests.map((g, i) => {
            const img = probeGuestImage({ marker: g.marker });
            io.write(`g${i}.img`, img);
            const at = g.addr.toString(16);
            return `domU${i + 1} { compatible = "xen,domain"; #address-cells = <2>; #size-cells = <2>;
          memory = <0 0x10000>; cpus = <1>; vpl011;
          module@${at} { compatible = "multiboot,kernel", "multiboot,module"; reg = <0 0x${at} 0 ${img.length}>; }; };`;
          });
          io.write(
            'system.dts',
            `${dts.stdout}\n/ { chosen { #address-cells = <2>; #size-cells = <2>;
          xen,xen-bootargs = "console=dtuart dtuart=/pl011@9000000 bootscrub=0";
          ${domains.join('\n')} }; };\n`,
          );
          const cc = run('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', 'system.dtb', 'system.dts'], {
            cwd: dir,
          });
          expect(cc.status, cc.stderr).toBe(0);
          const r = await bootUntil(
            'qemu-system-aarch64',
            [
              ...common,
              '-monitor',
              'none',
              '-no-reboot',
              '-kernel',
              xen.path,
              '-dtb',
              io.path('system.dtb'),
              ...guests.flatMap((g, i) => [
                '-device',
                `loader,file=${io.path(`g${i}.img`)},addr=0x${g.addr.toString(16)}`,
              ]),
            ],
            guests.map((g) => `${g.marker}\r`),
            60_000,
          );
          expect(r.found, r.output.slice(-3000)).toBe(true);
        });
      });
    },
  );
}
