import { describe, expect, it } from 'vitest';
import { runChecks } from '../../../schema/checks/runner.js';
import { checkTable, defineCheck, releaseFacts } from '../../../schema/index.js';
import { baseConfig, run, testBoard } from '../helpers.js';
import { fixtures } from './fixtures.js';
import { gateFixtures } from './gate-fixtures.js';

const all = { ...fixtures, ...gateFixtures() };

describe('check table', () => {
  it('has unique kebab-case ids', () => {
    const ids = checkTable().map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('every check has a failing fixture (meta)', () => {
    const missing = checkTable()
      .map((c) => c.id)
      .filter((id) => !(id in all));
    expect(missing).toEqual([]);
  });

  it('every fixture names a check in the table', () => {
    const ids = new Set(checkTable().map((c) => c.id));
    expect(Object.keys(all).filter((id) => !ids.has(id))).toEqual([]);
  });
});

describe.each(Object.entries(all))('%s', (id, fx) => {
  it('fires on the failing fixture, from YAML and from JSON alike', () => {
    const yaml = run(fx.bad, fx.badOpts);
    expect(yaml.ids).toContain(id);
    const json = run(fx.bad, { ...fx.badOpts, as: 'json' });
    expect(json.diagnostics.map((d) => [d.id, d.path])).toEqual(yaml.diagnostics.map((d) => [d.id, d.path]));
  });
  it('is silent on the passing fixture', () => {
    expect(run(fx.good, fx.goodOpts).ids).not.toContain(id);
  });
});

describe('runner', () => {
  const base = {
    config: run({ xen: { release: '4.21', image: 'x' }, board: 'b' }).config,
    release: '4.21' as const,
    facts: releaseFacts('4.21'),
    staged: {},
    arch: undefined,
    board: undefined,
    kconfig: undefined,
  };
  const failing = defineCheck({ id: 'always-fails', title: 't', run: (ctx) => ctx.report([], 'no') });
  const dependent = defineCheck({
    id: 'dependent',
    title: 't',
    needs: [failing],
    run: (ctx) => ctx.report([], 'x'),
  });

  it('skips a check whose prerequisite failed, and runs each check once', () => {
    const out = runChecks([failing, dependent, failing], base);
    expect(out.map((d) => d.id)).toEqual(['always-fails']);
  });

  it('applies severity overrides and turns checks off', () => {
    const warned = runChecks([failing, dependent], base, new Map([['always-fails', 'warning']]));
    expect(warned.map((d) => [d.id, d.severity])).toEqual([
      ['always-fails', 'warning'],
      ['dependent', 'error'],
    ]);
    expect(runChecks([failing], base, new Map([['always-fails', 'off']]))).toEqual([]);
  });

  it('reports each failure once (unique-domain-names needed by event channels)', () => {
    const r = run({
      xen: { release: '4.21', image: 'x' },
      board: 'b',
      domains: [
        {
          name: 'a',
          kernel: 'probe',
          memory: '64M',
          xenstore: 'no-xenstore',
          eventChannels: [{ port: 5, peer: 'a', peerPort: 6 }],
        },
        { name: 'a', kernel: 'probe', memory: '64M' },
      ],
    });
    expect(r.ids.filter((i) => i.startsWith('evtchn-'))).toEqual([]);
    expect(r.ids).toContain('unique-domain-names');
  });

  it('one capabilities mistake gives one diagnostic (the hardware-domain rules need its gates)', () => {
    const old = { xen: { release: '4.20', image: 'xen' } };
    const noIommu = { board: testBoard({ iommu: false }) };
    const one = run(baseConfig(old, { capabilities: ['hardware'] }), noIommu);
    expect(one.diagnostics.map((d) => [d.id, d.path])).toEqual([
      ['capabilities-release', 'domains[0].capabilities'],
    ]);
    const two = run(
      {
        ...baseConfig(old),
        domains: [
          { name: 'a', kernel: 'probe', memory: '64M', capabilities: ['hardware'] },
          { name: 'b', kernel: 'probe', memory: '64M', capabilities: ['hardware', 'xenstore'] },
        ],
      },
      noIommu,
    );
    expect(two.ids).toEqual(['capabilities-release', 'capabilities-release']);
    // with the release right, the rules that read capabilities still judge it
    expect(run(baseConfig({}, { capabilities: ['hardware'] }), noIommu).ids).toEqual(['hwdom-iommu']);
  });
});
