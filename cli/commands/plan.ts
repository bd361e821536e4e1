import type { CommandSpec } from '../command.js';

export const planCommand: CommandSpec = {
  command: 'plan <config>',
  describe: 'Show the memory map: where every image, the DTB and the script go, and what is kept free',
  builder: (y) =>
    y
      .positional('config', { type: 'string', describe: 'System config (YAML)', demandOption: true })
      .option('json', { type: 'boolean', describe: 'Print plan.json to stdout' })
      .option('svg', { type: 'string', describe: 'Write an SVG memory map to this file' })
      .option('board', {
        type: 'string',
        describe: 'Board name[:ram=2G,cpus=4,gic=2] or board YAML; overrides the config',
      })
      .option('board-dtb', { type: 'string', describe: "Use this DTB as the board's device tree" })
      .conflicts('json', 'svg'),
  run: async (args, io) => (await import('./plan.run.js')).runPlan(args, io),
};
