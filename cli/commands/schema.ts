import type { CommandSpec } from '../command.js';

export const schemaCommand: CommandSpec = {
  command: 'schema',
  describe: 'Print the config reference (Markdown), or the JSON Schema for editors',
  builder: (y) =>
    y.option('json-schema', { type: 'boolean', default: false, describe: 'Print the JSON Schema instead' }),
  run: async (args, io) => (await import('./schema.run.js')).runSchema(args, io),
};
