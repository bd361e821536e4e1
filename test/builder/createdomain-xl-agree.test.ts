// The createdomain blob and the xl config describe the same x86 guest: the guest type xl picks
// when `type` is left out (pv, xl.cfg(5)) and the altp2m view count libxl asks for (10).
import { describe, expect, it } from 'vitest';
import { createDomainSpecFromConfig } from '../../builder/createdomain-args.js';
import { emitXlConfigs } from '../../builder/xl/emit.js';
import { loadConfigOrThrow } from '../../schema/index.js';

const x86 = (release: string, dom: string) =>
  loadConfigOrThrow(
    `xen: { release: "${release}" }\narch: x86_64\nboard: { name: pc, arch: x86_64 }\ndomains:\n  - { name: d, kernel: probe, memory: 1G, boot: false${dom} }\n`,
    'x.yaml',
  );

/** The xl value of `key` in the emitted file, or undefined when the key is not written. */
function xlValue(text: string, key: string): string | undefined {
  const m = new RegExp(`^${key}\\s*=\\s*"?([^"\\n]*)"?\\s*$`, 'm').exec(text);
  return m?.[1];
}

describe('x86 blob and xl config agree', () => {
  it.each([
    ['', 'pv'],
    [', type: pv', 'pv'],
    [', type: pvh', 'pvh'],
    [', type: hvm', 'hvm'],
  ])('type%s → %s', (dom, xlType) => {
    const c = x86('4.19', dom);
    const text = emitXlConfigs(c).get('xl/d.cfg')!;
    // xl's own default when the key is absent is pv.
    expect(xlValue(text, 'type') ?? 'pv').toBe(xlType);
    const spec = createDomainSpecFromConfig(c, c.domains[0]!, { arch: 'x86_64' });
    expect(spec.flags.includes('XEN_DOMCTL_CDF_hvm')).toBe(xlType !== 'pv');
  });

  it.each([
    [', altp2m: mixed', 10],
    [', altp2m: mixed, altp2mCount: 3', 3],
  ])('altp2m%s → %i views', (dom, views) => {
    const c = x86('4.21', `, type: hvm${dom}`);
    const text = emitXlConfigs(c).get('xl/d.cfg')!;
    // libxl asks for 10 views when altp2m_count is absent.
    expect(Number(xlValue(text, 'altp2m_count') ?? 10)).toBe(views);
    expect(createDomainSpecFromConfig(c, c.domains[0]!, { arch: 'x86_64' }).altp2m.nr).toBe(views);
  });
});
