import { z } from 'zod';
import { PipelineSpec } from './spec';

/** Where the generated schema lives, relative to the project root (example specs point at it). */
export const SPEC_SCHEMA_FILE = 'pipelines/spec.schema.json';

/**
 * The JSON Schema of a pipeline spec as written (defaults are optional), generated from the zod schema the loader
 * uses: every object is closed (`additionalProperties: false`), so an editor with the YAML language server flags an
 * unknown or misspelled field as the loader does, and completes field names, enums and defaults.
 */
export function pipelineSpecJsonSchema(): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(PipelineSpec, { io: 'input', unrepresentable: 'any' });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://mlops-pipelines.local/spec.schema.json',
    title: 'mlops-pipelines pipeline spec',
    description:
      'Generated from lib/pipeline/spec.ts by `npm run spec:schema`; do not edit. Start a spec with ' +
      '`# yaml-language-server: $schema=./spec.schema.json` for completion and checks in editors.',
    ...schema,
  };
}
