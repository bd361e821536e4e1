// Static shared memory (xen,domain-shared-memory-v1) across domains.
import { firstReleaseWith, releaseHas } from '../releases.js';
import { formatAddress } from '../units.js';
import { defineCheck, eachDomain } from './check.js';
import { PAGE } from './memory.js';

export const shmAligned = defineCheck({
  id: 'shm-aligned',
  title: 'Shared-memory sizes and addresses are page aligned and the size is non-zero',
  ref: 'xen-dt-bindings.md §3.4',
  run(ctx) {
    for (const [d, i] of eachDomain(ctx.config))
      d.sharedMemory?.forEach((s, j) => {
        const bad =
          s.size === 0n || s.size % PAGE !== 0n || s.guest % PAGE !== 0n || (s.host ?? 0n) % PAGE !== 0n;
        if (bad)
          ctx.report(['domains', i, 'sharedMemory', j], `region ${s.id} is empty or not 4K aligned`, {
            hint: 'use page-aligned size, guest and host addresses',
          });
      });
  },
});

export const shmConsistent = defineCheck({
  id: 'shm-consistent',
  title: 'Every use of a shared-memory id has the same size and host address; one range has one id',
  ref: 'xen-dt-bindings.md §3.4',
  needs: [shmAligned],
  run(ctx) {
    const first = new Map<string, { size: bigint; host: bigint | undefined; where: string }>();
    const byHost = new Map<bigint, string>();
    for (const [d, i] of eachDomain(ctx.config))
      d.sharedMemory?.forEach((s, j) => {
        const f = first.get(s.id);
        if (!f) {
          first.set(s.id, { size: s.size, host: s.host, where: d.name });
          if (s.host !== undefined) {
            const other = byHost.get(s.host);
            if (other !== undefined && other !== s.id)
              ctx.report(
                ['domains', i, 'sharedMemory', j, 'host'],
                `host range ${formatAddress(s.host)} is already region ${other}`,
                {
                  hint: 'use the same id for the same range',
                },
              );
            byHost.set(s.host, s.id);
          }
          return;
        }
        if (f.size !== s.size)
          ctx.report(
            ['domains', i, 'sharedMemory', j, 'size'],
            `region ${s.id} has a different size in ${f.where}`,
            {
              hint: 'a region has one size in every domain that uses it',
            },
          );
        if (f.host !== s.host)
          ctx.report(
            ['domains', i, 'sharedMemory', j, 'host'],
            `region ${s.id} has a different host address in ${f.where}`,
            {
              hint: 'give the same host address (or none) everywhere',
            },
          );
      });
  },
});

export const shmSingleOwner = defineCheck({
  id: 'shm-single-owner',
  title: 'A shared-memory region has at most one owner and is used once per domain',
  ref: 'xen-dt-bindings.md §3.4 role',
  run(ctx) {
    const owner = new Map<string, string>();
    for (const [d, i] of eachDomain(ctx.config)) {
      const here = new Set<string>();
      d.sharedMemory?.forEach((s, j) => {
        if (here.has(s.id))
          ctx.report(['domains', i, 'sharedMemory', j, 'id'], `region ${s.id} is listed twice in ${d.name}`, {
            hint: 'list each region once per domain',
          });
        here.add(s.id);
        if (s.role !== 'owner') return;
        const o = owner.get(s.id);
        if (o !== undefined)
          ctx.report(
            ['domains', i, 'sharedMemory', j, 'role'],
            `region ${s.id} already has an owner (${o})`,
            {
              hint: 'make the other domains borrowers',
            },
          );
        else owner.set(s.id, d.name);
      });
    }
  },
});

export const shmDirectMap = defineCheck({
  id: 'shm-direct-map',
  title: 'In a direct-mapped domain a shared region has a host address equal to its guest address',
  ref: 'xen-dt-bindings.md §3.4',
  run(ctx) {
    for (const [d, i] of eachDomain(ctx.config)) {
      if (!d.directMap) continue;
      d.sharedMemory?.forEach((s, j) => {
        if (s.host === undefined || s.host !== s.guest)
          ctx.report(
            ['domains', i, 'sharedMemory', j],
            `direct-mapped ${d.name} needs host == guest for region ${s.id}`,
            {
              hint: `set host: "${formatAddress(s.guest)}"`,
            },
          );
      });
    }
  },
});

const SHM_HOST_OPTIONAL_SINCE = firstReleaseWith('shmHostOptional');

export const shmHostRequired = defineCheck({
  id: 'shm-host-release',
  title: `Shared regions without a host address need Xen ${SHM_HOST_OPTIONAL_SINCE}`,
  ref: 'xen-dt-bindings.md §3.4',
  run(ctx) {
    if (releaseHas(ctx.release, 'shmHostOptional')) return;
    for (const [d, i] of eachDomain(ctx.config))
      d.sharedMemory?.forEach((s, j) => {
        if (s.host === undefined)
          ctx.report(
            ['domains', i, 'sharedMemory', j],
            `region ${s.id} has no host address, which needs Xen ${SHM_HOST_OPTIONAL_SINCE}`,
            {
              hint: 'give a host address or raise xen.release',
            },
          );
      });
  },
});

export const shmCount = defineCheck({
  id: 'shm-count',
  title: 'At most 32 shared-memory regions in the system',
  ref: 'xen-dt-bindings.md §5 rule 3',
  run(ctx) {
    const ids = new Set<string>();
    for (const d of ctx.config.domains) for (const s of d.sharedMemory ?? []) ids.add(s.id);
    if (ids.size > 32)
      ctx.report(['domains'], `${ids.size} shared-memory regions; Xen takes at most 32`, {
        hint: 'merge regions',
      });
  },
});
