import { z } from 'zod';
import { PARAMETER_TYPES, ParameterValue } from '../../lib/pipeline/parameters';
import { Links, PipelineName, Timestamp } from './common';

export { ParameterValue };

/** A run's parameters: declared parameter names and their values (anything else is refused with a 400). */
// Values are checked against each declared parameter (lib/pipeline/parameters.ts), which names what is wrong with
// an undeclared key or a value of the wrong type better than a schema could.
export const RunParams = z
  .record(z.string().max(63), z.unknown().describe('A string, number or boolean, per the declaration'))
  .default({})
  .describe('Values of the parameters the pipeline declares (GET /v1/pipelines/{name}), e.g. {"epochs": 50}');

export const PipelineParams = z.object({ name: PipelineName });

export const ParameterView = z.object({
  name: z.string(),
  type: z.enum(PARAMETER_TYPES),
  default: ParameterValue.nullable().describe('What a run gets when it does not set the parameter'),
  min: z.union([z.number(), z.string()]).nullable(),
  max: z.union([z.number(), z.string()]).nullable(),
  enum: z.array(ParameterValue).nullable(),
  description: z.string(),
  paths: z.array(z.string()).describe('The spec fields the value is written to'),
});

export const PipelineVersionView = z.object({
  version: z.number().int(),
  specHash: z.string(),
  appliedBy: z.string(),
  appliedAt: Timestamp,
  source: z.string().describe("'api', or file:<path> for specs seeded from pipelines/"),
});

export const PipelineSummary = PipelineVersionView.extend({
  name: z.string(),
  description: z.string(),
  task: z.string(),
  model: z.string(),
  parameters: z.array(ParameterView),
  links: Links,
});

export const PipelineDetail = PipelineSummary.extend({
  spec: z.record(z.string(), z.unknown()).describe('The current version with every default filled in'),
  sourceText: z.string().nullable().describe('The spec as it was applied (YAML with its comments), when known'),
});

export const ListPipelinesResponse = z.object({ items: z.array(PipelineSummary) });
export const ListPipelineVersionsResponse = z.object({ items: z.array(PipelineVersionView) });

export const ApplyPipelineBody = z
  .object({
    yaml: z.string().min(1).max(1_000_000).optional().describe('The spec as YAML (or JSON) text'),
    spec: z.record(z.string(), z.unknown()).optional().describe('The spec as an object'),
  })
  .refine((b) => Boolean(b.yaml) !== Boolean(b.spec), { message: 'give exactly one of yaml and spec', path: ['yaml'] });

export const ApplyPipelineResponse = PipelineDetail.extend({
  created: z.boolean().describe('false when the document equals the current version (nothing changed)'),
});
