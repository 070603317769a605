import type { MlModel } from './artifact';
import { modelKind } from './registry';

export interface NamedImportance {
  feature: string;
  importance: number;
}

/**
 * The kind's native feature importance (e.g. split gain of tree ensembles), named after the model's features and
 * sorted from most to least important; null when the kind has no native measure. At most `top` entries.
 */
export function featureImportanceOf(args: {
  model: MlModel;
  featureNames: readonly string[];
  top?: number;
}): { type: string; features: NamedImportance[] } | null {
  const kind = modelKind(args.model.meta.kind);
  if (!kind.featureImportance) return null;
  const { type, values } = kind.featureImportance(args.model.state);
  const features = Array.from(values, (importance, i) => ({ feature: args.featureNames[i] ?? `#${i}`, importance }))
    .sort((a, b) => b.importance - a.importance || (a.feature < b.feature ? -1 : 1))
    .slice(0, args.top ?? values.length);
  return { type, features };
}
