// Image resolution: every file a config loads, found relative to the config file, measured and
// (when an output needs it) hashed, with kernels' headers read for the room they really need (BSS
// past the end of the file). The planner is pure; this is the one step before it that reads the disk.
// Sizes come from stat and kernels give only their ends, so a build that writes no hash (`--only
// uboot`) reads a few bytes per file however large the images; a file named by many domains is
// measured, read and hashed once per run.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ImageError } from '../images/errors.js';
import { ARM64_HEADER_SIZE, kernelImageInfo } from '../images/kernel-header.js';
import { probeGuestImage, QEMU_VIRT_PL011_BASE, XEN_VPL011_BASE } from '../images/probe.js';
import type { Config, FileRef, KernelRef } from '../schema/config.js';
import type { Diagnostic } from '../schema/diagnostic.js';
import { InputFileError, kindOf } from './input-file.js';
import { generatesPartialDtb } from './passthrough/partial.js';
import type { ImageRole, ResolvedImage } from './plan/types.js';

export type { ResolvedImage };

export interface ResolveOptions {
  /** Folder paths in the config are relative to. */
  configDir: string;
  /**
   * Compute each image's sha256 (default true). Only plan.json and the createdomain blob carry
   * them (the FIT hashes the bytes it embeds), so a build without those passes false.
   */
  hash?: boolean;
  /** How files are read; defaults to the file system. Tests pass an in-memory or counting one. */
  files?: ImageFiles;
}

/** The three ways resolveImages looks at a file, each as cheap as it can be. */
export interface ImageFiles {
  /** Size and modification time, reading nothing. Rejects with an errno `code` (ENOENT…). */
  stat(path: string): Promise<{ size: number; mtimeMs: number }>;
  /** `length` bytes from `offset` (fewer when the file has shrunk since stat). */
  readAt(path: string, offset: number, length: number): Promise<Uint8Array>;
  /** The whole file's sha256 (hex) and how many bytes were hashed. */
  sha256(path: string): Promise<{ hex: string; bytes: number }>;
}

/** The file system, the default ImageFiles. */
export const diskImageFiles: ImageFiles = {
  async stat(path) {
    let s: Awaited<ReturnType<typeof stat>>;
    try {
      s = await stat(path);
    } catch (e) {
      throw new InputFileError(path, (e as NodeJS.ErrnoException).code ?? 'EIO');
    }
    // A FIFO would block the build and a device never end: refused by what it really is.
    if (!s.isFile()) throw new InputFileError(path, 'not-a-file', kindOf(s));
    return { size: s.size, mtimeMs: s.mtimeMs };
  },
  async readAt(path, offset, length) {
    const fh = await open(path, 'r');
    try {
      const buf = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === length ? buf : buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  },
  sha256(path) {
    return new Promise((done, fail) => {
      const h = createHash('sha256');
      let bytes = 0;
      createReadStream(path, { highWaterMark: 1 << 20 })
        .on('data', (chunk) => {
          bytes += chunk.length;
          h.update(chunk);
        })
        .on('error', fail)
        .on('end', () => done({ hex: h.digest('hex'), bytes }));
    });
  },
};

/**
 * Bytes of a kernel file kernelImageInfo reads: the header at the start (an arm64 Image's 64 bytes
 * cover a zImage's magic, start and end at 0x24..0x30, and gzip's magic and method), and gzip's
 * ISIZE in the last 4. Everything between is left zero in the view it is given.
 */
export const KERNEL_HEAD_BYTES = ARM64_HEADER_SIZE;
export const KERNEL_TAIL_BYTES = 4;

/** Room planned for Xen when the config names no image: Debian's 4.17/4.20 arm64 Xen is ~1 MiB. */
export const XEN_PLACEHOLDER_SIZE = 0x40_0000n;
/** Room planned for a partial DTB that the build generates from `passthrough.devices`. */
export const GENERATED_PARTIAL_DTB_ROOM = 0x1_0000n;

/** The marker a probe guest prints when the config gives none. */
export function defaultProbeMarker(domain: string): string {
  return `dombuild-probe: ${domain} up`;
}

/**
 * The config field a plan image comes from ('domains[1].kernel', 'xen.image'), so a diagnostic
 * about the image points at that field; undefined for what dombuild makes itself (dtb, boot.scr).
 * Follows the plan names resolveImages gives: `xen`, `xsm-policy`, `<domain>/<role>`.
 */
export function imageConfigPath(
  config: Config,
  image: { name: string; role: ImageRole },
): string | undefined {
  if (image.role === 'xen') return 'xen.image';
  if (image.role === 'xsm-policy') return 'xen.xsmPolicy';
  const slash = image.name.lastIndexOf('/');
  if (slash < 0) return undefined;
  const domain = image.name.slice(0, slash);
  const field = image.role === 'device-tree' ? 'passthrough' : image.role;
  if (image.role !== 'kernel' && image.role !== 'ramdisk' && image.role !== 'device-tree') return undefined;
  if (domain === 'dom0') return config.dom0 ? `dom0.${field}` : undefined;
  const i = config.domains.findIndex((d) => d.name === domain);
  if (i < 0) return undefined;
  if (image.role === 'device-tree')
    return config.domains[i]!.passthrough?.dtb
      ? `domains[${i}].passthrough.dtb`
      : `domains[${i}].passthrough`;
  return `domains[${i}].${field}`;
}

export async function resolveImages(
  config: Config,
  opts: ResolveOptions,
): Promise<{ images: ResolvedImage[]; diagnostics: Diagnostic[] }> {
  const files = opts.files ?? diskImageFiles;
  const hash = opts.hash ?? true;
  const diagnostics: Diagnostic[] = [];
  const images: ResolvedImage[] = [];
  // One run looks at a file once: keyed by path, size and mtime, so a file rewritten in between
  // is looked at again rather than mixed up.
  const seen = new Map<
    string,
    { ends?: Promise<Uint8Array>; sha?: Promise<{ hex: string; bytes: number }> }
  >();

  const fromFile = async (
    name: string,
    role: ImageRole,
    ref: FileRef,
    path: string,
    domain?: string,
  ): Promise<ResolvedImage | undefined> => {
    const file = isAbsolute(ref.path) ? ref.path : resolve(opts.configDir, ref.path);
    const unreadable = (e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code;
      const reason = e instanceof InputFileError ? e.reason : code;
      diagnostics.push({
        id: code === 'ENOENT' ? 'image-missing' : 'image-unreadable',
        severity: 'error',
        message: `${name}: cannot read ${file}${reason ? ` (${reason})` : ''}`,
        path,
        hint: 'paths are relative to the config file; check the file exists and is readable',
      });
      return undefined;
    };
    const changed = () => {
      diagnostics.push({
        id: 'image-unreadable',
        severity: 'error',
        message: `${name}: ${file} changed while dombuild was reading it`,
        path,
        hint: 'build again once whatever writes the file has finished',
      });
      return undefined;
    };
    let st: { size: number; mtimeMs: number };
    try {
      st = await files.stat(file);
    } catch (e) {
      return unreadable(e);
    }
    const key = `${st.size}:${st.mtimeMs}:${file}`;
    const entry = seen.get(key) ?? {};
    seen.set(key, entry);
    const img: ResolvedImage = {
      name,
      role,
      file,
      size: BigInt(st.size),
      effectiveSize: BigInt(st.size),
    };
    if (hash) {
      let sum: { hex: string; bytes: number };
      try {
        entry.sha ??= files.sha256(file);
        sum = await entry.sha;
      } catch (e) {
        return unreadable(e);
      }
      if (sum.bytes !== st.size) return changed();
      img.sha256 = sum.hex;
    }
    if (domain !== undefined) img.domain = domain;
    if (ref.load !== undefined) img.loadCommand = ref.load;
    if (st.size === 0) {
      diagnostics.push({
        id: 'image-empty',
        severity: 'error',
        message: `${name}: ${file} is empty`,
        path,
        hint: 'Xen rejects a module of size 0 ("Missing kernel boot module?")',
      });
    }
    if (role === 'kernel' || role === 'xen') {
      let view: Uint8Array;
      try {
        entry.ends ??= kernelEnds(files, file, st.size);
        view = await entry.ends;
      } catch (e) {
        if (e instanceof ChangedError) return changed();
        return unreadable(e);
      }
      applyKernelHeader(img, view, path, diagnostics);
    }
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
    } else if (generatesPartialDtb(d)) {
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
      generated: bytes,
    };
    if (hash) img.sha256 = createHash('sha256').update(bytes).digest('hex');
    applyKernelHeader(img, bytes, path, diagnostics);
    images.push(img);
  }
}

class ChangedError extends Error {}

/**
 * A file-length view of a kernel with only the bytes kernelImageInfo reads filled in (its head and
 * tail), so a 40 MiB Image costs two small reads. A short read means the file shrank since stat.
 */
async function kernelEnds(files: ImageFiles, file: string, size: number): Promise<Uint8Array> {
  if (size <= KERNEL_HEAD_BYTES + KERNEL_TAIL_BYTES) {
    const all = await files.readAt(file, 0, size);
    if (all.length !== size) throw new ChangedError();
    return all;
  }
  const head = await files.readAt(file, 0, KERNEL_HEAD_BYTES);
  const tail = await files.readAt(file, size - KERNEL_TAIL_BYTES, KERNEL_TAIL_BYTES);
  if (head.length !== KERNEL_HEAD_BYTES || tail.length !== KERNEL_TAIL_BYTES) throw new ChangedError();
  const view = new Uint8Array(size);
  view.set(head, 0);
  view.set(tail, size - KERNEL_TAIL_BYTES);
  return view;
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
