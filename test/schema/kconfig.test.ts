import { describe, expect, it } from 'vitest';
import { kconfigEnabled, parseKconfig } from '../../schema/index.js';

describe('parseKconfig', () => {
  it('reads assignments, "is not set" lines and strings', () => {
    const { kconfig, diagnostics } = parseKconfig(
      [
        '#',
        '# Automatically generated file; DO NOT EDIT.',
        'CONFIG_STATIC_MEMORY=y',
        '# CONFIG_LLC_COLORING is not set',
        'CONFIG_NR_CPUS=128',
        'CONFIG_XSM_FLASK_POLICY="a \\"b\\""',
        'CONFIG_MOD=m',
        '',
      ].join('\n'),
    );
    expect(diagnostics).toEqual([]);
    expect(kconfigEnabled(kconfig, 'STATIC_MEMORY')).toBe(true);
    expect(kconfigEnabled(kconfig, 'MOD')).toBe(true);
    expect(kconfigEnabled(kconfig, 'LLC_COLORING')).toBe(false);
    expect(kconfigEnabled(kconfig, 'ABSENT')).toBe(false);
    expect(kconfig.values.get('NR_CPUS')).toBe('128');
    expect(kconfig.values.get('XSM_FLASK_POLICY')).toBe('a "b"');
  });

  it('reports lines that are not Kconfig with their line number', () => {
    const { diagnostics } = parseKconfig('CONFIG_A=y\nhello\n', '.config');
    expect(diagnostics.map((d) => [d.id, d.line])).toEqual([['kconfig-syntax', 2]]);
  });
});
