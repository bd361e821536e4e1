import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { registry } from '../../schema/index.js';
import { formatParams, MAX_PARAMS, parseParams } from '../../schema/params.js';
import { caseBudgetMs } from '../support/budget.js';
import { baseConfig, run } from './helpers.js';

const PROBLEM_IDS = new Set([
  'param-syntax',
  'param-unknown',
  'param-value',
  'param-duplicate',
  'param-limit',
]);

describe('parseParams', () => {
  it('reads Xen booleans, no- prefixes, integers with suffixes and lists', () => {
    const r = parseParams([
      'vpl011=on',
      'no-direct-map',
      'nr_spis=0x40',
      'max-grant-frames=1K',
      'capabilities=control,xenstore',
      'xenstore=no-xenstore',
      'iommu',
      'p2m_pool=8M',
      'sve=hw',
    ]);
    expect(r.problems).toEqual([]);
    expect(Object.fromEntries(r.values.map((v) => [v.key, v.value]))).toEqual({
      vpl011: true,
      directMap: false,
      nrSpis: 64,
      grantFrames: 1024,
      capabilities: ['control', 'xenstore'],
      xenstore: 'no-xenstore',
      iommu: true,
      p2mPool: 8 << 20,
      sve: 'max',
    });
  });

  it.each([
    ['vpl011=maybe', 'param-value'],
    ['nr_spis', 'param-value'],
    ['nr_spis=12Q', 'param-value'],
    ['no-vpl011=on', 'param-syntax'],
    ['bogus=1', 'param-unknown'],
    ['vpl011 =on', 'param-syntax'],
    ["cmd='x'", 'param-syntax'],
    ['=1', 'param-syntax'],
  ])('%s → %s', (item, id) => {
    expect(parseParams([item]).problems.map((p) => p.id)).toEqual([id]);
  });

  it('rejects duplicates and overlong lists', () => {
    expect(parseParams(['vpl011=on', 'vpl011=off']).problems.map((p) => p.id)).toEqual(['param-duplicate']);
    const many = Array.from({ length: MAX_PARAMS + 1 }, () => 'x=1');
    expect(parseParams(many).problems.some((p) => p.id === 'param-limit')).toBe(true);
  });

  it('keeps unknown params verbatim when allowed', () => {
    const r = parseParams(['vendor_knob=3', 'vpl011'], { allowUnknown: true });
    expect(r.unknown).toEqual([{ index: 0, text: 'vendor_knob=3' }]);
    expect(r.problems).toEqual([]);
  });

  it('suggests the nearest name', () => {
    expect(parseParams(['vpl01=on']).problems[0]?.hint).toContain('vpl011');
  });

  it('fuzz: never throws, never hangs, every rejection is a typed problem', () => {
    const names = registry.flatMap((f) => (f.param ? [f.param.name, `no-${f.param.name}`] : []));
    const item = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.tuple(fc.constantFrom(...names), fc.string({ maxLength: 20 })).map(([n, v]) => `${n}=${v}`),
      fc.constantFrom(...names),
    );
    // A case of 80 items may cost many times 80 valid names, never seconds.
    const limit = caseBudgetMs(
      () => parseParams(Array.from({ length: 80 }, (_, i) => names[i % names.length]!)),
      2000,
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(item, fc.anything()), { maxLength: 80 }), (items) => {
        const t0 = performance.now();
        const r = parseParams(items);
        expect(performance.now() - t0).toBeLessThan(limit);
        for (const p of r.problems) {
          expect(PROBLEM_IDS.has(p.id)).toBe(true);
          expect(p.index).toBeGreaterThanOrEqual(0);
          expect(p.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips values through formatParams', () => {
    const bools = registry.filter((f) => f.param?.kind === 'bool').map((f) => f.key);
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...bools), fc.boolean()),
        fc.option(fc.integer({ min: 0, max: 960 }), { nil: undefined }),
        (flags, nrSpis) => {
          const values: Record<string, unknown> = { ...flags };
          if (nrSpis !== undefined) values.nrSpis = nrSpis;
          const r = parseParams(formatParams(values));
          expect(r.problems).toEqual([]);
          expect(Object.fromEntries(r.values.map((v) => [v.key, v.value]))).toEqual(values);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('params in a config', () => {
  it('mean the same as the field', () => {
    const a = run(baseConfig({}, { vpl011: true, nrSpis: 64 })).config.domains[0]!;
    const b = run(baseConfig({}, { params: ['vpl011=on', 'nr_spis=64'] })).config.domains[0]!;
    expect(b.vpl011).toBe(a.vpl011);
    expect(b.nrSpis).toBe(a.nrSpis);
  });

  it('keeps unknown params for the blob when allowUnknownParams is set', () => {
    const d = run(baseConfig({}, { allowUnknownParams: true, params: ['vendor_knob=3'] })).config.domains[0]!;
    expect(d.unknownParams).toEqual(['vendor_knob=3']);
  });
});
