// Shared fixtures for the planner tests: configs through the real zod schema, images in memory.
import type { ResolvedImage } from '../../builder/image-files.js';
import type { PlanInput } from '../../builder/plan/planner.js';
import { type Config, type ConfigInput, configSchema } from '../../schema/index.js';

export const KiB = 1n << 10n;
export const MiB = 1n << 20n;
export const GiB = 1n << 30n;

export function config(input: Partial<ConfigInput> & { domains?: ConfigInput['domains'] }): Config {
  return configSchema.parse({ xen: { release: '4.20' }, board: 'qemu-virt-arm64', ...input }) as Config;
}

export function guest(name: string, extra: Record<string, unknown> = {}) {
  return { name, kernel: 'probe', memory: '128M', vcpus: 1, ...extra };
}

export function image(name: string, size: bigint, extra: Partial<ResolvedImage> = {}): ResolvedImage {
  const slash = name.indexOf('/');
  const role =
    name === 'xen'
      ? 'xen'
      : name.endsWith('/ramdisk')
        ? 'ramdisk'
        : name.endsWith('/device-tree')
          ? 'device-tree'
          : 'kernel';
  const img: ResolvedImage = { name, role, size, effectiveSize: size, ...extra };
  if (slash > 0) img.domain = name.slice(0, slash);
  return img;
}

/** Images for a config: Xen (text_offset 0) and one kernel per boot-time domain. */
export function imagesFor(cfg: Config, kernelSize = 0x88n, xenSize = 0x40_0000n): ResolvedImage[] {
  return [
    image('xen', xenSize, { textOffset: 0n }),
    ...cfg.domains.map((d) => image(`${d.name}/kernel`, kernelSize, { textOffset: 0x80000n })),
  ];
}

export type { PlanInput };
