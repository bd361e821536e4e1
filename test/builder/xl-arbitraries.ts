// fast-check arbitraries shared by the xl tests: settings in xl's grammar, and random domains
// that exercise every registry control with an xl encoding.
import fc from 'fast-check';
import type { XlSetting, XlValue } from '../../xen-formats/index.js';

export const arbKey = fc.stringMatching(/^[a-z][._0-9a-z]{0,12}$/);
/** Any string xl can hold: everything but NUL (escapes and raw bytes alike). */
export const arbXlString = fc
  .string({ unit: 'binary', maxLength: 40 })
  .map((s) => s.replace(/\0/g, ''))
  .filter((s) => !/[\uD800-\uDFFF]/u.test(s));
export const arbNumber = fc.oneof(
  fc.nat().map(String),
  fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }).map((n) => `0x${n.toString(16)}`),
);

export const arbSetting: fc.Arbitrary<XlSetting> = fc.oneof(
  fc.record({ key: arbKey, value: arbXlString, style: fc.constant('string' as const) }),
  fc.record({ key: arbKey, value: arbNumber, style: fc.constant('number' as const) }),
  fc.record({
    key: arbKey,
    value: fc.array(arbXlString, { maxLength: 5 }) as fc.Arbitrary<XlValue>,
    style: fc.constant('string' as const),
  }),
  fc.record({
    key: arbKey,
    value: fc.array(arbNumber, { maxLength: 5 }) as fc.Arbitrary<XlValue>,
    style: fc.constant('number' as const),
  }),
);

/** Settings with distinct keys (so "the value xl sees" is each one's own). */
export const arbSettings = fc.uniqueArray(arbSetting, { selector: (s) => s.key, maxLength: 12 });

const page = 0x1000;
const arbPageAddr = fc
  .bigInt({ min: 0n, max: (1n << 40n) - 1n })
  .map((p) => `0x${(p * BigInt(page)).toString(16)}`);

/** A random runtime domain (config input) using the controls that have xl encodings. */
export function arbRuntimeDomain(arch: 'arm64' | 'x86_64') {
  const common = {
    name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,12}$/),
    boot: fc.constant(false),
    kernel: fc.stringMatching(/^[a-z][a-z0-9._-]{0,10}$/),
    ramdisk: fc.option(fc.stringMatching(/^[a-z][a-z0-9._-]{0,10}$/), { nil: undefined }),
    cmdline: fc.option(arbXlString, { nil: undefined }),
    memory: fc.integer({ min: 1, max: 1 << 20 }).map((m) => `${m}M`),
    vcpus: fc.integer({ min: 1, max: 8 }),
    grantFrames: fc.option(fc.integer({ min: 1, max: 0x7fffffff }), { nil: undefined }),
    maptrackFrames: fc.option(fc.integer({ min: 0, max: 0x7fffffff }), { nil: undefined }),
    maxEvtchnPort: fc.option(fc.integer({ min: 0, max: 131071 }), { nil: undefined }),
    grantVersion: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
    driverDomain: fc.option(fc.boolean(), { nil: undefined }),
    iommu: fc.option(fc.constant(true), { nil: undefined }),
    // Image names with commas too: a keyed target= takes the rest of the DISKSPEC.
    disks: fc.option(
      fc.uniqueArray(
        fc.record(
          {
            image: fc.stringMatching(/^[a-z]([a-z0-9._,-]{0,11}[a-z0-9._-])?$/),
            vdev: fc.stringMatching(/^xvd[a-z]{1,2}$/),
            format: fc.constantFrom('raw', 'qcow', 'qcow2'),
            access: fc.constantFrom('rw', 'ro'),
            backend: fc.constantFrom('qdisk', undefined),
          },
          { requiredKeys: ['image', 'vdev'] },
        ),
        { selector: (d) => d.vdev, minLength: 1, maxLength: 4 },
      ),
      { nil: undefined },
    ),
    vifs: fc.option(
      fc.array(
        fc.record(
          {
            mac: fc
              .array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 })
              .map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':')),
            bridge: fc.stringMatching(/^[a-z][a-z0-9_.-]{0,14}$/),
            script: fc.constantFrom('vif-bridge', 'vif-route', '/etc/xen/scripts/vif-nat'),
          },
          { requiredKeys: [] },
        ),
        { minLength: 1, maxLength: 3 },
      ),
      { nil: undefined },
    ),
    vcpuAffinity: fc.option(
      fc.uniqueArray(
        fc.record({
          vcpu: fc.integer({ min: 0, max: 7 }),
          cpus: fc.uniqueArray(fc.integer({ min: 0, max: 63 }), { minLength: 1, maxLength: 6 }),
        }),
        { selector: (a) => a.vcpu, minLength: 1, maxLength: 4 },
      ),
      { nil: undefined },
    ),
  };
  if (arch === 'arm64') {
    return fc.record(
      {
        ...common,
        vpl011: fc.option(fc.boolean(), { nil: undefined }),
        p2mPool: fc.option(
          fc.integer({ min: 1, max: 64 }).map((m) => `${m}M`),
          { nil: undefined },
        ),
        sve: fc.option(
          fc.oneof(
            fc.constant('max' as const),
            fc.integer({ min: 0, max: 16 }).map((n) => n * 128),
          ),
          { nil: undefined },
        ),
        vpmu: fc.option(fc.boolean(), { nil: undefined }),
        passthrough: fc.option(
          fc.record(
            {
              dtb: fc.option(fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}\.dtb$/), { nil: undefined }),
              devices: fc.option(
                fc.array(fc.stringMatching(/^\/[a-z0-9@,_-]{1,12}$/), { minLength: 1, maxLength: 3 }),
                { nil: undefined },
              ),
              iomem: fc.option(
                fc.array(
                  fc.record(
                    {
                      host: arbPageAddr,
                      size: fc.integer({ min: 1, max: 4096 }).map((n) => n * page),
                      guest: fc.option(arbPageAddr, { nil: undefined }),
                    },
                    { requiredKeys: ['host', 'size'] },
                  ),
                  { minLength: 1, maxLength: 3 },
                ),
                { nil: undefined },
              ),
              irqs: fc.option(fc.array(fc.integer({ min: 32, max: 1019 }), { minLength: 1, maxLength: 4 }), {
                nil: undefined,
              }),
            },
            { requiredKeys: [] },
          ),
          { nil: undefined },
        ),
      },
      { requiredKeys: ['name', 'boot', 'kernel', 'memory', 'vcpus'] },
    );
  }
  return fc.record(
    {
      ...common,
      type: fc.option(fc.constantFrom('pv' as const, 'pvh' as const, 'hvm' as const), { nil: undefined }),
      iommuNoSharePt: fc.option(fc.boolean(), { nil: undefined }),
      vpmu: fc.option(fc.boolean(), { nil: undefined }),
      nestedVirt: fc.option(fc.boolean(), { nil: undefined }),
      altp2m: fc.option(fc.constantFrom('disabled', 'mixed', 'external', 'limited'), { nil: undefined }),
      vmtrace: fc.option(
        fc.integer({ min: 2, max: 16 }).map((n) => `${2 ** n}K`),
        { nil: undefined },
      ),
      deviceModel: fc.option(fc.constantFrom('depriv' as const, 'stubdom' as const), { nil: undefined }),
    },
    { requiredKeys: ['name', 'boot', 'kernel', 'memory', 'vcpus'] },
  );
}
