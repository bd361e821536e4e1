// `dombuild schema`: the generated config reference, or the JSON Schema.
import type { CliIO } from '../io.js';

export async function runSchema(args: Record<string, unknown>, io: CliIO): Promise<number> {
  if (args['json-schema'] === true) {
    const { configJsonSchemaText } = await import('../../schema/json-schema.js');
    io.stdout(configJsonSchemaText());
  } else {
    const { schemaReference } = await import('../../builder/pipeline/checks.js');
    io.stdout(schemaReference());
  }
  return 0;
}
