// The media stage of the pipeline: the disk images buildSystem asked for, made with the tools the
// caller supplies, added to the build's files. Runs only when the rest of the build succeeded
// (a disk of a broken system is not worth the time).
import { isAbsolute, resolve } from 'node:path';
import type { BuildResult } from '../emit-system.js';
import { makeDisk } from './make-disk.js';
import type { MediaTools } from './tools.js';

export type { DiskRequest, FatEntry } from './layout.js';
export { hostMediaTools, MEDIA_TOOLS, type MediaTools } from './tools.js';

/** Makes every requested image into `built.files`; `configDir` resolves media.partitions' paths. */
export async function makeMedia(
  built: BuildResult,
  tools: MediaTools | undefined,
  configDir: string,
): Promise<void> {
  const requests = built.media ?? [];
  if (requests.length === 0 || built.diagnostics.some((d) => d.severity === 'error')) return;
  for (const req of requests) {
    if (!tools) {
      built.diagnostics.push({
        id: 'media-tools-unavailable',
        severity: 'error',
        message: `${req.output} was asked for, but this caller runs no media tools`,
        path: '',
      });
      return;
    }
    const partitions = req.partitions.map((p) => ({
      ...p,
      image: isAbsolute(p.image) ? p.image : resolve(configDir, p.image),
    }));
    const r = await makeDisk({ ...req, partitions }, tools);
    built.diagnostics.push(...r.diagnostics);
    if (r.bytes) built.files.set(req.output, r.bytes);
  }
}
