import { join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../config/paths';
import { commentsFor, readObjectComments, type ObjectComments } from './spec-comments';
import { PipelineSpec } from './spec';

// Defined beside the reference, which loads nothing heavy: the CLI names the file without loading the TypeScript
// compiler this module reads doc comments with.
export { SPEC_SCHEMA_FILE } from './spec-reference';

type JsonSchema = Record<string, unknown>;

const isSchema = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Copies each field's doc comment into its schema as `description` (kept where the schema has one). */
function describe(schema: JsonSchema, objects: readonly ObjectComments[]): JsonSchema {
  const out: JsonSchema = {};
  const properties = isSchema(schema.properties) ? schema.properties : undefined;
  const consts = new Map(
    Object.entries(properties ?? {}).flatMap(([k, v]) => (isSchema(v) && v.const !== undefined ? [[k, v.const]] : [])),
  );
  const comments = properties ? commentsFor(new Set(Object.keys(properties)), objects, consts) : undefined;
  if (comments?.comment && schema.description === undefined) out.description = comments.comment;
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && properties) {
      out.properties = Object.fromEntries(
        Object.entries(properties).map(([name, field]) => {
          const described = isSchema(field) ? describe(field, objects) : field;
          const comment = comments?.fields.get(name);
          return [
            name,
            comment && isSchema(described) && described.description === undefined
              ? { description: comment, ...described }
              : described,
          ];
        }),
      );
    } else if (Array.isArray(value)) {
      out[key] = value.map((v) => (isSchema(v) ? describe(v, objects) : v));
    } else if (isSchema(value) && (key === 'items' || key === 'additionalProperties')) {
      out[key] = describe(value, objects);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * The JSON Schema of a pipeline spec as written (defaults are optional), generated from the zod schema the loader
 * uses: every object is closed (`additionalProperties: false`), so an editor with the YAML language server flags an
 * unknown or misspelled field as the loader does, and completes field names, enums and defaults. Each field carries
 * the doc comment of its source as `description` (read from the source of lib/pipeline/spec.ts and what it imports, so this runs where the source is).
 */
export function pipelineSpecJsonSchema(
  objects: readonly ObjectComments[] = readObjectComments(join(PROJECT_ROOT, 'lib/pipeline/spec.ts')),
): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(PipelineSpec, { io: 'input', unrepresentable: 'any' });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://mlops-pipelines.local/spec.schema.json',
    title: 'mlops-pipelines pipeline spec',
    ...describe(schema, objects),
    description:
      'Generated from lib/pipeline/spec.ts by `npm run spec:schema`; do not edit. Start a spec with ' +
      '`# yaml-language-server: $schema=./spec.schema.json` for completion and checks in editors. ' +
      'Reference: docs/SPEC.md.',
  };
}
