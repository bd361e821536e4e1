import type { CommandSpec } from '../command.js';

export const dtcCommand: CommandSpec = {
  command: 'dtc [in]',
  describe: 'Compile or decompile a device tree (a dtc 1.6.1-compatible subset: DTS and DTB, overlays, -@)',
  builder: (y) =>
    y
      .positional('in', { type: 'string', describe: 'Input file; standard input when absent or "-"' })
      .option('I', {
        alias: 'in-format',
        type: 'string',
        choices: ['dts', 'dtb'],
        describe:
          'Input format (default: dtb when the input starts with the DTB magic, else by extension, else dts)',
      })
      .option('O', {
        alias: 'out-format',
        type: 'string',
        choices: ['dts', 'dtb'],
        describe:
          'Output format (default: by the -o extension, else dtb for DTS input and dts for DTB input)',
      })
      .option('o', {
        alias: 'out',
        type: 'string',
        describe: 'Output file (written atomically); standard output when absent or "-"',
      })
      .option('@', {
        alias: 'symbols',
        type: 'boolean',
        default: false,
        describe: 'Add a __symbols__ node (and phandles for every labelled node), as dtc -@ does',
      }),
  run: async (args, io) => (await import('./dtc.run.js')).runDtc(args, io),
};
