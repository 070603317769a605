import { join } from 'node:path';
import { format } from 'prettier';
import { PROJECT_ROOT } from '../lib/config/paths';
import { MODEL_KIND_REGISTRY } from '../lib/ml/models/registry';
import { listSpecFiles, readSpecFile } from '../lib/pipeline/load';
import { SPEC_SCHEMA_FILE, pipelineSpecJsonSchema } from '../lib/pipeline/spec-schema';
import { SPEC_REFERENCE_FILE, specReferenceMarkdown } from '../lib/pipeline/spec-reference';

/** Each model kind's own description and tasks, as the introduction of its candidate table. */
function modelKindIntros(): Record<string, string> {
  return Object.fromEntries(
    MODEL_KIND_REGISTRY.map((kind) => [
      `candidates[]{${kind.name}}`,
      `${kind.description} Tasks: ${kind.tasks.join(', ')} (docs/MODEL-KINDS.md).`,
    ]),
  );
}

/**
 * The generated spec files, path (relative to the project root) → content, formatted as `npm run lint` wants them:
 * pipelines/spec.schema.json and docs/SPEC.md, both from the zod schema (test/unit/pipeline/spec-schema.test.ts
 * fails when the files in the tree differ).
 */
export async function generatedSpecFiles(): Promise<Record<string, string>> {
  const schema = pipelineSpecJsonSchema();
  const examples = listSpecFiles(join(PROJECT_ROOT, 'pipelines')).map((f) => readSpecFile(f.file).raw);
  return {
    [SPEC_SCHEMA_FILE]: await format(JSON.stringify(schema), { parser: 'json', printWidth: 120 }),
    [SPEC_REFERENCE_FILE]: await format(specReferenceMarkdown(schema, examples, modelKindIntros()), {
      parser: 'markdown',
      printWidth: 120,
    }),
  };
}
