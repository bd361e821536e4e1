// createdomain bytes judged by Xen's own headers: Debian's libxen-dev for 4.17 (bookworm) and 4.20
// (trixie), compiled for x86_64 (run) and arm64 (cross-compiled, bytes read from the object).
// 4.18, 4.19, 4.21 and 4.22 are not packaged by Debian: they are checked against the reference's
// golden vectors and offset tables in createdomain.test.ts instead. Cases: fixed specs, random
// specs (seed in every message), and every domain of every example in examples/ as
// createDomainSpecFromConfig builds it, re-targeted at each packaged release. The headers must
// carry the release's XEN_DOMCTL_INTERFACE_VERSION, so a host whose /usr/include/xen is not
// bookworm's 4.17 fails loudly instead of judging against the wrong release.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveBoard } from '../../boards/index.js';
import { createDomainSpecFromConfig, type FromConfigError } from '../../builder/createdomain-args.js';
import { toBoardFacts } from '../../builder/pipeline/board.js';
import { loadConfigOrThrow } from '../../schema/index.js';
import {
  CREATEDOMAIN_ARCHES,
  CREATEDOMAIN_RELEASES,
  type CreateDomainArch,
  type CreateDomainSpec,
  createDomainSpec,
  encodeCreateDomain,
} from '../../xen-formats/index.js';
import { sampleSeed, seedNote } from '../support/seed.js';
import { inCI, requireTools } from '../support/tools.js';
import { arbSpec } from './probe/arbitraries.js';
import { compileProbe, debianHeaderSets, headerInterfaceVersion } from './probe/c-probe.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

const gate = requireTools(
  ['gcc', 'aarch64-linux-gnu-gcc', 'aarch64-linux-gnu-objcopy'],
  'apt-get install gcc gcc-aarch64-linux-gnu',
);

const headerSets = debianHeaderSets().map((h) => ({ ...h, present: existsSync(join(h.xenDir, 'domctl.h')) }));
for (const h of headerSets) {
  if (!h.present && inCI)
    throw new Error(`CI=true and Xen headers are missing: ${h.xenDir} (scripts/setup-system.sh)`);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function fixedSpecs(arch: 'arm64' | 'x86_64'): CreateDomainSpec[] {
  const handle = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  if (arch === 'arm64') {
    return [
      createDomainSpec({ name: 'plain', arch: { kind: 'arm64' } }),
      createDomainSpec({
        domain: 0x7ff5,
        ssidref: 0x11223344,
        handle,
        flags: ['XEN_DOMCTL_CDF_hvm', 'XEN_DOMCTL_CDF_hap', 'XEN_DOMCTL_CDF_iommu', 'XEN_DOMCTL_CDF_vpmu'],
        max_vcpus: 4,
        max_grant_frames: 64,
        max_maptrack_frames: 1024,
        cpupool_id: 3,
        arch: {
          kind: 'arm64',
          gic_version: 'XEN_DOMCTL_CONFIG_GIC_V3',
          tee_type: 'XEN_DOMCTL_CONFIG_TEE_OPTEE',
          nr_spis: 0x40,
          clock_frequency: 0x01234567,
        },
      }),
    ];
  }
  return [
    createDomainSpec({ name: 'pvh', arch: { kind: 'x86_64' } }),
    createDomainSpec({
      name: 'pv',
      flags: [],
      arch: { kind: 'x86_64', emulation_flags: ['XEN_X86_EMU_PIT'] },
    }),
    createDomainSpec({
      handle,
      ssidref: 0xdeadbeef,
      flags: [
        'XEN_DOMCTL_CDF_hvm',
        'XEN_DOMCTL_CDF_hap',
        'XEN_DOMCTL_CDF_nested_virt',
        'XEN_DOMCTL_CDF_oos_off',
      ],
      iommu_opts: ['XEN_DOMCTL_IOMMU_no_sharept'],
      max_vcpus: 128,
      grant_version: 2,
      vmtrace_size: 0x10000,
      arch: {
        kind: 'x86_64',
        emulation_flags: ['XEN_X86_EMU_LAPIC', 'XEN_X86_EMU_VPCI'],
        misc_flags: ['XEN_X86_MSR_RELAXED'],
      },
    }),
  ];
}

describe.skipIf(!gate.available)(`createdomain vs Xen's headers (C probe) ${gate.reason}`, () => {
  for (const h of headerSets) {
    for (const arch of CREATEDOMAIN_ARCHES) {
      const t = { release: h.release, arch };
      it.skipIf(!h.present)(`Xen ${h.release} ${arch} (${h.label}): our bytes = the C compiler's`, () => {
        const seed = sampleSeed();
        const random = fc.sample(arbSpec(t), { numRuns: 12, seed });
        const specs = [...fixedSpecs(arch), ...random];
        const theirs = compileProbe(specs, t, h);
        specs.forEach((s, i) => {
          expect(hex(encodeCreateDomain(s, t)), `spec #${i} (${seedNote(seed)})`).toBe(hex(theirs[i]!));
        });
      });
    }
  }
});

describe('the packaged headers are the releases they are labelled', () => {
  for (const h of headerSets) {
    it.skipIf(!h.present)(`${h.label}: XEN_DOMCTL_INTERFACE_VERSION is Xen ${h.release}'s`, () => {
      expect(headerInterfaceVersion(h)).toBe(CREATEDOMAIN_RELEASES[h.release].interfaceVersion);
    });
  }
});

/**
 * Guests appended to an example that has no createdomain domains of its own (x86-dom0.yaml boots
 * only dom0, which Xen builds from its command line), so its board and Xen settings still reach
 * the probe through the builder.
 */
const X86_GUESTS = `
domains:
  - { name: hvm, kernel: probe, memory: 256M, type: hvm, altp2m: external, vmtrace: 64K, boot: false }
  - { name: pvh, kernel: probe, memory: 128M, type: pvh, boot: false }
  - { name: pv, kernel: probe, memory: 128M, type: pv, boot: false }
`;

/** Every domain of every example, as the builder turns it into a createdomain spec. */
async function exampleSpecs() {
  const out = [];
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'))) {
    const path = join(EXAMPLES, file);
    let text = readFileSync(path, 'utf8');
    let label = file;
    if (loadConfigOrThrow(text, path).domains.length === 0) {
      text += X86_GUESTS;
      label = `${file} + hvm/pvh/pv guests`;
    }
    const config = loadConfigOrThrow(text, path);
    const b = await resolveBoard(config.board, { configDir: dirname(path), path: '' });
    if (!b.board) throw new Error(`${file}: board does not resolve`);
    out.push({ file: label, config, arch: b.board.arch as CreateDomainArch, facts: toBoardFacts(b.board) });
  }
  return out;
}

describe.skipIf(!gate.available)(
  `the examples' createdomain bytes vs Xen's headers ${gate.reason}`,
  async () => {
    const examples = await exampleSpecs();
    it('covers both arches', () => {
      expect(new Set(examples.map((e) => e.arch))).toEqual(new Set(CREATEDOMAIN_ARCHES));
    });
    for (const h of headerSets) {
      for (const e of examples) {
        it.skipIf(!h.present)(`${e.file} at Xen ${h.release} ${e.arch} (${h.label})`, () => {
          // The example re-targeted at the packaged release: the same domains, that release's layout.
          const config = { ...e.config, xen: { ...e.config.xen, release: h.release } };
          const t = { release: h.release, arch: e.arch };
          const specs = config.domains.map((d) => {
            try {
              return createDomainSpecFromConfig(config, d, { arch: e.arch, board: e.facts });
            } catch (err) {
              throw new Error(`${e.file} ${d.name} at ${h.release}: ${(err as FromConfigError).code} ${err}`);
            }
          });
          expect(specs.length).toBeGreaterThan(0);
          const theirs = compileProbe(specs, t, h);
          specs.forEach((s, i) => {
            expect(hex(encodeCreateDomain(s, t)), `${e.file} domain ${config.domains[i]!.name}`).toBe(
              hex(theirs[i]!),
            );
          });
        });
      }
    }
  },
);
