// A port Xen refuses is reported with Xen's own limit for that domain, whatever its size: the
// schema takes any u32 (the DT cell), so the config's range never hides the real one.
import { describe, expect, it } from 'vitest';
import { run } from '../helpers.js';

const ev = (port: number, peer: string, peerPort: number) => ({ port, peer, peerPort });
const sys = (a: object, b: object = {}, over: object = {}) => ({
  xen: { release: '4.19', image: 'xen' },
  board: 'qemu-virt-arm64',
  domains: [
    { name: 'a', kernel: 'probe', memory: '64M', xenstore: 'no-xenstore', ...a },
    { name: 'b', kernel: 'probe', memory: '64M', xenstore: 'no-xenstore', ...b },
  ],
  ...over,
});

describe('evtchn-ports names the limit Xen applies', () => {
  it.each([1024, 4096, 200_000])('port %i in a plain domU: 1023, fixed by Xen at boot', (port) => {
    const r = run(sys({ eventChannels: [ev(port, 'b', 20)] }, { eventChannels: [ev(20, 'a', port)] }));
    const d = r.diagnostics.filter((x) => x.id === 'evtchn-ports');
    expect(d.map((x) => x.path)).toEqual(['domains[0].eventChannels[0].port']);
    expect(d[0]?.message).toContain('limit of 1023');
    expect(r.ids).not.toContain('invalid-value');
  });

  it('a dom0 end above the 2-level limit is reported at peerPort with 4095', () => {
    const r = run(sys({ eventChannels: [ev(20, 'dom0', 5000)] }, {}, { dom0: { kernel: 'vmlinuz' } }));
    const d = r.diagnostics.find((x) => x.id === 'evtchn-ports');
    expect(d?.path).toBe('domains[0].eventChannels[0].peerPort');
    expect(d?.message).toContain('limit of 4095');
  });

  it('1023 in a plain domU is accepted', () => {
    const r = run(sys({ eventChannels: [ev(1023, 'b', 20)] }, { eventChannels: [ev(20, 'a', 1023)] }));
    expect(r.ids).not.toContain('evtchn-ports');
  });
});
