// Validation agrees with Xen: each fixture in fixtures/xen-refuses/ is a system that real Xen
// refuses at boot (xen-dt-bindings.md §5). `dombuild validate` must reject it with the fixture's
// check id; then `dombuild run --no-validate` forces the same tree through the build onto real Xen
// (Debian's 4.17 and, where the control exists there, 4.20) and Xen must panic over it. A check
// that fires where Xen would boot happily, or a tree Xen takes that validate refuses, fails here.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { dombuild, removeKept, reportIds } from './helpers/cli.js';
import { bootGate, tempDir } from './helpers/system.js';

const gate = bootGate(['qemu-system-aarch64']);
const boot = gate.available ? test.serial : test.serial.skip;
const FIXTURES = join(import.meta.dirname, 'fixtures', 'xen-refuses');

interface Case {
  /** The check id, which is also the fixture's file name. */
  id: string;
  /** Debian builds to boot it on: a control Xen 4.17 does not know is only booted on 4.20. */
  releases: ('4.17' | '4.20')[];
  /** What Xen's panic says (its wording, from the boots recorded in recipes/qemu.md's way). */
  panic: RegExp;
  /** The one edit that makes the fixture valid: that tree must validate and boot both guests. */
  fix: [RegExp, string];
}

const CASES: Case[] = [
  {
    id: 'xenstore-provider',
    releases: ['4.17', '4.20'],
    panic: /Xenstore support requires dom0/,
    fix: [/xenstore: enabled/, 'xenstore: none'],
  },
  {
    id: 'direct-map-needs-static-mem',
    releases: ['4.17', '4.20'],
    panic: /direct-map is not valid for domain bad without static allocation/,
    fix: [/directMap: true/, 'directMap: false'],
  },
  {
    id: 'vcpus-limit',
    releases: ['4.17', '4.20'],
    panic: /Error creating domain bad/,
    fix: [/vcpus: 200/, 'vcpus: 2'],
  },
  {
    id: 'nr-spis-limit',
    releases: ['4.17', '4.20'],
    panic: /Error creating domain bad/,
    fix: [/nrSpis: 1000/, 'nrSpis: 960'],
  },
  {
    id: 'grant-version-max',
    releases: ['4.20'],
    panic: /Error creating domain bad/,
    fix: [/grantVersion: 2/, 'grantVersion: 1'],
  },
  {
    id: 'llc-coloring-on',
    releases: ['4.20'],
    panic: /'llc-colors' found, but LLC coloring is disabled/,
    fix: [/llcColors: "0-3"/, ''],
  },
];

test('every fixture in fixtures/xen-refuses/ is a case here, and the cases cover at least 5 check ids', (t) => {
  const files = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
  t.deepEqual(files, CASES.map((c) => c.id).sort());
  t.true(new Set(CASES.map((c) => c.id)).size >= 5);
});

const dir = tempDir('xen-refuses');
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** The fixture retargeted at `release` (validate judges the config's own release). */
function fixtureFor(id: string, release: string, fix?: [RegExp, string]): string {
  let text = readFileSync(join(FIXTURES, `${id}.yaml`), 'utf8').replace(
    /^ {2}release: "[0-9.]+"$/m,
    `  release: "${release}"`,
  );
  if (fix) {
    t0(fix[0].test(text), `${id}: the fix does not apply`);
    text = text.replace(fix[0], fix[1]);
  }
  const file = join(dir, `${id}-${release}${fix ? '-fixed' : ''}.yaml`);
  writeFileSync(file, text);
  return file;
}

function t0(ok: boolean, why: string): void {
  if (!ok) throw new Error(why);
}

for (const c of CASES) {
  const first = c.releases[0] as string;
  boot(
    `${c.id} (Xen ${first}): with the one bad value fixed, it validates and both guests come up`,
    async (t) => {
      const file = fixtureFor(c.id, first, c.fix);
      t.is((await dombuild(['validate', file])).code, 0);
      const r = await dombuild(['run', file, '--method', 'direct', '--quiet', '--timeout', '60']);
      removeKept(r);
      t.is(r.code, 0, r.out);
    },
  );
  for (const release of c.releases) {
    test.serial(`${c.id} (Xen ${release}): dombuild validate rejects it with that id`, async (t) => {
      const r = await dombuild(['validate', fixtureFor(c.id, release), '--json']);
      t.is(r.code, 1, r.err);
      t.deepEqual(reportIds(r), [c.id]);
    });

    boot(
      `${c.id} (Xen ${release}): forced through with --no-validate, real Xen refuses the domain`,
      async (t) => {
        const file = fixtureFor(c.id, release);
        const built = await dombuild([
          'build',
          file,
          '-o',
          join(dir, `out-${c.id}-${release}`),
          '--no-validate',
        ]);
        t.is(built.code, 0, built.err);
        t.regex(built.err, /WARNING: --no-validate/);
        t.regex(built.err, new RegExp(`warning \\(${c.id}\\)`));
        const r = await dombuild([
          'run',
          file,
          '--method',
          'direct',
          '--no-validate',
          '--quiet',
          '--timeout',
          '60',
        ]);
        removeKept(r);
        t.is(r.code, 1, r.out);
        const failed = /^FAILED: (.*)$/m.exec(r.out)?.[1] ?? '';
        t.regex(failed, /Xen panic/);
        t.regex(failed, c.panic);
        // Xen stops before it starts any domain: not even the good one came up.
        t.regex(r.out, /^good +NO /m);
      },
    );
  }
}

test.serial('without --no-validate, run refuses such a config before booting (exit 1, the id)', async (t) => {
  const r = await dombuild(['run', fixtureFor('vcpus-limit', '4.17'), '--quiet']);
  t.is(r.code, 1);
  t.regex(r.err, /\(vcpus-limit\)/);
  t.notRegex(r.err, /booting/);
});
