// `dombuild schema`: the generated config reference, or the JSON Schema.
import type { CliIO } from '../io.js';

export async function runSchema(args: Record<string, unknown>, io: CliIO): Promise<number> {
  if (args['json-schema'] === true) {
    const { configJsonSchemaText } = await import('../../schema/json-schema.js');
    io.stdout(configJsonSchemaText());
  } else {
    const [{ renderSchemaDocs }, { CREATEDOMAIN_CHECKS }] = await Promise.all([
      import('../../schema/docs.js'),
      import('../../builder/createdomain/checks.js'),
    ]);
    io.stdout(renderSchemaDocs(CREATEDOMAIN_CHECKS));
  }
  return 0;
}
