// Fixtures for the checks generated from registry entries (release, Kconfig, arch, expressible),
// derived from each entry's example value so a new registry entry is covered automatically.

import { kebab } from '../../../schema/checks/check.js';
import { hasReleaseGate, releaseNeeded } from '../../../schema/checks/gates.js';
import type { Domain } from '../../../schema/index.js';
import { ARCHES, type Feature, registry } from '../../../schema/index.js';
import { baseConfig, type Input } from '../helpers.js';
import type { Fixture } from './fixtures.js';

function domain(f: Feature, value: unknown, boot: boolean): Input {
  return { name: 'a', kernel: 'probe', memory: '64M', boot, [f.key]: value };
}

function config(release: string, dom: Input, over: Input = {}): Input {
  return { ...baseConfig({ xen: { release, image: 'xen' } }), domains: [dom], ...over };
}

function releaseFixture(f: Feature): Fixture | undefined {
  const values = [f.example, ...Object.keys(f.valueSince ?? {})];
  for (const boot of [true, false]) {
    for (const v of values) {
      const need = releaseNeeded(f, { boot, [f.key]: v } as unknown as Domain);
      if (need === '4.17') continue;
      return { bad: config('4.17', domain(f, v, boot)), good: config('4.22', domain(f, v, boot)) };
    }
  }
  return undefined;
}

export function gateFixtures(): Record<string, Fixture> {
  const out: Record<string, Fixture> = {};
  for (const f of registry) {
    const id = kebab(f.key);
    if (f.arches.length < 3) {
      const wrong = ARCHES.find((a) => !f.arches.includes(a))!;
      const right = f.arches[0]!;
      out[`${id}-arch`] = {
        bad: config('4.22', domain(f, f.example, wrong !== 'x86_64'), { arch: wrong }),
        good: config('4.22', domain(f, f.example, right !== 'x86_64'), { arch: right }),
      };
    }
    if (hasReleaseGate(f)) {
      const fx = releaseFixture(f);
      if (fx) out[`${id}-release`] = fx;
    }
    if (f.kconfig?.length) {
      const on = f.kconfig.map((g) => `CONFIG_${g.option}=y`).join('\n');
      out[`${id}-kconfig`] = {
        bad: config('4.22', domain(f, f.example, true)),
        good: config('4.22', domain(f, f.example, true)),
        badOpts: { kconfig: 'CONFIG_DOM0LESS_BOOT=y' },
        goodOpts: { kconfig: `CONFIG_DOM0LESS_BOOT=y\n${on}` },
      };
    }
    if (!f.dt || !f.xl) {
      const badBoot = !f.dt;
      out[`${id}-expressible`] = {
        bad: config('4.22', domain(f, f.example, badBoot)),
        good: config('4.22', domain(f, f.example, !badBoot)),
      };
    }
  }
  return out;
}
