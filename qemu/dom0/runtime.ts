// From a built system to what its toolstack dom0 needs: the runtime domains' xl configs as `build`
// wrote them with the images they name, the cached toolstack of the config's Xen release, and what
// the runner waits for (the dom0's last record and each runtime probe's marker).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { defaultProbeMarker } from '../../builder/image-files.js';
import { parseDiskSpec } from '../../builder/xl/encode.js';
import type { Config } from '../../schema/config.js';
import { parseXlConfig } from '../../xen-formats/xl/parse.js';
import { type AssetId, locateAsset, type ManifestEntry, readManifest } from '../assets.js';
import type { Expectation } from '../console.js';
import { QemuError } from '../errors.js';
import { dom0Initramfs, type RuntimeDomainFiles, type ToolstackArch } from './initramfs.js';
import { DOM0_DONE_PATTERN } from './records.js';

/** The xl keys whose values are files the toolstack reads from dom0's filesystem (and disk's targets). */
const FILE_KEYS = ['kernel', 'ramdisk', 'device_tree'];

/** The domains the toolstack creates (`boot: false`), in config order: xl creates them in it. */
export function runtimeDomains(config: Config): string[] {
  return config.domains.filter((d) => !d.boot).map((d) => d.name);
}

/** `text` as a grep basic regular expression that matches it literally. */
export function literalBre(text: string): string {
  return text.replace(/[\\.*[\]^$]/g, (c) => `\\${c}`);
}

/**
 * Each runtime domain's `xl/<name>.cfg` from `outDir` and the files it names: an image `build`
 * generated (a probe) is in `outDir`, a file the config names is read from where the config says.
 * The dom0 waits for a probe with a vpl011 to print its marker; `waitFor` adds patterns (grep BRE)
 * for other guests, by domain name.
 */
export function runtimeDomainFiles(
  config: Config,
  configDir: string,
  outDir: string,
  waitFor: Readonly<Record<string, string>> = {},
): RuntimeDomainFiles[] {
  return config.domains
    .filter((d) => !d.boot)
    .map((d) => {
      const cfgFile = join(outDir, 'xl', `${d.name}.cfg`);
      if (!existsSync(cfgFile)) {
        throw new QemuError('MISSING_ASSET', `build wrote no xl config for ${d.name}`, cfgFile);
      }
      const text = readFileSync(cfgFile);
      const sources = new Map<string, string>();
      const own = [d.kernel.kind === 'file' ? d.kernel.path : undefined, d.ramdisk?.path];
      for (const p of own) if (p) sources.set(posix.basename(p), resolve(configDir, p));
      const files: RuntimeDomainFiles['files'] = [];
      const values = parseXlConfig(new TextDecoder().decode(text)).values;
      for (const p of d.disks ?? []) sources.set(posix.basename(p.image), resolve(configDir, p.image));
      const named: { key: string; path: string }[] = [];
      for (const key of FILE_KEYS) {
        const v = values.get(key)?.value;
        if (typeof v === 'string') named.push({ key, path: v });
      }
      // Each disk's target= is an image file the dom0's block backend opens.
      const disks = values.get('disk')?.value;
      for (const spec of typeof disks === 'string' ? [disks] : (disks ?? [])) {
        if (typeof spec !== 'string') continue;
        const p = parseDiskSpec(spec);
        const target = typeof p === 'string' ? undefined : p.keys.get('target');
        if (target !== undefined) named.push({ key: 'disk', path: target });
      }
      for (const { key, path: v } of named) {
        const base = posix.basename(v);
        const src = sources.get(base) ?? join(outDir, base);
        if (!existsSync(src)) {
          throw new QemuError(
            'MISSING_ASSET',
            `${d.name}: ${key} = "${v}" names no built or given file`,
            src,
          );
        }
        files.push({ path: v, data: readFileSync(src) });
      }
      const r: RuntimeDomainFiles = { name: d.name, config: text, files };
      const marker = d.vpl011 ? runtimeMarker(config, d.name) : undefined;
      const pattern = waitFor[d.name] ?? (marker === undefined ? undefined : literalBre(marker));
      if (pattern !== undefined) r.waitFor = pattern;
      return r;
    });
}

export type ToolstackRelease = '4.17' | '4.20';

/** The cached toolstack root, dom0 kernel modules and busybox for a release. */
export function toolstackAssets(
  cacheRoot: string,
  release: ToolstackRelease,
  manifest: ManifestEntry[] = readManifest(cacheRoot),
  arch: ToolstackArch = 'arm64',
): { toolstackRoot: string; modulesDir: string; busybox: string } {
  const xl = locateAsset(cacheRoot, `xen-toolstack-${release}-${arch}` as AssetId, manifest).path;
  return {
    // <root>/usr/lib/xen-<release>/bin/xl
    toolstackRoot: dirname(dirname(dirname(dirname(dirname(xl))))),
    modulesDir: locateAsset(cacheRoot, `linux-xen-modules-${arch}`, manifest).path,
    busybox: locateAsset(cacheRoot, `busybox-${arch}`, manifest).path,
  };
}

/** The dom0 initramfs for a built system: Debian's toolstack of `release` and its runtime domains. */
export function toolstackDom0Initramfs(
  cacheRoot: string,
  release: ToolstackRelease,
  runtime: readonly RuntimeDomainFiles[],
  arch: ToolstackArch = 'arm64',
): Uint8Array {
  const a = toolstackAssets(cacheRoot, release, undefined, arch);
  return dom0Initramfs({
    ...(arch === 'arm64' ? {} : { arch }),
    busybox: readFileSync(a.busybox),
    toolstackRoot: a.toolstackRoot,
    modulesDir: a.modulesDir,
    release,
    runtime,
  });
}

/**
 * What a run of a system with a toolstack dom0 waits for on the console: the dom0's final record
 * (every step ran, the census and the runtime guests' console logs were read). A runtime guest's
 * own output never reaches Xen's console (its consoles, vpl011 included, are served by xenconsoled
 * in dom0), so the runtime domains are judged from the dom0's records (runtimeVerdicts).
 */
/** The kernel a toolstack dom0 runs: Debian's cached one, whose Xen drivers the initramfs carries. */
export function toolstackDom0Kernel(cacheRoot: string, arch: ToolstackArch): string {
  return locateAsset(cacheRoot, arch === 'amd64' ? 'linux-amd64' : 'linux-arm64').path;
}

export function runtimeDom0Expectations(): Expectation[] {
  return [{ domain: 'dom0', match: DOM0_DONE_PATTERN, domid: 0 }];
}

/** What a runtime probe prints when it is up. */
export function runtimeMarker(config: Config, domain: string): string | undefined {
  const d = config.domains.find((x) => x.name === domain);
  return d?.kernel.kind === 'probe' ? (d.kernel.marker ?? defaultProbeMarker(d.name)) : undefined;
}
