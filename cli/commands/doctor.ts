import type { CommandSpec } from '../command.js';

export const doctorCommand: CommandSpec = {
  command: 'doctor',
  describe:
    'Report which tools and cached Xen/Linux binaries build and run need, and how to get what is missing',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print the report as JSON' })
      .example('$0 doctor', 'exit 0 when everything `dombuild run` needs is present, 1 otherwise'),
  run: async (args, io) => (await import('./doctor.run.js')).runDoctor(args, io),
};
