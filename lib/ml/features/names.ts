import type { FittedFeature } from './types';

export const UNKNOWN_CATEGORY = '__unknown__';

/** Output names of one fitted transform, in output order. */
export function outputNames(f: FittedFeature): string[] {
  switch (f.transform) {
    case 'standardize':
    case 'minmax':
    case 'passthrough':
      return [f.column];
    case 'onehot':
      return [...f.categories.map((c) => `${f.column}=${c}`), `${f.column}=${UNKNOWN_CATEGORY}`];
    case 'bucketize': {
      const b = f.boundaries;
      const inner = b.slice(1).map((upper, k) => `${f.column}[${b[k]},${upper})`);
      return [`${f.column}[<${b[0]}]`, ...inner, `${f.column}[>=${b[b.length - 1]}]`];
    }
    case 'datetime':
      return f.parts.map((p) => `${f.column}.${p}`);
  }
}

export function featureNamesOf(features: readonly FittedFeature[]): string[] {
  return features.flatMap(outputNames);
}
