// The U-Boot string rule is one definition in schema/ that the builder's quoting shares; a
// backslash (which real U-Boot strips even inside single quotes) must fail validation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUbootSafe as builderRule } from '../../../builder/uboot/quote.js';
import { isUbootSafe, UBOOT_SAFE_PATTERN } from '../../../schema/index.js';
import { baseConfig as cfg, run } from '../helpers.js';

const fired = (r: ReturnType<typeof run>) =>
  r.diagnostics.filter((d) => d.id === 'uboot-safe-string').map((d) => d.path);

describe('uboot-safe-string', () => {
  it('refuses a backslash in a command line', () => {
    expect(fired(run(cfg({}, { cmdline: 'console=hvc0 root=\\dev' })))).toEqual(['domains[0].cmdline']);
    expect(fired(run(cfg({ xen: { release: '4.21', image: 'xen', cmdline: 'a\\b' } })))).toEqual([
      'xen.cmdline',
    ]);
  });

  it('refuses a backslash in a file path', () => {
    expect(fired(run(cfg({}, { kernel: 'images\\Image' })))).toEqual(['domains[0].kernel']);
  });

  it('the builder quotes with the very same rule the schema checks', () => {
    expect(builderRule).toBe(isUbootSafe);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(isUbootSafe(s)).toBe(UBOOT_SAFE_PATTERN.test(s));
      }),
      { numRuns: 300 },
    );
    for (let c = 0; c < 0x100; c++) {
      const ch = String.fromCharCode(c);
      expect(isUbootSafe(ch)).toBe(c >= 0x20 && c <= 0x7e && c !== 0x27 && c !== 0x5c);
    }
  });
});
