// The independent judge for createdomain buffers: C source that fills `struct xen_domctl` through
// the C member names and constant names of Xen's own public headers (Debian's libxen-dev), built
// with gcc. x86_64 runs and prints the bytes; arm64 is only compiled and the initialised array is
// cut out of the object with objcopy, so nothing arm64 has to execute. Adapted from
// reference/createdomain-probe.c (dump mode), with designated initialisers instead of stores so
// the bytes sit in a section of their own.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XenRelease } from '../../../schema/index.js';
import type { CreateDomainSpec } from '../../../xen-formats/index.js';
import { CREATEDOMAIN_RELEASES, type CreateDomainTarget, layoutFor } from '../../../xen-formats/index.js';

export interface HeaderSet {
  release: XenRelease;
  /** Directory holding `domctl.h`, `xen.h`… (Debian's `/usr/include/xen`). */
  xenDir: string;
  label: string;
}

export function cacheRoot(): string {
  return (
    process.env.DOMBUILD_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'dombuild')
  );
}

/** Debian's packaged headers: bookworm installs 4.17, trixie's 4.20 is unpacked by setup-system.sh. */
export function debianHeaderSets(): HeaderSet[] {
  return [
    { release: '4.17', xenDir: '/usr/include/xen', label: 'bookworm libxen-dev (4.17)' },
    {
      release: '4.20',
      xenDir: join(cacheRoot(), 'debs/libxen-dev-trixie/usr/include/xen'),
      label: 'trixie libxen-dev (4.20), unpacked',
    },
  ];
}

/** Spec value of a field as a C expression: constant names for flag sets and enums. */
function cValue(spec: CreateDomainSpec, key: string): string | undefined {
  const a = spec.arch;
  const flags = (names: readonly string[]) => (names.length ? names.join(' | ') : undefined);
  const num = (n: number) => (n === 0 ? undefined : n < 0 ? `(${n})` : `${n}u`);
  const arm = a.kind === 'arm64' ? a : undefined;
  const x86 = a.kind === 'x86_64' ? a : undefined;
  const table: Record<string, string | undefined> = {
    domain: num(spec.domain),
    ssidref: num(spec.ssidref),
    flags: flags(spec.flags),
    iommu_opts: flags(spec.iommu_opts),
    max_vcpus: num(spec.max_vcpus),
    max_evtchn_port: num(spec.max_evtchn_port),
    max_grant_frames: num(spec.max_grant_frames),
    max_maptrack_frames: num(spec.max_maptrack_frames),
    grant_opts: spec.grant_version ? `XEN_DOMCTL_GRANT_version(${spec.grant_version})` : undefined,
    'altp2m.opts': spec.altp2m.mode ?? undefined,
    'altp2m.nr': num(spec.altp2m.nr),
    vmtrace_size: num(spec.vmtrace_size),
    cpupool_id: num(spec.cpupool_id),
    'arch.emulation_flags': x86 && flags(x86.emulation_flags),
    'arch.misc_flags': x86 && flags(x86.misc_flags),
    'arch.gic_version': arm?.gic_version,
    'arch.sve_vl': arm && num(arm.sve_vl),
    'arch.tee_type': arm?.tee_type,
    'arch.nr_spis': arm && num(arm.nr_spis),
    'arch.clock_frequency': arm && num(arm.clock_frequency),
    'arch.arm_sci_type': arm?.arm_sci_type,
    'arch.v8r_el1_msa': arm?.v8r_el1_msa,
  };
  return table[key];
}

const hex32 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/**
 * XEN_DOMCTL_INTERFACE_VERSION as `headers` define it (read from the text, for a direct check that
 * the headers are the release they are labelled; the probe also asserts it at compile time).
 */
export function headerInterfaceVersion(headers: HeaderSet): number | undefined {
  const m = /^#define\s+XEN_DOMCTL_INTERFACE_VERSION\s+(0x[0-9a-fA-F]+)\b/m.exec(
    readFileSync(join(headers.xenDir, 'domctl.h'), 'utf8'),
  );
  return m ? Number(m[1]) : undefined;
}

export function probeSource(specs: readonly CreateDomainSpec[], target: CreateDomainTarget): string {
  const { interfaceVersion } = CREATEDOMAIN_RELEASES[target.release];
  const members = layoutFor(target).filter((f) => f.key !== 'cmd' && f.key !== 'interface_version');
  const inits = specs.map((s) => {
    const parts = ['.cmd = XEN_DOMCTL_createdomain', '.interface_version = XEN_DOMCTL_INTERFACE_VERSION'];
    for (const f of members) {
      if (f.key === 'handle') {
        parts.push(`.${f.cName} = { ${Array.from(s.handle, (b) => `0x${b.toString(16)}`).join(', ')} }`);
        continue;
      }
      const v = cValue(s, f.key);
      if (v !== undefined) parts.push(`.${f.cName} = ${v}`);
    }
    return `  {\n    ${parts.join(',\n    ')},\n  }`;
  });
  return `#define __XEN_TOOLS__ 1
#include <stdint.h>
#include <xen/xen.h>
#include <xen/domctl.h>

_Static_assert(sizeof(struct xen_domctl) == 144, "struct xen_domctl is 144 bytes");
/* The headers must be the release we compare against (a host with another libxen-dev fails here). */
_Static_assert(XEN_DOMCTL_INTERFACE_VERSION == ${hex32(interfaceVersion)},
               "these Xen headers are not Xen ${target.release}'s: XEN_DOMCTL_INTERFACE_VERSION is not ${hex32(interfaceVersion)}");

/* Static storage: every byte no initialiser names, padding included, is zero. */
__attribute__((section(".dombuild_probe"), used))
struct xen_domctl probe_specs[${specs.length}] = {
${inits.join(',\n')}
};

#ifdef PROBE_MAIN
#include <stdio.h>
int main(void)
{
    const unsigned char *b = (const unsigned char *)probe_specs;
    for (unsigned long i = 0; i < sizeof(probe_specs); i++)
        printf("%02x", b[i]);
    printf("\\n");
    return 0;
}
#endif
`;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Builds the probe against `headers` for `target.arch` and returns one 144-byte buffer per spec. */
export function compileProbe(
  specs: readonly CreateDomainSpec[],
  target: CreateDomainTarget,
  headers: HeaderSet,
): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), 'dombuild-probe-'));
  try {
    // Only xen/ is put on the include path, so a cross compiler never sees the host's libc headers.
    mkdirSync(join(dir, 'inc'));
    symlinkSync(headers.xenDir, join(dir, 'inc', 'xen'));
    const src = join(dir, 'probe.c');
    writeFileSync(src, probeSource(specs, target));
    const cflags = ['-std=gnu11', '-O2', '-Wall', '-Werror', `-I${join(dir, 'inc')}`];
    let bytes: Uint8Array;
    if (target.arch === 'x86_64') {
      const exe = join(dir, 'probe');
      run('gcc', [...cflags, '-DPROBE_MAIN', '-o', exe, src]);
      bytes = Uint8Array.from(Buffer.from(run(exe, []).trim(), 'hex'));
    } else {
      const obj = join(dir, 'probe.o');
      const bin = join(dir, 'probe.bin');
      run('aarch64-linux-gnu-gcc', [...cflags, '-c', '-o', obj, src]);
      run('aarch64-linux-gnu-objcopy', ['-O', 'binary', '-j', '.dombuild_probe', obj, bin]);
      bytes = new Uint8Array(readFileSync(bin));
    }
    if (bytes.length !== specs.length * 144) {
      throw new Error(`probe produced ${bytes.length} bytes for ${specs.length} specs`);
    }
    return specs.map((_, i) => bytes.slice(i * 144, (i + 1) * 144));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
