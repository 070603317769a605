import type { FittedFeature } from './types';

export const UNKNOWN_CATEGORY = '__unknown__';

/** Output names of one fitted transform, in output order. */
export function outputNames(f: FittedFeature): string[] {
  switch (f.transform) {
    case 'standardize':
    case 'minmax':
    case 'passthrough':
      return [f.column];
    case 'embedding':
      return [`${f.column}#index`];
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

/** An embedding input of the model: its position among the features, vocabulary (with unknown) and vector length. */
export interface EmbeddingColumn {
  column: string;
  /** Index of the category-index feature in the model's inputs. */
  feature: number;
  /** Known categories + 1 (the unknown index, the last). */
  vocabulary: number;
  dimension: number;
}

/** The features that hold category indices for an embedding, in feature order (empty without fitted transforms). */
export function embeddingColumnsOf(fitted: { features: readonly FittedFeature[] } | null): EmbeddingColumn[] {
  const columns: EmbeddingColumn[] = [];
  let at = 0;
  for (const f of fitted?.features ?? []) {
    if (f.transform === 'embedding') {
      columns.push({ column: f.column, feature: at, vocabulary: f.categories.length + 1, dimension: f.dimension });
    }
    at += outputNames(f).length;
  }
  return columns;
}
