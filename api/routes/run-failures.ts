import type { ApiDeps } from '../deps';
import { defineRoute } from '../http/route';
import { RunValidation, RunValidationQuery } from '../schemas/run-failures';
import { RunIdParams } from '../schemas/runs';
import { getRunValidation } from '../services/run-validation';

/** What validation found in a run's data (readable like the run itself: viewer and above). */
export function runFailureRoutes(deps: ApiDeps) {
  return [
    defineRoute({
      operationId: 'getRunValidation',
      method: 'get',
      path: '/v1/runs/:runId/validation',
      summary: "A run's data validation: every failed check with failing cells by line, and its quarantined rows",
      description:
        'Also for runs that failed validation. Quarantined rows come a page at a time (offset, limit) with their ' +
        'source line and the checks they failed.',
      tags: ['runs'],
      access: { role: 'viewer' },
      request: { params: RunIdParams, query: RunValidationQuery },
      responses: { 200: RunValidation },
      errors: [400, 401, 403, 404],
      async handle({ params, query }) {
        return { status: 200, body: await getRunValidation(deps, params.runId, query) };
      },
    }),
  ];
}
