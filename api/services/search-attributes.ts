import { SearchAttributeType, defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';

// Registered on the dev server by infra/stack (MlopsPipeline, MlopsModel, MlopsTrigger): the Temporal UI and
// `temporal workflow list --query` filter runs by them.
export const MLOPS_PIPELINE = defineSearchAttributeKey('MlopsPipeline', SearchAttributeType.KEYWORD);
export const MLOPS_MODEL = defineSearchAttributeKey('MlopsModel', SearchAttributeType.KEYWORD);
export const MLOPS_TRIGGER = defineSearchAttributeKey('MlopsTrigger', SearchAttributeType.KEYWORD);

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
