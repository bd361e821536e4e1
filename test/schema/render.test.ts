import { describe, expect, it } from 'vitest';
import { countBySeverity, renderHuman, renderJson, renderSummary } from '../../schema/diagnostic-render.js';
import { loadConfig } from '../../schema/index.js';

const text = `xen:
  release: "4.20"
board: qemu-virt-arm64
domains:
  - name: g1
    kernel: probe
    memory: 12X
`;

describe('rendering', () => {
  const r = loadConfig(text, 'sys.yaml');

  it('prints file:line:col, severity, id and path, a caret under the value, and the hint', () => {
    const out = renderHuman(r.diagnostics, { sources: [r.source] }).split('\n');
    expect(out[0]).toMatch(/^sys\.yaml:7:13: error \[invalid-value\] domains\[0\]\.memory: /);
    expect(out[1]).toMatch(/^\s+7 \|\s+memory: 12X$/);
    expect(out[2]).toBe(`      | ${' '.repeat(12)}^^^`);
    expect(out[3]).toMatch(/^ {2}hint: /);
  });

  it('colours only when asked', () => {
    expect(renderHuman(r.diagnostics, { sources: [r.source] })).not.toContain('\x1b[');
    expect(renderHuman(r.diagnostics, { sources: [r.source], color: true })).toContain('\x1b[31m');
    expect(renderSummary('sys.yaml', r.diagnostics, true, true)).toContain('\x1b[31m');
  });

  it('counts and summarises', () => {
    expect(countBySeverity(r.diagnostics)).toEqual({ error: 1, warning: 0, info: 0 });
    expect(renderSummary('sys.yaml', [], false)).toBe('sys.yaml: valid\n');
  });

  it('JSON keeps every key, with null for absent ones', () => {
    const doc = JSON.parse(
      renderJson('sys.yaml', [{ id: 'x', severity: 'warning', message: 'm', path: '' }], true),
    );
    expect(doc.diagnostics[0]).toEqual({
      id: 'x',
      severity: 'warning',
      path: '',
      message: 'm',
      hint: null,
      ref: null,
      file: null,
      line: null,
      col: null,
    });
    expect(doc.counts).toEqual({ error: 0, warning: 1, info: 0 });
  });
});
