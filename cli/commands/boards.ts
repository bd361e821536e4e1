import type { CommandSpec } from '../command.js';

export const boardsCommand: CommandSpec = {
  command: 'boards',
  describe: 'List the built-in boards (name, arch, RAM, CPUs, GIC, whether you must supply the DTB)',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'Print the list as JSON' }),
  run: async (args, io) => (await import('./boards.run.js')).runBoards(args, io),
};
