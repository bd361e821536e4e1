import type { CommandSpec } from '../command.js';

export const buildCommand: CommandSpec = {
  command: 'build <config>',
  describe: 'Write every boot artifact: system.dtb, chosen.dtsi/.dtbo, boot.source/.scr, boot.itb, plan.json',
  builder: (y) =>
    y
      .positional('config', { type: 'string', describe: 'System config (YAML)', demandOption: true })
      .option('o', {
        alias: 'out',
        type: 'string',
        describe: 'Output folder (replaced as a whole)',
        demandOption: true,
      })
      .option('board', {
        type: 'string',
        describe: 'Board name[:ram=2G,cpus=4,gic=2] or board YAML; overrides the config',
      })
      .option('board-dtb', { type: 'string', describe: "Use this DTB as the board's device tree" })
      .option('only', {
        type: 'string',
        describe: 'Comma-separated outputs: dtb,uboot,fit,blob,xl,x86 (default: dtb,uboot,fit)',
      })
      .option('validate', {
        type: 'boolean',
        default: true,
        describe:
          'FOR TESTS: --no-validate reports the checks as warnings and writes the outputs anyway (a tree real Xen may refuse)',
      })
      .option('dynamic', {
        type: 'boolean',
        describe: 'The script computes sizes and addresses at boot from the loaded files (setexpr)',
      }),
  run: async (args, io) => (await import('./build.run.js')).runBuild(args, io),
};
