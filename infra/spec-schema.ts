import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier';
import { PROJECT_ROOT } from '../lib/config/paths';
import { SPEC_SCHEMA_FILE, pipelineSpecJsonSchema } from '../lib/pipeline/spec-schema';

// Writes pipelines/spec.schema.json from the zod schema (test/unit/pipeline/spec-schema.test.ts fails when stale).
async function main(): Promise<void> {
  const text = await format(JSON.stringify(pipelineSpecJsonSchema()), {
    parser: 'json',
    printWidth: 120,
  });
  writeFileSync(join(PROJECT_ROOT, SPEC_SCHEMA_FILE), text);
  process.stdout.write(`wrote ${SPEC_SCHEMA_FILE}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
