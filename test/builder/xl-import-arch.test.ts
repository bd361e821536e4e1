// The importer guesses the architecture from keys only one architecture's xl reads, derived from
// the registry's xl encodings (plus a few keys outside the registry).
import { describe, expect, it } from 'vitest';
import { importXlConfig } from '../../importers/xl.js';
import { registry } from '../../schema/index.js';

const guess = (line: string) => importXlConfig(`name = "a"\nkernel = "k"\nmemory = 64\n${line}\n`).arch;

describe('xl import: architecture guess', () => {
  it.each([
    ['vuart = "sbsa_uart"', 'arm64'],
    ['nr_spis = 3', 'arm64'],
    ['device_tree = "/x.dtb"', 'arm64'],
    ['gic_version = "v3"', 'arm64'],
    ['nestedhvm = 1', 'x86_64'],
    ['altp2m_count = 3', 'x86_64'],
    ['dm_restrict = 1', 'x86_64'],
    ['device_model_stubdomain_override = 1', 'x86_64'],
    ['pci = [ "01:00.0" ]', 'x86_64'],
    ['type = "pvh"', 'arm64'],
    ['type = "hvm"', 'x86_64'],
    ['max_grant_frames = 32', 'arm64'],
  ])('%s → %s', (line, arch) => {
    expect(guess(line)).toBe(arch);
  });

  it('every xl key used only by x86-only controls (type aside) makes the guess x86', () => {
    const elsewhere = new Set(registry.filter((f) => f.arches.join() !== 'x86_64').map((f) => f.xl?.key));
    const keys = registry
      .filter((f) => f.xl && f.xl.key !== 'type' && f.xl.kind !== 'custom' && f.arches.join() === 'x86_64')
      .map((f) => f.xl!.key)
      .filter((k) => !elsewhere.has(k));
    expect(keys.length).toBeGreaterThan(2);
    for (const key of keys) expect([key, guess(`${key} = 1`)]).toEqual([key, 'x86_64']);
  });
});
