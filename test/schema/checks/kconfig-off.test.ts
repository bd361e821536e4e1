// A Kconfig gate judges what a domain asks of the Xen build: a switch turned off asks nothing, so
// directMap: false validates against a build without CONFIG_STATIC_MEMORY (Debian's), as Xen boots it.
import { describe, expect, it } from 'vitest';
import { baseConfig, run } from '../helpers.js';

const NO_STATIC = 'CONFIG_ARM=y\nCONFIG_DOM0LESS_BOOT=y\n# CONFIG_STATIC_MEMORY is not set\n';

describe('Kconfig gates and switches turned off', () => {
  it('directMap: false draws no direct-map-kconfig', () => {
    expect(run(baseConfig({}, { directMap: false }), { kconfig: NO_STATIC }).ids).not.toContain(
      'direct-map-kconfig',
    );
  });
  it('directMap: true still does', () => {
    const r = run(baseConfig({}, { directMap: true, staticMemory: [{ base: '0x60000000', size: '64M' }] }), {
      kconfig: NO_STATIC,
    });
    expect(r.ids).toContain('direct-map-kconfig');
  });
});
