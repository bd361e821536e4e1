// Static event channels (xen,evtchn-v1): both ends declared, ports free and in range.
import type { Domain } from '../config.js';
import { defineCheck, eachDomain, hasCap } from './check.js';
import { uniqueDomainNames } from './domains.js';

/**
 * The highest port a domain may use at boot, and why (xen-dt-bindings.md §3.5, §7 item 11): Xen
 * fixes max_evtchn_port at 1023 for a plain domU it builds at boot; hardware and xenstore domains
 * have no such cap, but at boot the 2-level event-channel ABI (4096 ports) applies. maxEvtchnPort
 * cannot change it: the dom0less builder has no property for it (max-evtchn-port-expressible).
 */
function portLimit(d: Domain): { max: number; why: string } {
  if (hasCap(d, 'hardware') || hasCap(d, 'xenstore'))
    return { max: 4095, why: "the 2-level event-channel ABI's 4096 ports at boot" };
  return { max: 1023, why: 'Xen fixes max_evtchn_port at 1023 for a domU it builds at boot' };
}

/** dom0 is the hardware domain: the 2-level ABI's limit. */
const DOM0 = { max: 4095, why: "the 2-level event-channel ABI's 4096 ports at boot" };

export const evtchnPeer = defineCheck({
  id: 'evtchn-peer',
  title: 'An event channel names an existing other domain (or dom0)',
  ref: 'xen-dt-bindings.md §3.5',
  needs: [uniqueDomainNames],
  run(ctx) {
    const names = new Set(ctx.config.domains.map((d) => d.name));
    const runtime = new Set(ctx.config.domains.filter((d) => !d.boot).map((d) => d.name));
    for (const [d, i] of eachDomain(ctx.config))
      d.eventChannels?.forEach((e, j) => {
        if (e.peer === d.name)
          ctx.report(
            ['domains', i, 'eventChannels', j, 'peer'],
            'an event channel cannot connect a domain to itself',
            {
              hint: 'name another domain as peer',
            },
          );
        else if (e.peer === 'dom0' ? !ctx.config.dom0 : !names.has(e.peer))
          ctx.report(['domains', i, 'eventChannels', j, 'peer'], `no domain named "${e.peer}"`, {
            hint: `peer must be one of: ${[...names].filter((n) => n !== d.name).join(', ') || '(no other domain)'}`,
          });
        else if (runtime.has(e.peer))
          ctx.report(
            ['domains', i, 'eventChannels', j, 'peer'],
            `${e.peer} is created at run time; static channels join boot-time domains`,
            {
              hint: `set boot: true on ${e.peer}`,
            },
          );
      });
  },
});

export const evtchnReciprocal = defineCheck({
  id: 'evtchn-reciprocal',
  title: 'Both ends of a static event channel are declared and point at each other',
  ref: 'xen-dt-bindings.md §3.5',
  needs: [evtchnPeer],
  run(ctx) {
    const byName = new Map(ctx.config.domains.map((d) => [d.name, d]));
    for (const [d, i] of eachDomain(ctx.config))
      d.eventChannels?.forEach((e, j) => {
        if (e.peer === 'dom0') return; // dom0's end is generated in /chosen
        const peer = byName.get(e.peer);
        const back = peer?.eventChannels?.some(
          (x) => x.port === e.peerPort && x.peer === d.name && x.peerPort === e.port,
        );
        if (!back)
          ctx.report(
            ['domains', i, 'eventChannels', j],
            `${e.peer} does not declare the other end (port ${e.peerPort} to ${d.name}:${e.port})`,
            {
              hint: `add { port: ${e.peerPort}, peer: ${d.name}, peerPort: ${e.port} } to ${e.peer}'s eventChannels`,
            },
          );
      });
  },
});

export const evtchnPorts = defineCheck({
  id: 'evtchn-ports',
  title: "Event-channel ports are unique per domain and within the domain's limit",
  ref: 'xen-dt-bindings.md §3.5, §7 item 11',
  run(ctx) {
    const dom0Ports = new Map<number, string>();
    for (const [d, i] of eachDomain(ctx.config)) {
      const used = new Set<number>();
      const limit = portLimit(d);
      d.eventChannels?.forEach((e, j) => {
        if (used.has(e.port))
          ctx.report(
            ['domains', i, 'eventChannels', j, 'port'],
            `port ${e.port} is used twice in ${d.name}`,
            {
              hint: 'give each channel its own local port',
            },
          );
        used.add(e.port);
        if (e.port > limit.max)
          ctx.report(
            ['domains', i, 'eventChannels', j, 'port'],
            `port ${e.port} is above ${d.name}'s limit of ${limit.max} (${limit.why})`,
            { hint: `use a port from 1 to ${limit.max}` },
          );
        if (e.peer === 'dom0' && e.peerPort > DOM0.max)
          ctx.report(
            ['domains', i, 'eventChannels', j, 'peerPort'],
            `dom0 port ${e.peerPort} is above dom0's limit of ${DOM0.max} (${DOM0.why})`,
            { hint: `use a port from 1 to ${DOM0.max}` },
          );
        if (e.peer === 'dom0') {
          const other = dom0Ports.get(e.peerPort);
          if (other !== undefined)
            ctx.report(
              ['domains', i, 'eventChannels', j, 'peerPort'],
              `dom0 port ${e.peerPort} is already used by ${other}`,
              {
                hint: 'give each dom0 end its own port',
              },
            );
          dom0Ports.set(e.peerPort, d.name);
        }
      });
    }
  },
});

export const evtchnXenstorePort = defineCheck({
  id: 'evtchn-xenstore-port',
  title: 'Static event channels avoid port 1 in domains that use xenstore',
  severity: 'warning',
  ref: 'xen-dt-bindings.md §3.5 (xenstore channel allocated first)',
  run(ctx) {
    for (const [d, i] of eachDomain(ctx.config)) {
      if (d.xenstore !== 'enabled' && d.xenstore !== 'legacy') continue;
      d.eventChannels?.forEach((e, j) => {
        if (e.port === 1)
          ctx.report(
            ['domains', i, 'eventChannels', j, 'port'],
            'port 1 is usually taken by the xenstore channel',
            {
              hint: 'pick a port above 1',
            },
          );
      });
    }
  },
});

export const evtchnNeedsPv = defineCheck({
  id: 'evtchn-needs-pv',
  title: 'A domain with static event channels has PV interfaces so it can find them',
  severity: 'warning',
  ref: 'xen-dt-bindings.md §3.5',
  run(ctx) {
    for (const [d, i] of eachDomain(ctx.config))
      if (d.boot && d.eventChannels && (d.xenstore === undefined || d.xenstore === 'none'))
        ctx.report(
          ['domains', i, 'eventChannels'],
          `${d.name} has event channels but no PV interfaces to discover Xen`,
          {
            hint: 'set xenstore: no-xenstore (or enabled)',
          },
        );
  },
});
