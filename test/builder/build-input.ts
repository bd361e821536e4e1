// The buildSystem input the build tests share: the dom0less fixture with stand-in image bytes.
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { BuildInput } from '../../builder/emit-system.js';
import type { ResolvedImage } from '../../builder/image-files.js';
import { baseTree, board, boardDts, config, plan } from './dom0less-fixture.js';

export function input(): BuildInput {
  const p = plan();
  const bytes = new Map<string, Uint8Array>();
  const images: ResolvedImage[] = p.images
    .filter((i) => i.role !== 'dtb')
    .map((i) => {
      const r: ResolvedImage = { name: i.name, role: i.role, size: i.size, effectiveSize: i.effectiveSize };
      if (i.domain) r.domain = i.domain;
      if (i.role === 'device-tree') {
        r.reservedOnly = true;
        return r;
      }
      const data = new Uint8Array(Number(i.size)).map((_, k) => (k * 7 + i.name.length) & 0xff);
      bytes.set(i.name, data);
      r.file = join(dirname(boardDts), `${i.name.replace('/', '-')}.img`);
      r.sha256 = createHash('sha256').update(data).digest('hex');
      return r;
    });
  return {
    config: config(),
    board,
    boardTree: baseTree(),
    plan: p,
    images,
    imageBytes: bytes,
    bootRoot: dirname(dirname(boardDts)),
    outDir: join(dirname(dirname(boardDts)), 'out'),
    timestamp: 1700000000,
  };
}
