import { kindsForTask, modelKind } from '../ml/models/registry';
import type { SpecIssue } from './issues';
import type { PipelineSpec } from './spec';

/**
 * What the schema alone cannot see: fields that are each valid but contradict one another. Caught here, before any
 * data is read, rather than after the data steps (or, worse, never: a label among its own features trains fine).
 */
export function specConsistencyIssues(spec: PipelineSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const names = spec.candidates.map((c) => c.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) {
      issues.push({
        path: `candidates[${i}].name`,
        message: `candidate name "${name}" is used twice: give each a unique name`,
      });
    }
  });
  spec.features.features.forEach((feature, i) => {
    if (feature.column === spec.features.label) {
      issues.push({
        path: `features.features[${i}]`,
        message: `"${feature.column}" is the label: a model given its own target as a feature learns nothing that serves (leakage). Remove it from the features`,
      });
    }
  });
  spec.candidates.forEach((candidate, i) => {
    const tasks = modelKind(candidate.kind).tasks;
    if (!tasks.includes(spec.task)) {
      const fits = kindsForTask(spec.task);
      issues.push({
        path: `candidates[${i}].kind`,
        message: `${candidate.kind} is a ${tasks.join(' or ')} model but the task is ${spec.task}: use ${fits.slice(0, -1).join(', ')} or ${fits.at(-1)}`,
      });
    }
  });
  return issues;
}
