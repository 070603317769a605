import { z } from 'zod';
import { MlError } from '../../../errors';
import type { EncodedModel, FeatureImportance, ModelMeta } from '../../kind';
import { addTrees, decodeEnsemble, encodeEnsemble, type TreeEnsemble } from './ensemble';

/**
 * A trained tree ensemble as both tree kinds hold and store it. Raw scores are `base` plus the trees' sum (boosting)
 * or mean (forests); `link` turns them into what predict returns: values, the probability of class 1 (binary
 * boosting), or class probabilities (softmax, or a forest's averaged class distributions with 'identity').
 */
export interface TreeModelState {
  ensemble: TreeEnsemble;
  base: number[];
  combine: 'sum' | 'mean';
  link: 'identity' | 'logistic' | 'softmax';
  /** Total split gain per feature. */
  importance: number[];
}

const HeaderSchema = z.object({
  combine: z.enum(['sum', 'mean']),
  link: z.enum(['identity', 'logistic', 'softmax']),
  base: z.array(z.number()),
  importance: z.array(z.number()),
  ensemble: z.unknown(),
});

export function encodeTreeModel(state: TreeModelState): EncodedModel {
  const { header: ensemble, payload } = encodeEnsemble(state.ensemble);
  const { combine, link, base, importance } = state;
  return { header: { combine, link, base, importance, ensemble }, payload };
}

export function decodeTreeModel(args: { header: unknown; payload: Uint8Array; meta: ModelMeta }): TreeModelState {
  const parsed = HeaderSchema.safeParse(args.header);
  if (!parsed.success) {
    throw new MlError({ code: 'INVALID_ARTIFACT', message: `Tree model header is invalid: ${parsed.error.message}` });
  }
  const { ensemble: ensembleHeader, ...rest } = parsed.data;
  const ensemble = decodeEnsemble(ensembleHeader, args.payload, args.meta.featureCount);
  if (rest.base.length !== ensemble.outputs || rest.importance.length !== args.meta.featureCount) {
    throw new MlError({ code: 'INVALID_ARTIFACT', message: 'Tree model header does not match its trees.' });
  }
  return { ensemble, ...rest };
}

/** Raw scores (rowCount × outputs) of the first `trees` trees (all by default). */
export function rawScores(
  state: TreeModelState,
  args: { x: Float32Array; rowCount: number; featureCount: number; trees?: number },
): Float64Array {
  const K = state.ensemble.outputs;
  const to = args.trees ?? state.ensemble.trees.length;
  const out = new Float64Array(args.rowCount * K);
  addTrees({ ensemble: state.ensemble, from: 0, to, ...args, out });
  const treesPerOutput = state.ensemble.treeWidth === 1 ? to / K : to;
  const scale = state.combine === 'mean' && treesPerOutput > 0 ? 1 / treesPerOutput : 1;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * scale + (state.base[i % K] as number);
  return out;
}

/** What predict returns, from raw scores: values, or class probabilities rowCount × numClasses. */
export function linkOutputs(state: TreeModelState, raw: Float64Array, rowCount: number): Float32Array {
  const K = state.ensemble.outputs;
  if (state.link === 'identity') return Float32Array.from(raw);
  if (state.link === 'logistic') {
    const out = new Float32Array(rowCount * 2);
    for (let i = 0; i < rowCount; i++) {
      const p = 1 / (1 + Math.exp(-(raw[i] as number)));
      out[i * 2] = 1 - p;
      out[i * 2 + 1] = p;
    }
    return out;
  }
  const out = new Float32Array(rowCount * K);
  for (let i = 0; i < rowCount; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, raw[i * K + k] as number);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp((raw[i * K + k] as number) - max);
    for (let k = 0; k < K; k++) out[i * K + k] = Math.exp((raw[i * K + k] as number) - max) / sum;
  }
  return out;
}

export function predictTrees(state: TreeModelState, args: { x: Float32Array; rowCount: number; meta: ModelMeta }) {
  const raw = rawScores(state, { x: args.x, rowCount: args.rowCount, featureCount: args.meta.featureCount });
  return linkOutputs(state, raw, args.rowCount);
}

export function treeImportance(state: TreeModelState): FeatureImportance {
  const total = state.importance.reduce((a, b) => a + b, 0);
  return { type: 'gain', values: Float64Array.from(state.importance, (v) => (total > 0 ? v / total : 0)) };
}
