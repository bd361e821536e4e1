// The runner's stream handling and process control, tested on real child processes that print
// like QEMU does; the real QEMU boots are in test/e2e.
import { describe, expect, it } from 'vitest';
import type { QemuCommand } from '../../qemu/argv.js';
import { QemuError } from '../../qemu/errors.js';
import { runQemu } from '../../qemu/runner.js';

const sh = (script: string): QemuCommand => ({ command: 'sh', args: ['-c', script] });
const node = (script: string): QemuCommand => ({ command: process.execPath, args: ['-e', script] });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidFrom(console: string): number {
  const m = /^PID (\d+)$/m.exec(console);
  if (!m) throw new Error('no PID line');
  return Number(m[1]);
}

// "Stopped early" means before the 20 s timeout and the children's 30 s sleep: only a runner
// that waited for either fails. Stopping takes well under a second, so load cannot reach it.
const STOPPED_EARLY_S = 19;

describe('runQemu', () => {
  it('stops the process as soon as every expectation is met', async () => {
    const r = await runQemu({
      command: sh(
        'echo "PID $$"; printf "(XEN) DOM1: one\\r\\n(XEN) two"; sleep 0.2; echo " up"; exec sleep 30',
      ),
      expectations: [
        { domain: 'a', match: 'one', domid: 1 },
        { domain: 'b', match: /^two up$/ },
      ],
      timeoutMs: 20_000,
    });
    expect(r.ok).toBe(true);
    expect(r.outcome).toBe('met');
    expect(r.durationSeconds).toBeLessThan(STOPPED_EARLY_S);
    expect(r.domains.map((d) => d.met)).toEqual([true, true]);
    expect(r.domains[1]?.secondsToMet).toBeGreaterThanOrEqual(0.2);
    expect(r.exit).toBeUndefined();
    expect(r.console).toBe(`PID ${pidFrom(r.console)}\n(XEN) DOM1: one\n(XEN) two up\n`);
    expect(alive(pidFrom(r.console))).toBe(false);
  });

  it('stops at the timeout and names who is not up', async () => {
    const r = await runQemu({
      command: sh('echo "PID $$"; exec sleep 30'),
      expectations: [{ domain: 'a', match: 'never' }],
      timeoutMs: 300,
    });
    expect(r.outcome).toBe('timeout');
    expect(r.ok).toBe(false);
    expect(r.reason).toContain('a');
    expect(alive(pidFrom(r.console))).toBe(false);
  });

  it('gives up early on a console that stays empty, and not on one that speaks', async () => {
    const silent = await runQemu({
      command: sh('exec sleep 30'),
      expectations: [{ domain: 'a', match: 'UP' }],
      timeoutMs: 20_000,
      firstOutputTimeoutMs: 300,
    });
    expect(silent.outcome).toBe('silent');
    expect(silent.durationSeconds).toBeLessThan(STOPPED_EARLY_S);
    const late = await runQemu({
      command: sh('echo booting; sleep 0.6; echo UP; exec sleep 30'),
      expectations: [{ domain: 'a', match: 'UP' }],
      timeoutMs: 20_000,
      firstOutputTimeoutMs: 300,
    });
    expect(late.outcome).toBe('met');
    const handedOver = await runQemu({
      command: sh('echo "U-Boot"; echo "Starting kernel ..."; exec sleep 30'),
      expectations: [{ domain: 'a', match: 'UP' }],
      timeoutMs: 20_000,
      firstOutputTimeoutMs: 300,
      handover: 'Starting kernel ...',
    });
    expect(handedOver.outcome).toBe('silent');
    expect(handedOver.reason).toContain('Starting kernel');
  });

  it('reports QEMU ending on its own, and matches an unterminated last line', async () => {
    const r1 = await runQemu({
      command: sh('printf "x\\nUP"; exit 0'),
      expectations: [{ domain: 'a', match: 'UP' }],
      timeoutMs: 5000,
    });
    expect(r1.outcome).toBe('met');
    const r2 = await runQemu({
      command: sh('echo "qemu: bad option" >&2; exit 3'),
      expectations: [{ domain: 'a', match: 'UP' }],
      timeoutMs: 5000,
    });
    expect(r2.outcome).toBe('exited');
    expect(r2.exit).toEqual({ code: 3, signal: null });
    expect(r2.stderr).toContain('bad option');
  });

  it('stops on a Xen panic and reports it as the failure', async () => {
    const panic = [
      '(XEN) ****************************************',
      '(XEN) Panic on CPU 0:',
      '(XEN) Could not set up domain domU2 (rc = -22)',
      '(XEN) ****************************************',
      '(XEN) Reboot in five seconds...',
    ];
    const r = await runQemu({
      command: sh(`echo "PID $$"; printf '${panic.join('\\n')}\\n'; exec sleep 30`),
      expectations: [{ domain: 'domU2', match: 'UP' }],
      timeoutMs: 20_000,
    });
    expect(r.outcome).toBe('failed');
    expect(r.failure?.domain).toBe('domU2');
    expect(r.reason).toMatch(/^domU2: /);
    expect(r.durationSeconds).toBeLessThan(STOPPED_EARLY_S);
    expect(alive(pidFrom(r.console))).toBe(false);
  });

  it('kills with SIGKILL when SIGTERM is ignored', async () => {
    const r = await runQemu({
      command: node(
        "process.on('SIGTERM',()=>{});console.log('PID '+process.pid);console.log('UP');setInterval(()=>{},1000)",
      ),
      expectations: [{ domain: 'a', match: 'UP' }],
      timeoutMs: 20_000,
      killGraceMs: 200,
    });
    expect(r.outcome).toBe('met');
    expect(alive(pidFrom(r.console))).toBe(false);
  });

  it('kills the process when the caller aborts or a line callback throws', async () => {
    let pid = 0;
    const ac = new AbortController();
    await expect(
      runQemu({
        command: sh('echo "PID $$"; exec sleep 30'),
        expectations: [{ domain: 'a', match: 'never' }],
        timeoutMs: 20_000,
        signal: ac.signal,
        onLine: (l) => {
          pid = Number(l.text.slice(4));
          ac.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(alive(pid)).toBe(false);

    const boom = new Error('boom');
    await expect(
      runQemu({
        command: sh('echo "PID $$"; exec sleep 30'),
        expectations: [],
        timeoutMs: 20_000,
        onLine: (l) => {
          pid = Number(l.text.slice(4));
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(alive(pid)).toBe(false);
  });

  it('types each input once, in order, when its prompt appears (even without a newline)', async () => {
    const script = [
      "process.stdout.write('Hit any key: 2');",
      "let buf='';",
      "process.stdin.on('data', d => { buf += d;",
      "  if (buf === 'x') process.stdout.write('\\n=> ');",
      "  else if (buf.endsWith('\\r')) { console.log('\\nGOT ' + JSON.stringify(buf)); }",
      '});',
    ].join('');
    const r = await runQemu({
      command: node(script),
      input: [
        { when: 'Hit any key', send: 'x' },
        { when: /^=> $/, send: 'boot it\r' },
      ],
      expectations: [{ domain: 'fw', match: 'GOT' }],
      timeoutMs: 20_000,
    });
    expect(r.outcome).toBe('met');
    expect(r.domains[0]?.matchedLine).toBe('GOT "xboot it\\r"');
  });

  it('rejects with SPAWN when QEMU is not installed', async () => {
    const err = await runQemu({
      command: { command: 'qemu-system-does-not-exist', args: [] },
      expectations: [],
      timeoutMs: 1000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QemuError);
    expect((err as QemuError).code).toBe('SPAWN');
  });
});
