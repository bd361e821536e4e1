import { describe, expect, it } from 'vitest';
import { XEN_RELEASES } from '../../schema/index.js';
import type { CreateDomainTarget } from '../../xen-formats/index.js';
import {
  CREATEDOMAIN_PROBLEM_IDS,
  type CreateDomainProblemId,
  type CreateDomainSpecInput,
  createDomainProblems,
  createDomainSpec,
} from '../../xen-formats/index.js';

const arm = (release: CreateDomainTarget['release'] = '4.20'): CreateDomainTarget => ({
  release,
  arch: 'arm64',
});
const x86 = (release: CreateDomainTarget['release'] = '4.20'): CreateDomainTarget => ({
  release,
  arch: 'x86_64',
});
const hvmHap = ['XEN_DOMCTL_CDF_hvm', 'XEN_DOMCTL_CDF_hap'] as const;
const HVM_EMU = [
  'XEN_X86_EMU_LAPIC',
  'XEN_X86_EMU_HPET',
  'XEN_X86_EMU_PM',
  'XEN_X86_EMU_RTC',
  'XEN_X86_EMU_IOAPIC',
  'XEN_X86_EMU_PIC',
  'XEN_X86_EMU_VGA',
  'XEN_X86_EMU_IOMMU',
  'XEN_X86_EMU_PIT',
] as const;

/** One spec that fires each id, and the target it is judged against. */
const FIXTURES: Record<CreateDomainProblemId, [CreateDomainSpecInput, CreateDomainTarget]> = {
  'createdomain-arch-mismatch': [{ arch: { kind: 'x86_64' } }, arm()],
  'createdomain-unknown-name': [
    { iommu_opts: ['XEN_DOMCTL_IOMMU_bogus' as never], arch: { kind: 'arm64' } },
    arm(),
  ],
  'createdomain-not-in-release': [
    { arch: { kind: 'arm64', arm_sci_type: 'XEN_DOMCTL_CONFIG_ARM_SCI_SCMI_SMC' } },
    arm('4.20'),
  ],
  'createdomain-out-of-range': [{ grant_version: 16, arch: { kind: 'arm64' } }, arm()],
  'createdomain-hap-without-hvm': [
    { flags: ['XEN_DOMCTL_CDF_hap'], arch: { kind: 'x86_64', emulation_flags: [] } },
    x86(),
  ],
  'createdomain-arm-needs-hvm-hap': [{ flags: ['XEN_DOMCTL_CDF_hvm'], arch: { kind: 'arm64' } }, arm()],
  'createdomain-flag-not-on-arch': [
    { flags: [...hvmHap, 'XEN_DOMCTL_CDF_xs_domain'], arch: { kind: 'arm64' } },
    arm('4.20'),
  ],
  'createdomain-nested-virt-without-hap': [
    { flags: ['XEN_DOMCTL_CDF_hvm', 'XEN_DOMCTL_CDF_nested_virt'], arch: { kind: 'x86_64' } },
    x86(),
  ],
  'createdomain-max-vcpus': [
    { max_vcpus: 9, arch: { kind: 'arm64', gic_version: 'XEN_DOMCTL_CONFIG_GIC_V2' } },
    arm(),
  ],
  'createdomain-iommu-opts-without-iommu': [
    { iommu_opts: ['XEN_DOMCTL_IOMMU_no_sharept'], arch: { kind: 'x86_64' } },
    x86(),
  ],
  'createdomain-iommu-no-sharept-on-arm': [
    {
      flags: [...hvmHap, 'XEN_DOMCTL_CDF_iommu'],
      iommu_opts: ['XEN_DOMCTL_IOMMU_no_sharept'],
      arch: { kind: 'arm64' },
    },
    arm(),
  ],
  'createdomain-grant-version': [{ grant_version: 2, arch: { kind: 'arm64' } }, arm()],
  'createdomain-vmtrace': [{ vmtrace_size: 0x3000, arch: { kind: 'x86_64' } }, x86()],
  'createdomain-altp2m-on-arm': [
    { altp2m: { mode: 'XEN_DOMCTL_ALTP2M_mixed' }, arch: { kind: 'arm64' } },
    arm(),
  ],
  'createdomain-altp2m-needs-hap': [
    { flags: ['XEN_DOMCTL_CDF_hvm'], altp2m: { mode: 'XEN_DOMCTL_ALTP2M_mixed' }, arch: { kind: 'x86_64' } },
    x86(),
  ],
  'createdomain-altp2m-with-nested-virt': [
    {
      flags: [...hvmHap, 'XEN_DOMCTL_CDF_nested_virt'],
      altp2m: { mode: 'XEN_DOMCTL_ALTP2M_mixed' },
      arch: { kind: 'x86_64' },
    },
    x86(),
  ],
  'createdomain-altp2m-nr': [
    { altp2m: { mode: 'XEN_DOMCTL_ALTP2M_mixed', nr: 0 }, arch: { kind: 'x86_64' } },
    x86('4.21'),
  ],
  'createdomain-x86-emulation-flags': [
    { arch: { kind: 'x86_64', emulation_flags: [...HVM_EMU] } },
    x86('4.17'), // 0x1ff (no USE_PIRQ) became acceptable only in 4.19
  ],
  'createdomain-arm-nr-spis': [{ arch: { kind: 'arm64', nr_spis: 961 } }, arm()],
  'createdomain-arm-sve-vl': [{ arch: { kind: 'arm64', sve_vl: 17 } }, arm()],
  'createdomain-arm-v8r-needs-mpu': [
    { arch: { kind: 'arm64', v8r_el1_msa: 'XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_PMSA' } },
    arm('4.22'),
  ],
  'createdomain-domid-reserved': [{ domain: 0x7ff0, arch: { kind: 'arm64' } }, arm('4.22')],
};

const ids = (input: CreateDomainSpecInput, t: CreateDomainTarget) =>
  createDomainProblems(createDomainSpec(input), t).map((p) => p.id);

describe('createDomainProblems', () => {
  for (const id of CREATEDOMAIN_PROBLEM_IDS) {
    it(`${id} fires on its fixture`, () => {
      const [input, t] = FIXTURES[id];
      expect(ids(input, t)).toContain(id);
    });
  }

  it('the default spec is accepted on every release, both arches', () => {
    for (const release of XEN_RELEASES) {
      expect(ids({ arch: { kind: 'arm64' } }, arm(release))).toEqual([]);
      expect(ids({ arch: { kind: 'x86_64' } }, x86(release))).toEqual([]);
    }
  });

  it('release-dependent rules follow the table', () => {
    // xs_domain is accepted on arm from 4.21; 0x1ff HVM emulation from 4.19; domid 0x7ff0 auto-allocates before 4.22.
    expect(
      ids({ flags: [...hvmHap, 'XEN_DOMCTL_CDF_xs_domain'], arch: { kind: 'arm64' } }, arm('4.21')),
    ).toEqual([]);
    expect(ids({ arch: { kind: 'x86_64', emulation_flags: [...HVM_EMU] } }, x86('4.19'))).toEqual([]);
    expect(ids({ domain: 0x7ff0, arch: { kind: 'arm64' } }, arm('4.21'))).toEqual([]);
    expect(
      ids(
        { flags: [...hvmHap, 'XEN_DOMCTL_CDF_trap_unmapped_accesses'], arch: { kind: 'x86_64' } },
        x86('4.21'),
      ),
    ).toEqual(['createdomain-flag-not-on-arch']);
    expect(
      ids({ flags: [], arch: { kind: 'x86_64', emulation_flags: ['XEN_X86_EMU_PIT'] } }, x86('4.17')),
    ).toEqual([]);
    expect(
      ids({ altp2m: { mode: 'XEN_DOMCTL_ALTP2M_limited', nr: 10 }, arch: { kind: 'x86_64' } }, x86('4.22')),
    ).toEqual([]);
  });
});
