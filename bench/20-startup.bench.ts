// Whole-process start-up of the CLI against an empty `node -e ''`, in one run, interleaved:
// `--version`, `--help` and `validate examples/minimal.yaml`, each started the way a user starts
// it (bin/dombuild.js as a program: the snapshot when this checkout has a usable one) and as
// `node bin/dombuild.js` (the bundled ESM, what runs without a snapshot, e.g. after a registry
// install). Goals are issue 14's: --version and --help within 1.2x, validate within 1.5x.
import { existsSync } from 'node:fs';
import { type Cmd, launchMode, reportGoal, reportTimings, root, timeInterleaved } from './measure.js';
import type { Report } from './run.js';

export const title = 'CLI start-up vs empty node';

export default async function (report: Report): Promise<void> {
  if (!existsSync(`${root}dist/cli.js`)) throw new Error('dist/cli.js is missing: run npm run build first');
  const bin = `${root}bin/dombuild.js`;
  const node = process.execPath;
  const validate = ['validate', 'examples/minimal.yaml'];
  const cmds: Cmd[] = [
    { label: "node -e ''", argv: [node, '-e', ''] },
    { label: 'dombuild --version', argv: [bin, '--version'] },
    { label: 'dombuild --help', argv: [bin, '--help'] },
    { label: 'dombuild validate examples/minimal.yaml', argv: [bin, ...validate], ok: [0, 1] },
    { label: 'node bin/dombuild.js --version', argv: [node, bin, '--version'] },
    { label: 'node bin/dombuild.js --help', argv: [node, bin, '--help'] },
    {
      label: 'node bin/dombuild.js validate examples/minimal.yaml',
      argv: [node, bin, ...validate],
      ok: [0, 1],
    },
  ];
  const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
  report(`dombuild started as a program runs validate from: ${launchMode()}`);
  report(`${rounds} interleaved rounds; node ${process.version}`);
  const t = timeInterleaved(cmds, rounds);
  reportTimings(report, t);
  const [empty, version, help, check] = t as [(typeof t)[0], (typeof t)[0], (typeof t)[0], (typeof t)[0]];
  reportGoal(report, { what: 'dombuild --version vs node -e', maxWall: 1.2 }, version, empty);
  reportGoal(report, { what: 'dombuild --help vs node -e', maxWall: 1.2 }, help, empty);
  reportGoal(
    report,
    { what: 'dombuild validate examples/minimal.yaml vs node -e', maxWall: 1.5 },
    check,
    empty,
  );
  reportGoal(
    report,
    { what: '(no snapshot) node bin/dombuild.js validate vs node -e', maxWall: 1.5 },
    t[6]!,
    empty,
  );
}
