import type { CommandSpec } from '../command.js';

export const validateCommand: CommandSpec = {
  command: 'validate <config>',
  describe: 'Check a system config: schema, target Xen release, Kconfig, board and cross-domain rules',
  builder: (y) =>
    y
      .parserConfiguration({ 'boolean-negation': false })
      .positional('config', { type: 'string', describe: 'The system config (YAML or JSON)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the stable JSON report' })
      .option('strict', { type: 'boolean', default: false, describe: 'Warnings fail validation too' })
      .option('warn', { type: 'string', array: true, describe: 'Report check ID as a warning' })
      .option('error', { type: 'string', array: true, describe: 'Report check ID as an error' })
      .option('no-check', { type: 'string', array: true, describe: 'Do not run check ID' })
      .example('dombuild validate examples/minimal.yaml', 'human report, exit 1 on errors')
      .example('dombuild validate sys.yaml --json --strict', 'machine report; warnings fail'),
  run: async (args, io) => (await import('./validate.run.js')).runValidate(args, io),
};
