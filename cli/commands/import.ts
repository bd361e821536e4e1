import type { CommandSpec } from '../command.js';

export const importCommand: CommandSpec = {
  command: 'import <kind> <file>',
  describe: 'Turn an existing guest description (an xl config) into a dombuild domain (YAML)',
  builder: (y) =>
    y
      .positional('kind', { type: 'string', choices: ['xl'], describe: 'What the file is' })
      .positional('file', { type: 'string', describe: 'The file to import', demandOption: true })
      .option('o', { alias: 'out', type: 'string', describe: 'Write the YAML here; default: stdout' })
      .option('arch', {
        type: 'string',
        choices: ['arm64', 'arm32', 'x86_64'],
        describe: 'Target architecture; default: guessed from the keys (Arm unless x86 keys appear)',
      })
      .example('$0 import xl /etc/xen/web.cfg -o web.yaml', 'The domain, with warnings for keys left out'),
  run: async (args, io) => (await import('./import.run.js')).runImport(args, io),
};
