import type { SearchAttributePair } from '@temporalio/common';
import { MLOPS_MODEL, MLOPS_PIPELINE, MLOPS_TRIGGER } from '../../workflows/pipeline/readable';

// The keys are defined beside the workflow that updates them (phase, status, outcome as the run moves); a run
// starts with its pipeline, model and trigger.
export { MLOPS_MODEL, MLOPS_PIPELINE, MLOPS_TRIGGER };

export function runSearchAttributes(input: {
  pipeline: string;
  model: string;
  trigger: string;
}): SearchAttributePair[] {
  return [
    { key: MLOPS_PIPELINE, value: input.pipeline },
    { key: MLOPS_MODEL, value: input.model },
    { key: MLOPS_TRIGGER, value: input.trigger },
  ];
}
