import type { SpecIssue } from './issues';
import type { PipelineSpec } from './spec';

const CLASSIFIERS = new Set(['logistic_regression', 'mlp_classifier']);

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
    const classifier = CLASSIFIERS.has(candidate.kind);
    if (classifier !== (spec.task === 'classification')) {
      const fits =
        spec.task === 'classification' ? 'logistic_regression or mlp_classifier' : 'linear_regression or mlp_regressor';
      issues.push({
        path: `candidates[${i}].kind`,
        message: `${candidate.kind} is a ${classifier ? 'classification' : 'regression'} model but the task is ${spec.task}: use ${fits}`,
      });
    }
  });
  return issues;
}
