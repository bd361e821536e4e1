// Stand-ins for the files the ImageBuilder fixtures name, written into a folder so that the import
// (which reads DEVICE_TREE and APPEND_EXTRA_CMDS), dombuild's build and ImageBuilder's own
// uboot-script-gen (which checks each file's type with file(1)) all find what they expect. Built
// with dombuild's own codecs, so staging needs no external tool.
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildQemuVirtDtb } from '../../boards/index.js';
import { compileDts, writeDtb } from '../../devicetree/index.js';
import { writeCpio } from '../../images/cpio.js';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

/** An arm64 Image of `size` bytes: the 64-byte header (Linux's booting.rst) and zeros. */
export function arm64Image(size: number): Uint8Array {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x91005a4d, true);
  v.setUint32(4, 0x14000000, true);
  v.setBigUint64(16, BigInt(size), true); // image_size: no BSS beyond the file
  v.setBigUint64(24, 0xan, true);
  v.setUint32(56, 0x644d5241, true); // "ARM\x64"
  return b;
}

const PARTIAL_DTS = `/dts-v1/;
/ {
  #address-cells = <2>;
  #size-cells = <2>;
  passthrough {
    compatible = "simple-bus";
    ranges;
    #address-cells = <2>;
    #size-cells = <2>;
    ethernet@a003e00 {
      compatible = "virtio,mmio";
      reg = <0x0 0xa003e00 0x0 0x200>;
      interrupts = <0 47 1>;
      interrupt-parent = <0xfde8>;
      xen,reg = <0x0 0xa003e00 0x0 0x200 0x0 0xa003e00>;
      xen,path = "/virtio_mmio@a003e00";
    };
  };
};
`;

const OVERLAY_DTS = `/dts-v1/;
/plugin/;
&{/} {
  dombuild-overlay-test {
    compatible = "dombuild,test";
  };
};
`;

/** Writes every stand-in into `dir`; `config` (a fixture name) is copied there as `config`. */
export function stage(dir: string, fixture: string): string {
  writeFileSync(join(dir, 'Image'), arm64Image(2 << 20));
  writeFileSync(join(dir, 'xen'), arm64Image(1 << 20));
  const cpio = writeCpio([
    { path: 'init', type: 'file', mode: 0o755, data: new TextEncoder().encode('#!/bin/sh\n') },
  ]);
  writeFileSync(join(dir, 'initrd'), gzipSync(cpio));
  writeFileSync(join(dir, 'dom0-rootfs.cpio.gz'), gzipSync(cpio));
  writeFileSync(join(dir, 'virt.dtb'), writeDtb(buildQemuVirtDtb({ gic: 2, ram: 2n << 30n, cpus: 2 })));
  writeFileSync(
    join(dir, 'passthrough.dtb'),
    writeDtb(compileDts(PARTIAL_DTS, { file: 'partial.dts' }).tree),
  );
  writeFileSync(
    join(dir, 'overlay.dtbo'),
    writeDtb(compileDts(OVERLAY_DTS, { file: 'overlay.dts', plugin: 'symbols' }).tree),
  );
  // The Xilinx .bit header file(1) knows ("Xilinx BIT data"), which ImageBuilder checks for.
  writeFileSync(
    join(dir, 'download.bit'),
    new Uint8Array([
      0x00, 0x09, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x00, 0x00, 0x01, 0x61, 0x00, 0x05, 0x74,
      0x2e, 0x6e, 0x63, 0x64, 0x00, 0x62, 0x00, 0x08, 0x78, 0x63, 0x7a, 0x75, 0x39, 0x65, 0x67, 0x00,
    ]),
  );
  writeFileSync(join(dir, 'extra.txt'), 'echo booting the imported system\nsetenv bootdelay 0\n');
  writeFileSync(join(dir, 'xsm.policy'), new Uint8Array(4096).fill(0x8c));
  const config = join(dir, 'config');
  copyFileSync(join(FIXTURES, fixture), config);
  return config;
}
