import type { CommandSpec } from '../command.js';

export const blobCommand: CommandSpec = {
  command: 'blob <action> <file>',
  describe: 'Explain a createdomain.bin field by field (flag names, offsets, modules, params)',
  builder: (y) =>
    y
      .positional('action', { type: 'string', choices: ['inspect'], describe: 'What to do with the blob' })
      .positional('file', { type: 'string', describe: 'The createdomain.bin to read', demandOption: true })
      .option('json', { type: 'boolean', default: false, describe: 'Print the explanation as JSON' })
      .example(
        '$0 blob inspect out/createdomain.bin',
        'Show every domain and its XEN_DOMCTL_createdomain fields',
      ),
  run: async (args, io) => (await import('./blob.run.js')).runBlob(args, io),
};
