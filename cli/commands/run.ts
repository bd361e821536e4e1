import type { CommandSpec } from '../command.js';

export const runCommand: CommandSpec = {
  command: 'run <config>',
  describe:
    'Build into a temp folder and boot it on real Xen under QEMU; exit 0 only when every guest came up',
  builder: (y) =>
    y
      .positional('config', { type: 'string', describe: 'System config (YAML)', demandOption: true })
      .option('method', {
        type: 'string',
        choices: ['direct', 'uboot', 'disk', 'efi'],
        describe:
          "QEMU's loader, Debian's U-Boot over TFTP, U-Boot from disk.img alone, or EDK2 (UEFI) from efi.img alone (default: the config's boot.method)",
      })
      .option('timeout', {
        type: 'number',
        default: 120,
        describe: 'Seconds before the boot is judged failed',
      })
      .option('junit', { type: 'string', describe: 'Write a JUnit XML report here (a testcase per domain)' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe:
          "Print each domain's verdict as JSON: how it was created, whether it came up, and with a dom0, Xen's census field by field (declared, observed, mismatches)",
      })
      .option('log', { type: 'string', describe: 'Write the full console log here' })
      .option('keep', {
        type: 'boolean',
        default: false,
        describe: 'Keep the build folder (kept anyway on failure)',
      })
      .option('board', { type: 'string', describe: 'Board name[:ram=2G,cpus=4,gic=2]; overrides the config' })
      .option('expect', {
        type: 'string',
        array: true,
        describe: 'DOMAIN=TEXT (or DOMAIN=/REGEX/): what that domain must print; probes need none',
      })
      .option('quiet', { type: 'boolean', default: false, describe: 'Do not stream the console' })
      .option('xen-release', {
        type: 'string',
        describe: "Boot this Xen release instead of the config's xen.release (e.g. 4.20)",
      })
      .option('validate', {
        type: 'boolean',
        default: true,
        describe:
          'FOR TESTS: --no-validate reports the checks as warnings and boots anyway, to see what real Xen does with a bad tree',
      })
      .example('$0 run examples/minimal.yaml', 'both probe guests up, on the cached Xen 4.17')
      .example('$0 run sys.yaml --method uboot --junit report.xml', 'through U-Boot, with a CI report')
      .example(
        '$0 run examples/dom0-runtime.yaml --json',
        "dom0 runs Xen's toolstack, xl-creates the boot: false domains, and Xen's census is compared with the config",
      ),
  run: async (args, io) => (await import('./run.run.js')).runRun(args, io),
};
