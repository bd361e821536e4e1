import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadConfigOrThrow, validate } from '../../schema/index.js';

const at = (text: string) => {
  const r = loadConfig(text, 'sys.yaml');
  return r.diagnostics.map((d) => ({ id: d.id, path: d.path, line: d.line, col: d.col }));
};

const ok = `xen:
  release: "4.20"
board: qemu-virt-arm64
domains:
  - name: g1
    kernel: probe
    memory: 64M
`;

describe('loadConfig', () => {
  it('types a valid config and applies defaults', () => {
    const r = loadConfig(ok, 'sys.yaml');
    expect(r.diagnostics).toEqual([]);
    const d = r.config!.domains[0]!;
    expect(d.memory).toBe(64n << 20n);
    expect(d.vcpus).toBe(1);
    expect(d.boot).toBe(true);
    expect(d.kernel).toEqual({ kind: 'probe' });
    expect(r.config!.boot.method).toBe('uboot');
    expect(r.config!.boot.align).toBe(2n << 20n);
    expect(r.config!.cpupools).toEqual([]);
  });

  it('reads an unquoted 4.20 as release 4.20', () => {
    const r = loadConfig(ok.replace('"4.20"', '4.20'), 'sys.yaml');
    expect(r.config?.xen.release).toBe('4.20');
  });

  it('keeps 64-bit addresses exact', () => {
    const r = loadConfig(
      `${ok}    staticMemory: [{ base: 0xfffffffff0000000, size: 0x10000000 }]\n    memory2: 1\n`.replace(
        '    memory2: 1\n',
        '',
      ),
      'sys.yaml',
    );
    expect(r.config!.domains[0]!.staticMemory![0]!.base).toBe(0xffff_ffff_f000_0000n);
  });

  it('reads JSON through the same path', () => {
    const json = JSON.stringify({
      xen: { release: '4.17' },
      board: 'qemu-virt-arm64',
      domains: [{ name: 'g', kernel: 'probe', memory: '32M', vpl011: true }],
    });
    const r = loadConfig(json, 'sys.json');
    expect(r.diagnostics).toEqual([]);
    expect(r.config!.domains[0]!.vpl011).toBe(true);
    const bad = loadConfig(json.replace('"32M"', '"32Q"'), 'sys.json');
    expect(bad.diagnostics.map((d) => [d.id, d.path, d.line])).toEqual([
      ['invalid-value', 'domains[0].memory', 1],
    ]);
  });

  it('locates type errors, unknown fields and param problems at file:line:col', () => {
    const text = `xen:
  release: "4.20"
board: qemu-virt-arm64
domains:
  - name: g1
    kernel: probe
    memroy: 64M
    memory: 12X
    params: ["vpl011=on", "nr_spis=abc"]
`;
    expect(at(text)).toEqual([
      { id: 'unknown-field', path: 'domains[0].memroy', line: 7, col: 5 },
      { id: 'invalid-value', path: 'domains[0].memory', line: 8, col: 13 },
      { id: 'param-value', path: 'domains[0].params[1]', line: 9, col: 27 },
    ]);
    const r = loadConfig(text, 'sys.yaml');
    expect(r.diagnostics.find((d) => d.id === 'unknown-field')?.hint).toContain('memory');
    expect(r.config).toBeUndefined();
  });

  it('points a value that came from params at the params item', () => {
    const text = `${ok}    params: ["xenstore=bogus"]\n`;
    expect(at(text)).toEqual([{ id: 'invalid-value', path: 'domains[0].xenstore', line: 8, col: 14 }]);
  });

  it('reports a param that conflicts with a field', () => {
    expect(at(`${ok}    vpl011: true\n    params: ["vpl011=off"]\n`)).toEqual([
      { id: 'param-conflict', path: 'domains[0].params[0]', line: 9, col: 14 },
    ]);
  });

  it('reports missing required fields at their parent', () => {
    expect(at('xen: {}\nboard: b\n')).toEqual([
      { id: 'missing-field', path: 'xen.release', line: 1, col: 1 },
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    expect(at('xen: [\n')[0]?.id).toBe('yaml-syntax');
    expect(at('xen: {release: "4.20"}\nxen: {}\nboard: b\n')).toEqual([
      { id: 'yaml-duplicate-key', path: '', line: 2, col: 1 },
    ]);
  });

  it('limits aliases and size', () => {
    const bomb = `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`;
    expect(at(bomb)[0]?.id).toBe('yaml-syntax');
    expect(at('x'.repeat(2 * 1024 * 1024))[0]?.id).toBe('config-too-large');
  });

  it('refuses hostile nesting before the YAML parser recurses on it', () => {
    let indented = '';
    for (let i = 0; i < 1400; i++) indented += `${' '.repeat(i)}a:\n`;
    for (const text of ['['.repeat(20000), `${'- '.repeat(5000)}x`, '{a: '.repeat(20000), indented]) {
      const t0 = performance.now();
      expect(at(text).map((d) => d.id)).toEqual(['config-too-deep']);
      expect(performance.now() - t0).toBeLessThan(10_000);
    }
  });

  it('loadConfigOrThrow throws a ConfigError carrying the diagnostics', () => {
    expect(loadConfigOrThrow(ok, 'sys.yaml').domains).toHaveLength(1);
    try {
      loadConfigOrThrow('xen: {}\n', 'sys.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).diagnostics.length).toBeGreaterThan(0);
    }
  });

  it('fuzz: mutating a valid config only ever gives located, typed diagnostics (loading and checks)', () => {
    const base = readFileSync(new URL('../../examples/static-partitioning.yaml', import.meta.url), 'utf8');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: base.length - 1 }),
        fc.integer({ min: 0, max: 8 }),
        fc.string({ maxLength: 8 }),
        (pos, del, ins) => {
          const text = base.slice(0, pos) + ins + base.slice(pos + del);
          const r = loadConfig(text, 'm.yaml');
          for (const d of r.diagnostics) {
            expect(d.id).toMatch(/^[a-z0-9-]+$/);
            expect(['error', 'warning', 'info']).toContain(d.severity);
            expect(d.file).toBe('m.yaml');
          }
          if (!r.config) expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
          else for (const d of validate(r.config, { source: r.source })) expect(d.id).toMatch(/^[a-z0-9-]+$/);
        },
      ),
      { numRuns: 200 },
    );
  });
});
