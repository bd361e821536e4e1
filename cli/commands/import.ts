import type { CommandSpec } from '../command.js';

export const importCommand: CommandSpec = {
  command: 'import <kind> <file>',
  describe:
    'Turn an existing description into dombuild YAML: an xl config (one domain) or an ImageBuilder config (a system)',
  builder: (y) =>
    y
      .positional('kind', {
        type: 'string',
        choices: ['xl', 'imagebuilder'],
        describe: 'What the file is',
      })
      .positional('file', { type: 'string', describe: 'The file to import', demandOption: true })
      .option('o', { alias: 'out', type: 'string', describe: 'Write the YAML here; default: stdout' })
      .option('arch', {
        type: 'string',
        choices: ['arm64', 'arm32', 'x86_64'],
        describe: 'xl: target architecture; default: guessed from the keys (Arm unless x86 keys appear)',
      })
      .option('root', {
        type: 'string',
        describe:
          "imagebuilder: the folder the config's paths are relative to (its -d); default: the config's folder",
      })
      .option('xen-release', {
        type: 'string',
        describe: 'imagebuilder: target Xen release; default: the oldest that has everything the config uses',
      })
      .option('report', {
        type: 'string',
        describe: 'Also write the import report (what was mapped, what was dropped and why) as JSON here',
      })
      .example('$0 import xl /etc/xen/web.cfg -o web.yaml', 'The domain, with warnings for keys left out')
      .example(
        '$0 import imagebuilder binaries/config -o system.yaml',
        'The whole system; every variable is imported or reported with the reason',
      ),
  run: async (args, io) => (await import('./import.run.js')).runImport(args, io),
};
