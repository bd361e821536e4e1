// passthrough-board's guest-address rule: an MMIO range must not land on what Xen's Arm guest map
// already holds (RAM, GIC, vpl011, grant table, the devices' window); a direct-mapped domain's
// guest address is its host address and is judged as host memory instead.
import { describe, expect, it } from 'vitest';
import { baseConfig, run, testBoard } from './helpers.js';

const ids = (iomem: Record<string, string>, domain: Record<string, unknown> = {}) =>
  run(baseConfig({}, { passthrough: { iomem: [{ size: '4K', ...iomem }] }, ...domain }), {
    board: testBoard({ iommu: true }),
  }).ids.filter((id) => id === 'passthrough-board');

describe('passthrough-board: guest addresses', () => {
  it('refuses guest RAM, the GIC, vpl011, the grant table and the devices window', () => {
    for (const guest of [
      '0x40000000',
      '0x3001000',
      '0x4010000',
      '0x22000000',
      '0x38000000',
      '0x23000000',
      '0x200000000',
    ])
      expect(ids({ host: '0x9010000', guest }), guest).toEqual(['passthrough-board']);
  });
  it('accepts a free guest address, or the host address where that is free', () => {
    expect(ids({ host: '0x9010000', guest: '0x5000000' })).toEqual([]);
    expect(ids({ host: '0x9010000' })).toEqual([]);
  });
});
