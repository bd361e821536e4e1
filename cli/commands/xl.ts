import type { CommandSpec } from '../command.js';

export const xlCommand: CommandSpec = {
  command: 'xl <config>',
  describe: 'Write xl configs for the domains a running toolstack creates (boot: false), or any you name',
  builder: (y) =>
    y
      .positional('config', { type: 'string', describe: 'The dombuild config (YAML)', demandOption: true })
      .option('domain', {
        type: 'string',
        array: true,
        describe: 'Write this domain (repeatable); default: every domain with boot: false',
      })
      .option('o', {
        alias: 'out',
        type: 'string',
        describe:
          'Folder for <domain>.cfg files, replaced as a whole: new, empty or an earlier dombuild output; default: print to stdout',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe:
          'Replace the -o folder even if dombuild did not write it (never the current folder or home)',
      })
      .option('guest-dir', {
        type: 'string',
        describe:
          "Folder on dom0 holding the guests' kernels, ramdisks and DTBs (default /var/lib/xen/images)",
      })
      .example('$0 xl examples/dom0-runtime.yaml -o out/xl', 'One .cfg per runtime domain')
      .example('$0 xl system.yaml --domain guest1', 'Print the xl config of guest1'),
  run: async (args, io) => (await import('./xl.run.js')).runXl(args, io),
};
