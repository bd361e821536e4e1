// `dombuild diff` through the CLI: argument errors are exit 2 with the reason and nothing on
// stdout; a side that does not build is exit 2 naming the side and its located errors; the
// release diff of examples/minimal.yaml is exit 0; a guest-visible change is exit 1, and --json
// is the documented document.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIFF_FORMAT, DIFF_FORMAT_VERSION } from '../../diff/index.js';
import { runCliCaptured } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { root } from './sides.js';

const work = tempDir('dombuild-diff-cli-');
// The QEMU board's tree is dumped once into this cache, as build would.
const env = { PATH: process.env.PATH, DOMBUILD_CACHE: join(work, 'cache') };
const cli = (argv: string[]) => runCliCaptured(['diff', ...argv], { cwd: work, env });

copyFileSync(join(root, 'examples', 'minimal.yaml'), join(work, 'minimal.yaml'));
const edit = (name: string, from: string, to: string) => {
  const text = `xen: { release: "4.20" }\nboard: qemu-virt-arm64\ndomains:\n  - name: g\n    kernel: { probe: "g up" }\n    memory: 64M\n    ${from}\n`;
  writeFileSync(join(work, name), text.replace(from, to));
  return name;
};
const before = edit('before.yaml', 'vcpus: 1', 'vcpus: 1');
const after = edit('after.yaml', 'vcpus: 1', 'vcpus: 2');
// xenstore: legacy is 4.21's (the registry's valueSince); this config targets 4.20.
const broken = edit('broken.yaml', 'vcpus: 1', 'vcpus: 1\n    xenstore: legacy');

describe('dombuild diff: argument errors are exit 2', () => {
  const cases: [string, string[], string][] = [
    ['one config', ['minimal.yaml'], '<b>'],
    ['no config', [], '<a>'],
    ['an unknown release', ['minimal.yaml', 'minimal.yaml', '--release', '4.99'], '--release 4.99'],
    ['a release that is not a version', ['minimal.yaml', 'minimal.yaml', '--release', 'latest'], 'latest'],
    [
      'three releases',
      ['minimal.yaml', 'minimal.yaml', '--release', '4.17', '--release', '4.18', '--release', '4.19'],
      '3 times',
    ],
    ['an unknown flag', ['minimal.yaml', 'minimal.yaml', '--relase', '4.17'], 'relase'],
    ['a missing file', ['minimal.yaml', 'nope.yaml'], 'nope.yaml'],
    ['a folder', ['minimal.yaml', '.'], work],
  ];
  it.each(cases)('%s', async (_name, argv, says) => {
    const r = await cli(argv);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(says);
    expect(r.stdout).toBe('');
  });

  it('a side that does not build is exit 2, with its located errors and the side named', async () => {
    const r = await cli([before, broken]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:8:\d+: error \(/);
    expect(r.stderr).toContain(`b (${join(work, broken)}`);
    expect(r.stdout).toBe('');
  });
});

describe('dombuild diff: verdicts', () => {
  it('minimal.yaml at 4.17 and 4.20: exit 0, no guest-visible change', async () => {
    const r = await cli(['minimal.yaml', 'minimal.yaml', '--release', '4.17', '--release', '4.20']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('abi interface_version: 0x15 -> 0x17');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^no guest-visible change/);
  });

  it('one --release targets both sides: the same config is then identical', async () => {
    const r = await cli(['minimal.yaml', 'minimal.yaml', '--release', '4.21']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('no differences');
  });

  it('vcpus 1 -> 2: exit 1, and --json names the control, its encodings and its lines', async () => {
    const r = await cli([before, after, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ format: DIFF_FORMAT, version: DIFF_FORMAT_VERSION, guestVisible: true });
    expect(doc.a).toMatchObject({ file: before, release: '4.20', releaseFromFlag: false, arch: 'arm64' });
    const [group] = doc.groups;
    expect(group.domain).toBe('g');
    expect(group.changes.map((c: { kind: string; item: string }) => `${c.kind} ${c.item}`)).toEqual([
      'dt cpus',
      'createdomain max_vcpus',
    ]);
    for (const c of group.changes) {
      expect(c).toMatchObject({ control: 'vcpus', registry: true, guestVisible: true });
      expect(c.at.a).toEqual({ file: before, line: 7, col: 12 });
      expect(c.at.b).toEqual({ file: after, line: 7, col: 12 });
    }
  });

  it("the README's example is this command's output, byte for byte", async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const command = 'dombuild diff examples/minimal.yaml examples/minimal.yaml --release 4.17 --release 4.20';
    const block = new RegExp(`\\$ ${command.replace(/\./g, '\\.')}\n([\\s\\S]*?)\`\`\`\n`).exec(readme);
    expect(block, 'README shows the command').not.toBeNull();
    const r = await runCliCaptured(command.split(' ').slice(1), { cwd: root, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(block?.[1]);
  });
});
