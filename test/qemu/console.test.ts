import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConsoleMonitor, LineSplitter, parseConsoleLine } from '../../qemu/console.js';

describe('LineSplitter', () => {
  it('splits on \\n, \\r\\n and a bare \\r, across chunk boundaries', () => {
    const s = new LineSplitter();
    expect(s.push('ab')).toEqual([]);
    expect(s.push('c\r')).toEqual(['abc']);
    expect(s.push('\nde\nf')).toEqual(['de']);
    expect(s.push('g\rh')).toEqual(['fg']);
    expect(s.flush()).toEqual(['h']);
    expect(s.flush()).toEqual([]);
  });

  it('gives the same lines however the stream is chunked', () => {
    const text = fc
      .array(fc.constantFrom('a', 'b', ' ', '\n', '\r', '\r\n'), { maxLength: 200 })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(text, fc.array(fc.nat(200), { maxLength: 10 }), (t, cuts) => {
        const whole = new LineSplitter();
        const expected = [...whole.push(t), ...whole.flush()];
        const parts = new LineSplitter();
        const got: string[] = [];
        let at = 0;
        for (const c of [...cuts].sort((a, b) => a - b)) {
          const end = Math.min(c, t.length);
          if (end < at) continue;
          got.push(...parts.push(t.slice(at, end)));
          at = end;
        }
        got.push(...parts.push(t.slice(at)), ...parts.flush());
        expect(got).toEqual(expected);
        for (const l of got) expect(l).not.toMatch(/[\r\n]/);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseConsoleLine', () => {
  it('recognises Xen 4.17 and 4.20 guest prefixes and timestamps', () => {
    expect(parseConsoleLine('(XEN) DOM2: hello', 1)).toMatchObject({ domid: 2, payload: 'hello' });
    expect(parseConsoleLine('(XEN) [    1.234] DOM10: x', 1)).toMatchObject({ domid: 10, payload: 'x' });
    expect(parseConsoleLine('(XEN) (d3) guest', 1)).toMatchObject({ domid: 3, payload: 'guest' });
    expect(parseConsoleLine('(d1) hvc', 1)).toMatchObject({ domid: 1, payload: 'hvc' });
    const focus = parseConsoleLine('(XEN) PROBE-ONE up', 1);
    expect(focus.domid).toBeUndefined();
    expect(focus.payload).toBe('PROBE-ONE up');
    expect(parseConsoleLine('plain dom0', 2)).toEqual({ t: 2, text: 'plain dom0', payload: 'plain dom0' });
  });
});

// Recorded from Xen 4.20 booting two probe guests (DOM1 holds the console focus: no prefix).
const XEN420 = [
  "(XEN) *** Serial input to DOM1 (type 'CTRL-a' three times to switch input)",
  '(XEN) DOM2: PROBE-TWO up',
  '(XEN) Freed 368kB init memory.',
  '(XEN) PROBE-ONE up',
];

describe('ConsoleMonitor', () => {
  it('meets each domain by its marker whether or not Xen prefixed it', () => {
    const m = new ConsoleMonitor([
      { domain: 'domU1', match: 'PROBE-ONE up', domid: 1 },
      { domain: 'domU2', match: /PROBE-(TWO) up/, domid: 2 },
    ]);
    XEN420.forEach((l, i) => {
      m.line(parseConsoleLine(l, i));
      expect(m.allMet).toBe(i === 3);
    });
    const [d1, d2] = m.domainResults();
    expect(d1).toMatchObject({ met: true, secondsToMet: 3, secondsToFirstOutput: 3 });
    expect(d2).toMatchObject({ met: true, secondsToMet: 1, groups: ['TWO'], matchedLine: XEN420[1] });
    expect(m.failure).toBeUndefined();
  });

  it('times first output by prefix, and refuses a marker printed under another domid', () => {
    const m = new ConsoleMonitor([{ domain: 'a', match: 'READY', domid: 1 }]);
    m.line(parseConsoleLine('(XEN) DOM1: booting', 0.5));
    m.line(parseConsoleLine('(XEN) DOM2: READY', 1));
    expect(m.allMet).toBe(false);
    m.line(parseConsoleLine('(XEN) DOM1: READY', 2));
    expect(m.domainResults()[0]).toMatchObject({ met: true, secondsToFirstOutput: 0.5, secondsToMet: 2 });
  });

  it('lets one line satisfy one expectation only', () => {
    const m = new ConsoleMonitor([
      { domain: 'a', match: 'UP' },
      { domain: 'b', match: 'UP' },
    ]);
    m.line(parseConsoleLine('UP', 1));
    expect(m.domainResults().map((d) => d.met)).toEqual([true, false]);
    m.line(parseConsoleLine('UP', 2));
    expect(m.allMet).toBe(true);
  });

  it('reports a Xen panic with its message and the domain it names', () => {
    const m = new ConsoleMonitor([{ domain: 'domU1', match: 'x' }]);
    for (const l of [
      '(XEN) ****************************************',
      '(XEN) Panic on CPU 0:',
      '(XEN) Could not set up domain domU1 (rc = -22)',
    ]) {
      m.line(parseConsoleLine(l, 1));
      expect(m.failure).toBeUndefined();
    }
    m.line(parseConsoleLine('(XEN) ****************************************', 1.1));
    expect(m.failure).toEqual({
      reason: 'Xen panic: Could not set up domain domU1 (rc = -22)',
      domain: 'domU1',
      t: 1,
    });
  });

  it('names the domain Xen was loading when its panic does not (recorded from Xen 4.17)', () => {
    const m = new ConsoleMonitor([
      { domain: 'small', match: 'ONE', domid: 1 },
      { domain: 'huge', match: 'TWO', domid: 2 },
    ]);
    for (const l of [
      '(XEN) Loading d1 kernel from boot module @ 0000000050000000',
      '(XEN) *** LOADING DOMU cpus=1 memory=400000KB ***',
      '(XEN) Loading d2 kernel from boot module @ 0000000050200000',
      '(XEN) ****************************************',
      '(XEN) Panic on CPU 0:',
      '(XEN) Failed to allocate requested domain memory. 4194304KB unallocated. Fix the VMs configurations.',
      '(XEN) ****************************************',
    ]) {
      m.line(parseConsoleLine(l, 1));
    }
    expect(m.failure?.domain).toBe('huge');
  });

  it('still reports a panic cut off before its closing rule', () => {
    const m = new ConsoleMonitor([]);
    m.line(parseConsoleLine('(XEN) Panic on CPU 1:', 1));
    m.line(parseConsoleLine('(XEN) Xen BUG at foo.c:12', 1));
    expect(m.failure).toBeUndefined();
    m.finish();
    expect(m.failure?.reason).toBe('Xen panic: Xen BUG at foo.c:12');
  });

  it('attributes a guest kernel panic to the domain by its prefix', () => {
    const m = new ConsoleMonitor([{ domain: 'linux', match: 'DOMBUILD-OBSERVE', domid: 2 }]);
    m.line(parseConsoleLine('(XEN) DOM2: Kernel panic - not syncing: No working init found.', 4));
    expect(m.failure).toMatchObject({ domain: 'linux', t: 4 });
  });

  it('refuses two expectations for one domain', () => {
    expect(
      () =>
        new ConsoleMonitor([
          { domain: 'a', match: 'x' },
          { domain: 'a', match: 'y' },
        ]),
    ).toThrow();
  });
});
