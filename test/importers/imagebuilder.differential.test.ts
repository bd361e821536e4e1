// The differential judge: for each fixture, ImageBuilder's own uboot-script-gen writes its device
// tree (FDTEDIT: the same edits its U-Boot script makes, applied offline with fdtput), dombuild
// imports the same config and builds system.dtb, and both trees, decompiled by dtc, must say the
// same to Xen: the same domains, modules (by kind, size and bootargs), properties and values, with
// load addresses, node names and phandle numbers normalised away.
//
// ImageBuilder is not a Debian package and the CI machine reaches only Debian and npm, so this
// judge is its own suite, outside `npm test`: `npm run test:imagebuilder` runs it where
// $IMAGEBUILDER names a checkout or a git directory ($IMAGEBUILDER_REF picks a branch), or from
// the fetch tool's mirror; asked for, a checkout or tool that is not there fails it. A fixture using a
// variable the checked-out revision does not read (the Xilinx mirror stops at 2023.2) is not judged
// by that revision, and the test says which.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDtb } from '../../devicetree/index.js';
import { importImageBuilderConfig, knownVariableNames } from '../../importers/imagebuilder/import.js';
import { parseImageBuilderConfig } from '../../importers/imagebuilder/parse.js';
import { importedConfigYaml } from '../../importers/imagebuilder/yaml.js';
import { runCliCaptured } from '../support/cli.js';
import { requireTools } from '../support/tools.js';
import { applyUbootFdtScript, checkoutImageBuilder, decompile, dom0lessModel } from './imagebuilder-judge.js';
import { FIXTURES, stage } from './stage.js';

/** Settings the judge run leaves out: they fetch a git repository, run Lopper or sign with keys. */
const NOT_RUN = [
  'PASSTHROUGH_DTS_REPO',
  'LOPPER_PATH',
  'LOPPER_CMD',
  'FIT_ENC_KEY_DIR',
  'FIT_ENC_UB_DTB',
  'FDTEDIT',
];
/**
 * Variables that cannot change the tree: the output names, the ones left out above, and the ones
 * only disk_image reads (uboot-script-gen never names them, in any revision).
 */
const NO_TREE_EFFECT = new Set([
  'UBOOT_SOURCE',
  'UBOOT_SCRIPT',
  ...NOT_RUN,
  'DOMU_DRIVER_DOMAIN',
  'NUM_BOOT_AUX_FILE',
  'BOOT_AUX_FILE',
  'GPT',
]);
const IB_NAMES = new Set(knownVariableNames());

/**
 * Fixtures where ImageBuilder's U-Boot script says something other than its own offline DTB (and
 * dombuild), with the reason. Checked both ways: a disagreement not listed fails, and so does a
 * listed one that no longer happens.
 */
const SCRIPT_DEFECTS: Readonly<Record<string, string>> = {
  'xen-ci-without-dom0.cfg':
    'DOMU_CMD[1] holds double quotes; the script writes bootargs "…"quoted"" and U-Boot\'s shell drops them',
};

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (x && typeof x === 'object')
    return Object.fromEntries(
      Object.keys(x)
        .sort()
        .map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]),
    );
  return x;
}

const work = mkdtempSync(join(tmpdir(), 'dombuild-ib-judge-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
mkdirSync(join(work, 'imagebuilder'));
const checkout = checkoutImageBuilder(join(work, 'imagebuilder'), process.env);
// This suite runs only when asked for: no ImageBuilder is a failure, never a skip.
if (typeof checkout === 'string')
  throw new Error(`no ImageBuilder to judge with (${checkout}); set IMAGEBUILDER to a checkout`);
// Only a run that will use ImageBuilder needs its tools (requireTools fails under CI when one is missing).
const tools =
  typeof checkout === 'string'
    ? { available: false, reason: checkout }
    : requireTools(
        ['bash', 'git', 'mkimage', 'file', 'fdtput', 'fdtget', 'fdtoverlay', 'dtc', 'awk', 'gunzip'],
        'sudo bash scripts/setup-system.sh (u-boot-tools, device-tree-compiler, file, git)',
      );
const skip = typeof checkout === 'string' ? checkout : !tools.available ? tools.reason : undefined;

const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.cfg'))
  .sort();

/** The variables of a fixture that the checked-out revision never mentions. */
function unread(fixture: string, script: string): string[] {
  const names = [...parseImageBuilderConfig(readFileSync(join(FIXTURES, fixture), 'utf8')).variables.keys()];
  // Helper variables of the fixture itself (SHM, domu_base) are not ImageBuilder's.
  return names.filter(
    (n) => IB_NAMES.has(n) && !NO_TREE_EFFECT.has(n) && !new RegExp(`\\b${n}\\b`).test(script),
  );
}

describe.skipIf(skip !== undefined)(
  `ImageBuilder and dombuild agree on the dom0less tree${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    if (skip !== undefined || typeof checkout === 'string') {
      // Skipped as a whole (above); one entry names why, instead of titles about no revision.
      it.skip(`ImageBuilder judge: ${skip}`, () => {});
      return;
    }
    const co = checkout;
    const judged = fixtures.filter((f) => unread(f, co.script).length === 0);

    it(`judges the Xen CI shapes at least (ImageBuilder ${co.revision})`, () => {
      expect(judged).toEqual(
        expect.arrayContaining([
          'xen-ci-dom0less.cfg',
          'xen-ci-static-mem.cfg',
          'xen-ci-boot-cpupools.cfg',
          'xen-ci-without-dom0.cfg',
        ]),
      );
    });

    for (const fixture of fixtures) {
      const missing = unread(fixture, co.script);
      const title = missing.length
        ? `${fixture}: not judged, ImageBuilder ${co.revision} reads no ${missing.join(', ')}`
        : fixture;
      it.skipIf(missing.length > 0)(title, async () => {
        const dir = mkdtempSync(join(work, `${fixture}-`));
        const config = stage(dir, fixture);
        const text = readFileSync(config, 'utf8');

        // ImageBuilder, on the original config less the settings that reach outside the machine.
        const judgeCfg = text
          .split('\n')
          .filter((l) => !NOT_RUN.some((n) => l.startsWith(`${n}=`)))
          .concat('FDTEDIT="imagebuilder-judged.dtb"')
          .join('\n');
        writeFileSync(join(dir, 'config.judge'), `${judgeCfg}\n`);
        // -t overrides LOAD_CMD (and the root= ImageBuilder derives from it): only when there is none.
        const loadOpt = /^LOAD_CMD=/m.test(text) ? [] : ['-t', 'tftp'];
        const ib = spawnSync(
          'bash',
          [join(co.dir, 'uboot-script-gen'), '-c', 'config.judge', '-d', '.', ...loadOpt, '-o', 'ib-boot'],
          {
            cwd: dir,
            encoding: 'utf8',
          },
        );
        expect(ib.status, `${ib.stdout}${ib.stderr}`).toBe(0);
        expect(ib.stdout + ib.stderr).not.toMatch(/Error|Wrong file type|doesn't exist/);

        // dombuild, on the import of the same config.
        const r = importImageBuilderConfig(text, {
          file: fixture,
          readFile: (p) => new Uint8Array(readFileSync(resolve(dir, p))),
          rebasePath: (p) => relative(dir, resolve(dir, p)),
        });
        expect(r.report.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        writeFileSync(join(dir, 'system.yaml'), importedConfigYaml(r.config!, r.report, { source: fixture }));
        const b = await runCliCaptured(['build', 'system.yaml', '-o', 'out', '--only', 'dtb'], {
          cwd: dir,
          env: { DOMBUILD_CACHE: join(dir, 'cache') },
        });
        expect(b.code, b.stderr).toBe(0);

        const theirs = decompile(join(dir, 'imagebuilder-judged.dtb'));
        const ours = decompile(join(dir, 'out', 'system.dtb'));
        const model = dom0lessModel(ours.tree);
        expect(model, `ImageBuilder's tree:\n${theirs.text}`).toEqual(dom0lessModel(theirs.tree));

        // The script U-Boot runs makes the same edits at boot (with a FIT, ImageBuilder edits the
        // DTB offline only and its script has none). Where ImageBuilder's script and its own DTB
        // disagree, the defect is ImageBuilder's and is listed above; any other disagreement fails.
        const script = readFileSync(join(dir, 'ib-boot.source'), 'utf8');
        if (/^fdt set /m.test(script)) {
          const board = readDtb(new Uint8Array(readFileSync(join(dir, 'virt.dtb'))));
          const scripted = dom0lessModel(applyUbootFdtScript(board, script));
          const defect = SCRIPT_DEFECTS[fixture];
          if (defect === undefined) expect(model, `ImageBuilder's script:\n${script}`).toEqual(scripted);
          else
            expect(
              JSON.stringify(sortKeys(scripted)) === JSON.stringify(sortKeys(model)),
              `listed as an ImageBuilder defect (${defect}), but its script now agrees`,
            ).toBe(false);
        } else expect(text).toMatch(/^FIT=/m);
      });
    }
  },
);
