// The JSON Schema of the config, derived from the zod schema (input side: what users write), for
// editors (yaml-language-server) and other tools. `dombuild schema --json-schema` prints it.
import { z } from 'zod';
import { configSchema } from './config.js';

export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, title: 'dombuild system config', ...rest };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
