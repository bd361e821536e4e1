import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { XEN_RELEASES } from '../../schema/index.js';
import {
  CREATEDOMAIN_ARCHES,
  CREATEDOMAIN_RELEASES,
  CreateDomainError,
  type CreateDomainSpec,
  type CreateDomainTarget,
  createDomainSpec,
  DOMID_ANY,
  decodeCreateDomain,
  domainHandle,
  encodeCreateDomain,
  FIELD_SIZE,
  fieldFor,
  formatHandle,
  layoutFor,
} from '../../xen-formats/index.js';
import { arbSpec } from './probe/arbitraries.js';
import { GOLDEN, REFERENCE_LAYOUTS } from './probe/reference-data.js';

const TARGETS: CreateDomainTarget[] = XEN_RELEASES.flatMap((release) =>
  CREATEDOMAIN_ARCHES.map((arch) => ({ release, arch })),
);
const hex = (lines: string[]) =>
  Uint8Array.from(
    lines
      .join(' ')
      .split(' ')
      .map((h) => Number.parseInt(h, 16)),
  );

/** The values Appendix D's probe wrote, for fields the target has. */
function goldenSpec(t: CreateDomainTarget): CreateDomainSpec {
  const has = (k: Parameters<typeof fieldFor>[1]) => fieldFor(t, k) !== undefined;
  return createDomainSpec({
    domain: DOMID_ANY,
    ssidref: 0x11223344,
    handle: Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i),
    flags: ['XEN_DOMCTL_CDF_hvm', 'XEN_DOMCTL_CDF_hap', 'XEN_DOMCTL_CDF_iommu'],
    max_vcpus: 4,
    max_evtchn_port: 1023,
    max_grant_frames: -1,
    max_maptrack_frames: -1,
    grant_version: 1,
    vmtrace_size: 0x10000,
    cpupool_id: 0x55,
    arch:
      t.arch === 'x86_64'
        ? {
            kind: 'x86_64',
            emulation_flags: [
              'XEN_X86_EMU_LAPIC',
              'XEN_X86_EMU_HPET',
              'XEN_X86_EMU_PM',
              'XEN_X86_EMU_RTC',
              'XEN_X86_EMU_IOAPIC',
              'XEN_X86_EMU_PIC',
              'XEN_X86_EMU_VGA',
              'XEN_X86_EMU_IOMMU',
              'XEN_X86_EMU_PIT',
              'XEN_X86_EMU_USE_PIRQ',
            ],
            misc_flags: ['XEN_X86_MSR_RELAXED'],
          }
        : {
            kind: 'arm64',
            gic_version: 'XEN_DOMCTL_CONFIG_GIC_V3',
            sve_vl: has('arch.sve_vl') ? 2 : 0,
            tee_type: 'XEN_DOMCTL_CONFIG_TEE_OPTEE',
            nr_spis: 0x40,
            clock_frequency: 0x01234567,
            arm_sci_type: has('arch.arm_sci_type')
              ? 'XEN_DOMCTL_CONFIG_ARM_SCI_SCMI_SMC'
              : 'XEN_DOMCTL_CONFIG_ARM_SCI_NONE',
            v8r_el1_msa: has('arch.v8r_el1_msa')
              ? 'XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_VMSA'
              : 'XEN_DOMCTL_CONFIG_ARM_V8R_EL1_MSA_NONE',
          },
  });
}

/** Releases whose headers Debian packages; the C probe test judges those directly. */
const PACKAGED = new Set(['4.17', '4.20']);

describe('createdomain: golden vectors from the reference (its probe, compiled against each release’s own headers)', () => {
  for (const g of GOLDEN) {
    const t = { release: g.release, arch: g.arch };
    const note = PACKAGED.has(g.release)
      ? ''
      : ' [headers not packaged by Debian: checked against the reference only]';
    it(`Xen ${g.release} ${g.arch}: encode gives the reference bytes, decode gives the spec back${note}`, () => {
      const spec = goldenSpec(t);
      expect(Buffer.from(encodeCreateDomain(spec, t)).toString('hex')).toBe(
        Buffer.from(hex(g.hex)).toString('hex'),
      );
      expect(decodeCreateDomain(hex(g.hex), t)).toEqual(spec);
    });
  }
  it('covers every release and arch', () => {
    expect(GOLDEN.map((g) => `${g.release}/${g.arch}`).sort()).toEqual(
      TARGETS.map((t) => `${t.release}/${t.arch}`).sort(),
    );
  });
});

describe('createdomain: layout tables equal the reference §6 offset tables', () => {
  for (const ref of REFERENCE_LAYOUTS) {
    const t = { release: ref.release, arch: ref.arch };
    const note = PACKAGED.has(ref.release) ? '' : ' [headers not packaged by Debian: reference table only]';
    it(`Xen ${ref.release} ${ref.arch}${note}`, () => {
      expect(CREATEDOMAIN_RELEASES[ref.release].interfaceVersion).toBe(ref.interfaceVersion);
      const ours = layoutFor(t)
        .filter((f) => f.cName.startsWith('u.createdomain.'))
        .map((f) => [
          f.cName.replace(/^u\.createdomain\.(arch\.)?/, (_m, a) => (a ? 'arch.' : 'createdomain.')),
          f.offset,
          FIELD_SIZE[f.type],
        ]);
      expect(ours.sort()).toEqual([...ref.fields].map((r) => [...r]).sort());
    });
  }
});

describe('createdomain: encode/decode properties', () => {
  for (const t of TARGETS) {
    it(`Xen ${t.release} ${t.arch}: decode(encode(spec)) = spec`, () => {
      fc.assert(
        fc.property(arbSpec(t), (spec) => {
          const bytes = encodeCreateDomain(spec, t);
          expect(bytes.length).toBe(144);
          expect(decodeCreateDomain(bytes, t)).toEqual(spec);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('a mutated buffer either decodes to a spec that re-encodes to the same bytes, or gives CreateDomainError', () => {
    const arb = fc
      .constantFrom(...TARGETS)
      .chain((t) =>
        fc.tuple(
          fc.constant(t),
          arbSpec(t),
          fc.array(fc.tuple(fc.nat(143), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        ),
      );
    fc.assert(
      fc.property(arb, ([t, spec, edits]) => {
        const bytes = encodeCreateDomain(spec, t);
        for (const [at, v] of edits) bytes[at] = v;
        let decoded: CreateDomainSpec;
        try {
          decoded = decodeCreateDomain(bytes, t);
        } catch (e) {
          expect(e).toBeInstanceOf(CreateDomainError);
          expect((e as CreateDomainError).offset).toBeGreaterThanOrEqual(0);
          return;
        }
        expect(encodeCreateDomain(decoded, t)).toEqual(bytes);
      }),
      { numRuns: 400 },
    );
  });

  it('typed decode errors with offsets', () => {
    const t: CreateDomainTarget = { release: '4.20', arch: 'arm64' };
    const good = encodeCreateDomain(createDomainSpec({ name: 'd', arch: { kind: 'arm64' } }), t);
    const err = (b: Uint8Array, tt = t) => {
      try {
        decodeCreateDomain(b, tt);
      } catch (e) {
        return [(e as CreateDomainError).code, (e as CreateDomainError).offset];
      }
      return undefined;
    };
    expect(err(good.subarray(0, 100))).toEqual(['BAD_LENGTH', 100]);
    expect(err(good, { release: '4.17', arch: 'arm64' })).toEqual(['BAD_INTERFACE_VERSION', 4]);
    const b = good.slice();
    b[0] = 2;
    expect(err(b)).toEqual(['BAD_CMD', 0]);
    const c = good.slice();
    c[37] = 0x01; // flags bit 8: trap_unmapped_accesses, not in 4.20
    expect(err(c)).toEqual(['UNKNOWN_BITS', 36]);
    const d = good.slice();
    d[100] = 1;
    expect(err(d)).toEqual(['NONZERO_PADDING', 100]);
    const e = good.slice();
    e[78] = 2; // TEE_FFA exists in 4.20
    expect(err(e)).toBeUndefined();
    e[78] = 3;
    expect(err(e)).toEqual(['UNKNOWN_VALUE', 78]);
    const f = encodeCreateDomain(createDomainSpec({ arch: { kind: 'arm64' } }), {
      release: '4.17',
      arch: 'arm64',
    });
    f[73] = 1; // the implicit pad byte that became sve_vl in 4.18
    expect(err(f, { release: '4.17', arch: 'arm64' })).toEqual(['NONZERO_PADDING', 73]);
  });

  it('refuses to encode what the release cannot express', () => {
    const code = (s: CreateDomainSpec, t: CreateDomainTarget) => {
      try {
        encodeCreateDomain(s, t);
      } catch (e) {
        return (e as CreateDomainError).problemId;
      }
      return undefined;
    };
    const arm417 = { release: '4.17', arch: 'arm64' } as const;
    expect(code(createDomainSpec({ arch: { kind: 'arm64', sve_vl: 2 } }), arm417)).toBe(
      'createdomain-not-in-release',
    );
    expect(
      code(createDomainSpec({ arch: { kind: 'arm64', tee_type: 'XEN_DOMCTL_CONFIG_TEE_FFA' } }), arm417),
    ).toBe('createdomain-not-in-release');
    expect(
      code(
        createDomainSpec({ flags: ['XEN_DOMCTL_CDF_trap_unmapped_accesses'], arch: { kind: 'arm64' } }),
        arm417,
      ),
    ).toBe('createdomain-not-in-release');
    expect(code(createDomainSpec({ arch: { kind: 'x86_64' } }), arm417)).toBe('createdomain-arch-mismatch');
    expect(code(createDomainSpec({ max_vcpus: 2 ** 32, arch: { kind: 'arm64' } }), arm417)).toBe(
      'createdomain-out-of-range',
    );
    expect(
      code(createDomainSpec({ flags: ['XEN_DOMCTL_CDF_bogus' as never], arch: { kind: 'arm64' } }), arm417),
    ).toBe('createdomain-unknown-name');
    expect(
      code(createDomainSpec({ altp2m: { mode: 'XEN_DOMCTL_ALTP2M_mixed' }, arch: { kind: 'x86_64' } }), {
        release: '4.18',
        arch: 'x86_64',
      }),
    ).toBe('createdomain-not-in-release');
    expect(
      code(
        createDomainSpec({ altp2m: { mode: 'XEN_DOMCTL_ALTP2M_mixed', nr: 3 }, arch: { kind: 'x86_64' } }),
        {
          release: '4.20',
          arch: 'x86_64',
        },
      ),
    ).toBe('createdomain-not-in-release');
  });

  it('4.21 altp2m {opts, nr=0} is byte-identical to 4.19/4.20 altp2m_opts (reference §1)', () => {
    const s = createDomainSpec({ altp2m: { mode: 'XEN_DOMCTL_ALTP2M_external' }, arch: { kind: 'x86_64' } });
    const a = encodeCreateDomain(s, { release: '4.20', arch: 'x86_64' });
    const b = encodeCreateDomain(s, { release: '4.21', arch: 'x86_64' });
    expect(a.subarray(8)).toEqual(b.subarray(8));
  });
});

describe('createdomain: handle', () => {
  it('is a deterministic name-based UUID (version 5, RFC variant), distinct per name', () => {
    expect(domainHandle('guest1')).toEqual(domainHandle('guest1'));
    expect(domainHandle('guest1')).not.toEqual(domainHandle('guest2'));
    expect(formatHandle(domainHandle('guest1'))).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
