// boot.itb: every planned image embedded with its load address and a sha256 hash, the finished
// system DTB as the configuration's fdt and Xen as its kernel, the domain modules as loadables.
// Built from the plan, so the FIT and the script agree on every address.
import { buildFit, type FitImageSpec, type FitImageType } from '../images/fit.js';
import type { Diagnostic } from '../schema/diagnostic.js';
import type { BootPlan, ImageRole, PlannedImage } from './plan/types.js';

export interface FitInput {
  plan: BootPlan;
  systemDtb: Uint8Array;
  /** Bytes of every loaded image, by plan name. */
  bytes: ReadonlyMap<string, Uint8Array>;
  /** Seconds since the epoch (SOURCE_DATE_EPOCH, from the CLI). */
  timestamp: number;
  description: string;
  /** The config field an image comes from, so a diagnostic points there (builder/images.ts). */
  configPath?: (img: PlannedImage) => string | undefined;
}

/** Where a Xen binary comes from when the config names none (scripts/setup-system.sh's cache). */
export const XEN_IMAGE_HINT =
  "set xen.image to a Xen binary for this release; `bash scripts/setup-system.sh` caches Debian's Xen at " +
  '~/.cache/dombuild/debs/xen-hypervisor-4.17-arm64-bookworm/boot/xen-4.17-arm64 ' +
  '(4.20: debs/xen-hypervisor-4.20-arm64-trixie/boot/xen-4.20-arm64; DOMBUILD_CACHE moves the cache)';

const FIT_TYPE: Partial<Record<ImageRole, FitImageType>> = {
  xen: 'kernel',
  kernel: 'kernel',
  ramdisk: 'ramdisk',
  'device-tree': 'flat_dt',
  'xsm-policy': 'firmware',
};

/** The FIT node name for a plan image: `domU1/kernel` → `domU1-kernel` (31 characters at most). */
export function fitImageName(img: PlannedImage, index: number): string {
  const n = img.name.replace(/\//g, '-');
  return /^[A-Za-z0-9,._+-]{1,31}$/.test(n) ? n : `image-${index}`;
}

export function buildSystemFit(input: FitInput): { fit?: Uint8Array; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const images: FitImageSpec[] = [];
  const loadables: string[] = [];
  let kernel: string | undefined;
  input.plan.images.forEach((img, i) => {
    const type = FIT_TYPE[img.role];
    if (!type) return;
    const data = input.bytes.get(img.name);
    if (!data) {
      diagnostics.push({
        id: 'fit-image-missing',
        severity: 'warning',
        message: `${img.name} is not available${img.placeholder ? ' (placeholder size in the plan)' : ''}; boot.itb not written`,
        path: input.configPath?.(img) ?? '',
        hint: img.role === 'xen' ? XEN_IMAGE_HINT : 'give every image a file to get a FIT',
      });
      return;
    }
    const name = fitImageName(img, i);
    images.push({
      name,
      description: img.name,
      data,
      type,
      arch: input.plan.board.arch === 'arm32' ? 'arm' : 'arm64',
      os: 'linux',
      compression: 'none',
      load: img.address,
      entry: img.address,
      hashes: ['sha256'],
    });
    if (img.role === 'xen') kernel = name;
    else loadables.push(name);
  });
  if (diagnostics.length > 0 || kernel === undefined) return { diagnostics };
  images.push({
    name: 'fdt',
    description: 'system.dtb',
    data: input.systemDtb,
    type: 'flat_dt',
    arch: input.plan.board.arch === 'arm32' ? 'arm' : 'arm64',
    compression: 'none',
    load: input.plan.dtbAddress,
    hashes: ['sha256'],
  });
  const fit = buildFit({
    description: input.description,
    timestamp: input.timestamp,
    images,
    configurations: {
      default: 'config-1',
      list: [{ name: 'config-1', description: input.description, kernel, fdt: 'fdt', loadables }],
    },
  });
  return { fit, diagnostics };
}
