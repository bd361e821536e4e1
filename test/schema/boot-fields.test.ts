// boot.load has no schema default (absent: the board's own load command, resolved by the builder),
// and boot.dynamic is a declared field rather than an unknown key.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../schema/index.js';

const text = (boot: string) => `xen: { release: "4.21", image: xen }\nboard: qemu-virt-arm64\n${boot}`;

describe('boot.load and boot.dynamic', () => {
  it('leaves boot.load unset when the config does not name one', () => {
    const r = loadConfig(text(''), 'c.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.config?.boot.load).toBeUndefined();
    expect(r.config?.boot.dynamic).toBeUndefined();
  });

  it('keeps an explicit load command and a dynamic flag', () => {
    const r = loadConfig(text('boot: { load: "load mmc 0:1", dynamic: true }\n'), 'c.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.config?.boot.load).toBe('load mmc 0:1');
    expect(r.config?.boot.dynamic).toBe(true);
  });

  it('refuses a dynamic that is not a boolean, located at the field', () => {
    const r = loadConfig(text('boot:\n  dynamic: "yes"\n'), 'c.yaml');
    expect(r.config).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.path, d.line])).toEqual([['boot.dynamic', 4]]);
  });
});
