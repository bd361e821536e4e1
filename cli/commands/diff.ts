import type { CommandSpec } from '../command.js';

export const diffCommand: CommandSpec = {
  command: 'diff <a> <b>',
  describe:
    'What changes for each guest between two configs, or one config at two Xen releases: device-tree properties, createdomain fields and flags, xl keys, memory placement, each with the config line that causes it. Exit 0 when no guest sees a difference, 1 when one does, 2 on error',
  builder: (y) =>
    y
      .positional('a', { type: 'string', describe: 'The config before (YAML)', demandOption: true })
      .positional('b', {
        type: 'string',
        describe: 'The config after (YAML); may be the same file',
        demandOption: true,
      })
      .option('release', {
        type: 'string',
        array: true,
        describe:
          "Target Xen release instead of the configs' xen.release: once for both sides, twice for a then b",
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print the JSON document (format dombuild-diff 1)',
      })
      .example('dombuild diff sys.yaml sys.yaml --release 4.17 --release 4.20', 'what moving to 4.20 changes')
      .example('dombuild diff old.yaml new.yaml --json', 'the changes as JSON; exit 1 if a guest notices'),
  run: async (args, io) => (await import('./diff.run.js')).runDiff(args, io),
};
