import { z } from 'zod';
import { MODEL_KIND_REGISTRY } from '../../lib/ml/models/registry';
import { defineRoute } from '../http/route';
import { ListModelKindsResponse } from '../schemas/model-kinds';

/** The registered model kinds, as specs may name them (computed once: the registry is fixed at start). */
function listKinds(): z.input<typeof ListModelKindsResponse> {
  return {
    items: MODEL_KIND_REGISTRY.map((kind) => {
      const { $schema: _ignored, ...hyperparameters } = z.toJSONSchema(kind.hyperparameters, {
        io: 'input',
        unrepresentable: 'any',
      });
      return {
        name: kind.name,
        description: kind.description,
        tasks: [...kind.tasks],
        capabilities: { ...kind.capabilities },
        artifactVersion: kind.artifactVersion,
        hyperparameters,
      };
    }),
  };
}

export function modelKindRoutes() {
  let kinds: z.input<typeof ListModelKindsResponse> | undefined;
  return [
    defineRoute({
      operationId: 'listModelKinds',
      method: 'get',
      path: '/v1/model-kinds',
      summary: 'The model kinds a spec can use, with tasks, capabilities and the JSON Schema of their hyperparameters',
      tags: ['registry'],
      access: { role: 'viewer' },
      request: {},
      responses: { 200: ListModelKindsResponse },
      errors: [401, 403],
      async handle() {
        kinds ??= listKinds();
        return { status: 200, body: kinds };
      },
    }),
  ];
}
