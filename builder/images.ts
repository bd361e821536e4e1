// Image resolution: every file a config loads, found relative to the config file, measured and
// hashed, with kernels' headers read for the room they really need (BSS past the end of the file).
// The planner is pure; this is the one step before it that reads the disk.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ImageError } from '../images/errors.js';
import { kernelImageInfo } from '../images/kernel-header.js';
import { probeGuestImage, QEMU_VIRT_PL011_BASE, XEN_VPL011_BASE } from '../images/probe.js';
import type { Config, FileRef, KernelRef } from '../schema/config.js';
import type { Diagnostic } from '../schema/diagnostic.js';
import type { ImageRole } from './plan/types.js';

export interface ResolvedImage {
  /** Unique plan name: `xen`, `xsm-policy`, `dom0/kernel`, `domU1/ramdisk`, `domU1/device-tree`. */
  name: string;
  role: ImageRole;
  domain?: string;
  /** Absolute path, for images read from disk. */
  file?: string;
  /** Bytes the loader writes (the file length). */
  size: bigint;
  /** Bytes that must stay free at the load address (image_size of an arm64 Image when larger). */
  effectiveSize: bigint;
  sha256?: string;
  /** gzip data (Xen decompresses kernels itself; the room needed after that is unknown). */
  gzip?: boolean;
  /** arm64 Image text_offset: QEMU's -kernel and booti load at a 2 MiB boundary plus this. */
  textOffset?: bigint;
  /** A stand-in size for an image that is not there yet; the plan is indicative only. */
  placeholder?: boolean;
  /** Bytes dombuild writes itself (the probe guest); the build writes exactly these. */
  generated?: Uint8Array;
  /** Per-image U-Boot load command overriding the board's. */
  loadCommand?: string;
  /** Bytes dombuild generates later (partial DTB from `passthrough.devices`): room reserved. */
  reservedOnly?: boolean;
}

export interface ResolveOptions {
  /** Folder paths in the config are relative to. */
  configDir: string;
  /** Reads a file; defaults to fs. Tests pass an in-memory map. */
  read?: (path: string) => Promise<Uint8Array>;
}

/** Room planned for Xen when the config names no image: Debian's 4.17/4.20 arm64 Xen is ~1 MiB. */
export const XEN_PLACEHOLDER_SIZE = 0x40_0000n;
/** Room planned for a partial DTB that the build generates from `passthrough.devices`. */
export const GENERATED_PARTIAL_DTB_ROOM = 0x1_0000n;

/** The marker a probe guest prints when the config gives none. */
export function defaultProbeMarker(domain: string): string {
  return `dombuild-probe: ${domain} up`;
}

export async function resolveImages(
  config: Config,
  opts: ResolveOptions,
): Promise<{ images: ResolvedImage[]; diagnostics: Diagnostic[] }> {
  const read =
    opts.read ?? ((p: string) => readFile(p).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.length)));
  const diagnostics: Diagnostic[] = [];
  const images: ResolvedImage[] = [];

  const fromFile = async (
    name: string,
    role: ImageRole,
    ref: FileRef,
    path: string,
    domain?: string,
  ): Promise<ResolvedImage | undefined> => {
    const file = isAbsolute(ref.path) ? ref.path : resolve(opts.configDir, ref.path);
    let bytes: Uint8Array;
    try {
      bytes = await read(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      diagnostics.push({
        id: code === 'ENOENT' ? 'image-missing' : 'image-unreadable',
        severity: 'error',
        message: `${name}: cannot read ${file}${code ? ` (${code})` : ''}`,
        path,
        hint: 'paths are relative to the config file; check the file exists and is readable',
      });
      return undefined;
    }
    const img: ResolvedImage = {
      name,
      role,
      file,
      size: BigInt(bytes.length),
      effectiveSize: BigInt(bytes.length),
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    if (domain !== undefined) img.domain = domain;
    if (ref.load !== undefined) img.loadCommand = ref.load;
    if (bytes.length === 0) {
      diagnostics.push({
        id: 'image-empty',
        severity: 'error',
        message: `${name}: ${file} is empty`,
        path,
        hint: 'Xen rejects a module of size 0 ("Missing kernel boot module?")',
      });
    }
    if (role === 'kernel' || role === 'xen') applyKernelHeader(img, bytes, path, diagnostics);
    images.push(img);
    return img;
  };

  if (config.xen.image) {
    await fromFile('xen', 'xen', config.xen.image, 'xen.image');
  } else {
    // schema's `xen-image-missing` check warns about this; the plan marks the entry placeholder.
    images.push({
      name: 'xen',
      role: 'xen',
      size: XEN_PLACEHOLDER_SIZE,
      effectiveSize: XEN_PLACEHOLDER_SIZE,
      textOffset: 0n,
      placeholder: true,
    });
  }
  if (config.xen.xsmPolicy) await fromFile('xsm-policy', 'xsm-policy', config.xen.xsmPolicy, 'xen.xsmPolicy');

  if (config.dom0) {
    await fromFile('dom0/kernel', 'kernel', config.dom0.kernel, 'dom0.kernel', 'dom0');
    if (config.dom0.ramdisk)
      await fromFile('dom0/ramdisk', 'ramdisk', config.dom0.ramdisk, 'dom0.ramdisk', 'dom0');
  }

  for (const [i, d] of config.domains.entries()) {
    if (!d.boot) continue; // created later by the toolstack: nothing to load at boot
    const at = `domains[${i}]`;
    await resolveKernel(d.name, d.kernel, `${at}.kernel`, d.directMap === true);
    if (d.ramdisk) await fromFile(`${d.name}/ramdisk`, 'ramdisk', d.ramdisk, `${at}.ramdisk`, d.name);
    const pt = d.passthrough;
    if (pt?.dtb) {
      await fromFile(`${d.name}/device-tree`, 'device-tree', pt.dtb, `${at}.passthrough.dtb`, d.name);
    } else if (pt?.devices && pt.devices.length > 0) {
      images.push({
        name: `${d.name}/device-tree`,
        role: 'device-tree',
        domain: d.name,
        size: GENERATED_PARTIAL_DTB_ROOM,
        effectiveSize: GENERATED_PARTIAL_DTB_ROOM,
        reservedOnly: true,
      });
    }
  }
  return { images, diagnostics };

  async function resolveKernel(
    domain: string,
    ref: KernelRef,
    path: string,
    directMap: boolean,
  ): Promise<void> {
    if (ref.kind === 'file') {
      await fromFile(`${domain}/kernel`, 'kernel', ref, path, domain);
      return;
    }
    // A direct-mapped guest's vpl011 sits at the physical UART's address (recipes/qemu.md).
    const bytes = probeGuestImage({
      marker: ref.marker ?? defaultProbeMarker(domain),
      uartBase: directMap ? QEMU_VIRT_PL011_BASE : XEN_VPL011_BASE,
    });
    const img: ResolvedImage = {
      name: `${domain}/kernel`,
      role: 'kernel',
      domain,
      size: BigInt(bytes.length),
      effectiveSize: BigInt(bytes.length),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      generated: bytes,
    };
    applyKernelHeader(img, bytes, path, diagnostics);
    images.push(img);
  }
}

function applyKernelHeader(img: ResolvedImage, bytes: Uint8Array, path: string, diags: Diagnostic[]): void {
  let info: ReturnType<typeof kernelImageInfo>;
  try {
    info = kernelImageInfo(bytes);
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    diags.push({
      id: 'image-unknown-format',
      severity: 'warning',
      message: `${img.name}: ${e.message}; planning its file size only`,
      path,
      hint: e.hint ?? 'give an arm64 Image, a zImage or a gzip-compressed Image',
    });
    return;
  }
  switch (info.kind) {
    case 'arm64-image':
      img.textOffset = info.textOffset;
      if (info.effectiveSize > img.effectiveSize) img.effectiveSize = info.effectiveSize;
      break;
    case 'arm32-zimage':
      if (BigInt(info.size) > img.effectiveSize) img.effectiveSize = BigInt(info.size);
      break;
    case 'gzip':
      img.gzip = true;
      break;
  }
}
