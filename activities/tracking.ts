import { SpecError } from '../lib/pipeline/load';
import { ParameterError } from '../lib/pipeline/parameters';
import { loadPipelineSpec } from '../lib/pipeline/store';
import { recordRunDefinition } from '../lib/tracking/record';
import type { ActivityDeps } from './deps';
import type { RunStatusInput } from './pipeline-io';

/**
 * Records what a run is made of when the run record first names its spec version: the spec with the run's
 * parameters applied (resolved again from the stored version, exactly as the spec-loading step did), the code
 * version of this worker and the seeds. A run whose spec never loaded has none; that is not an error of the run.
 */
export async function recordRunDefinitionOf(deps: ActivityDeps, input: RunStatusInput): Promise<void> {
  if (!input.pipeline || !input.specHash || input.specVersion === undefined) return;
  let spec;
  try {
    ({ spec } = await loadPipelineSpec(deps.db, {
      pipeline: input.pipeline,
      specHash: input.specHash,
      params: input.params ?? {},
    }));
  } catch (err) {
    // A database outage is retried with the activity; only a spec that cannot be resolved is skipped.
    if (!(err instanceof SpecError || err instanceof ParameterError)) throw err;
    deps.log.warn({ runId: input.runId, err: (err as Error).message }, 'run definition not recorded');
    return;
  }
  await recordRunDefinition(deps.db, { runId: input.runId, spec, codeVersion: deps.codeVersion });
}
