// createdomain bytes judged by Xen's own headers: Debian's libxen-dev for 4.17 (bookworm) and 4.20
// (trixie), compiled for x86_64 (run) and arm64 (cross-compiled, bytes read from the object).
// 4.18, 4.19, 4.21 and 4.22 are not packaged by Debian: they are checked against the reference's
// golden vectors and offset tables in createdomain.test.ts instead.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCreateDomain } from '../../builder/createdomain/encode.js';
import { CREATEDOMAIN_ARCHES } from '../../builder/createdomain/releases.js';
import { type CreateDomainSpec, createDomainSpec } from '../../builder/createdomain/spec.js';
import { inCI, requireTools } from '../support/tools.js';
import { arbSpec } from './probe/arbitraries.js';
import { compileProbe, debianHeaderSets } from './probe/c-probe.js';

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
        const seed = Date.now() ^ (h.release === '4.17' ? 0x417 : 0x420);
        const random = fc.sample(arbSpec(t), { numRuns: 12, seed });
        const specs = [...fixedSpecs(arch), ...random];
        const theirs = compileProbe(specs, t, h);
        specs.forEach((s, i) => {
          expect(hex(encodeCreateDomain(s, t)), `spec #${i} (fast-check seed ${seed})`).toBe(hex(theirs[i]!));
        });
      });
    }
  }
});
