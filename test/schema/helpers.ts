// Shared fixtures for the schema tests: build a config object, load it as YAML text (so params and
// positions take the real path), validate it, and list the check ids that fired.
import { stringify } from 'yaml';
import type { BoardFacts } from '../../schema/index.js';
import { loadConfig, parseKconfig, validate } from '../../schema/index.js';

export type Input = Record<string, unknown>;

export const testBoard = (over: Partial<BoardFacts> = {}): BoardFacts => ({
  name: 'test-board',
  arch: 'arm64',
  ramBanks: [{ base: 0x4000_0000n, size: 0x8000_0000n }],
  cpuIds: [0, 1, 2, 3],
  gic: { version: 3 },
  uart: { path: '/pl011@9000000', irq: 33 },
  ...over,
});

/** A valid system: Xen 4.21 on the QEMU board with one probe guest. */
export function baseConfig(over: Input = {}, domain: Input = {}): Input {
  return {
    xen: { release: '4.21', image: 'xen' },
    board: 'qemu-virt-arm64',
    domains: [{ name: 'a', kernel: 'probe', memory: '64M', ...domain }],
    ...over,
  };
}

export interface RunOptions {
  board?: BoardFacts;
  kconfig?: string;
}

/**
 * Loads and validates; throws if the schema rejects it (fixtures must be well-typed).
 * `as: 'json'` takes the JSON input path instead of YAML.
 */
export function run(input: Input, opts: RunOptions & { as?: 'yaml' | 'json' } = {}) {
  const text = opts.as === 'json' ? JSON.stringify(input) : stringify(input);
  const loaded = loadConfig(text, opts.as === 'json' ? 'fixture.json' : 'fixture.yaml');
  if (!loaded.config) {
    throw new Error(
      `fixture does not load: ${loaded.diagnostics.map((d) => `${d.path}: ${d.message}`).join('; ')}\n${text}`,
    );
  }
  const vopts: Parameters<typeof validate>[1] = { source: loaded.source };
  if (opts.board) vopts.board = opts.board;
  if (opts.kconfig !== undefined) vopts.kconfig = parseKconfig(opts.kconfig).kconfig;
  const diagnostics = validate(loaded.config, vopts);
  return { config: loaded.config, diagnostics, ids: diagnostics.map((d) => d.id) };
}
