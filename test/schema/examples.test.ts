// Every example loads and validates without errors (the names are part of the contract).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseKconfig, validate } from '../../schema/index.js';
import { testBoard } from './helpers.js';

const dir = new URL('../../examples/', import.meta.url);

describe.each(['minimal', 'static-partitioning', 'dom0-runtime', 'x86-dom0'])('examples/%s.yaml', (name) => {
  it('validates with no errors', () => {
    const r = loadConfig(readFileSync(new URL(`${name}.yaml`, dir), 'utf8'), `${name}.yaml`);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const config = r.config!;
    const opts: Parameters<typeof validate>[1] = { source: r.source };
    if (config.xen.kconfig)
      opts.kconfig = parseKconfig(readFileSync(new URL(config.xen.kconfig, dir), 'utf8')).kconfig;
    if (config.arch !== 'x86_64') opts.board = testBoard({ cpuIds: [0, 1] });
    const errors = validate(config, opts).filter((d) => d.severity === 'error');
    expect(errors).toEqual([]);
  });
});

describe('example contents', () => {
  const load = (n: string) => loadConfig(readFileSync(new URL(`${n}.yaml`, dir), 'utf8'), n).config!;

  it('minimal: two probe guests on Xen 4.17, nothing to download', () => {
    const c = load('minimal');
    expect(c.xen.release).toBe('4.17');
    expect(c.board).toBe('qemu-virt-arm64');
    expect(c.domains.map((d) => d.kernel.kind)).toEqual(['probe', 'probe']);
  });

  it('static-partitioning: static memory, direct map, cpupools, shared memory, event channels', () => {
    const c = load('static-partitioning');
    expect(c.cpupools.length).toBeGreaterThan(0);
    expect(c.domains.some((d) => d.directMap && d.staticMemory)).toBe(true);
    expect(c.domains.every((d) => d.sharedMemory && d.eventChannels)).toBe(true);
    expect(c.xen.kconfig).toBeDefined();
  });

  it('dom0-runtime: a dom0 and run-time domains', () => {
    const c = load('dom0-runtime');
    expect(c.dom0).toBeDefined();
    expect(c.domains.some((d) => !d.boot)).toBe(true);
  });

  it('x86-dom0: Xen 4.17 on x86_64 with a PV dom0', () => {
    const c = load('x86-dom0');
    expect(c.arch).toBe('x86_64');
    expect(c.xen.release).toBe('4.17');
    expect(c.dom0?.type ?? 'pv').toBe('pv');
  });
});
