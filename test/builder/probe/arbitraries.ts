// fast-check generators of createdomain specs that are encodable for a given target: only names
// the release defines, every number within its C type, and 0 in fields the release lacks.
import fc from 'fast-check';
import {
  ALTP2M_MODES,
  type Altp2mMode,
  type ArmSciType,
  type CdfFlag,
  CREATEDOMAIN_RELEASES,
  type CreateDomainSpec,
  type CreateDomainTarget,
  createDomainSpec,
  fieldFor,
  GIC_VERSIONS,
  type GicVersion,
  IOMMU_OPTS,
  type IommuOpt,
  type V8rEl1Msa,
  X86_EMU_FLAGS,
  type X86EmuFlag,
} from '../../../xen-formats/index.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u8 = fc.integer({ min: 0, max: 0xff });
const keys = <T extends string>(t: Readonly<Record<T, number>>) => Object.keys(t) as T[];

export function arbSpec(target: CreateDomainTarget): fc.Arbitrary<CreateDomainSpec> {
  const facts = CREATEDOMAIN_RELEASES[target.release];
  const has = (k: Parameters<typeof fieldFor>[1]) => fieldFor(target, k) !== undefined;
  const zeroUnless = (present: boolean, arb: fc.Arbitrary<number>) => (present ? arb : fc.constant(0));
  const arch =
    target.arch === 'arm64'
      ? fc.record({
          kind: fc.constant('arm64' as const),
          gic_version: fc.constantFrom<GicVersion>(...keys(GIC_VERSIONS)),
          sve_vl: zeroUnless(has('arch.sve_vl'), u8),
          tee_type: fc.constantFrom(...facts.teeTypes),
          nr_spis: u32,
          clock_frequency: u32,
          arm_sci_type: fc.constantFrom<ArmSciType>(
            ...(facts.armSciTypes.length ? facts.armSciTypes : (['XEN_DOMCTL_CONFIG_ARM_SCI_NONE'] as const)),
          ),
          v8r_el1_msa: fc.constantFrom<V8rEl1Msa>(
            ...(facts.v8rEl1Msa.length
              ? facts.v8rEl1Msa
              : (['XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_NONE'] as const)),
          ),
        })
      : fc.record({
          kind: fc.constant('x86_64' as const),
          emulation_flags: fc.subarray<X86EmuFlag>(keys(X86_EMU_FLAGS)),
          misc_flags: fc.subarray(['XEN_X86_MSR_RELAXED' as const]),
        });
  return fc
    .record({
      domain: u16,
      ssidref: u32,
      handle: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      flags: fc.subarray<CdfFlag>([...facts.cdfFlags]),
      iommu_opts: fc.subarray<IommuOpt>(keys(IOMMU_OPTS)),
      max_vcpus: u32,
      max_evtchn_port: u32,
      max_grant_frames: i32,
      max_maptrack_frames: i32,
      grant_version: fc.integer({ min: 0, max: 15 }),
      altp2m: fc.record({
        mode: has('altp2m.opts')
          ? fc.constantFrom<Altp2mMode | null>(null, ...keys(ALTP2M_MODES))
          : fc.constant<Altp2mMode | null>(null),
        nr: zeroUnless(has('altp2m.nr'), u16),
      }),
      vmtrace_size: u32,
      cpupool_id: u32,
      arch,
    })
    .map((s) => createDomainSpec(s));
}
