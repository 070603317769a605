import { z } from 'zod';
import { MlError } from '../../../errors';
import type { Dataset } from '../../../features/dataset';
import { accuracy, argmaxRows, logLoss } from '../../../metrics/classification';
import { ss } from '../../../simple-statistics';
import { decodeContainer, encodeContainer } from '../../bytes';
import type { EpochMetrics } from '../../types';
import { binRows, fitBins } from './binning';
import { decodeEnsemble, encodeEnsemble, type TreeEnsemble } from './ensemble';
import type { BinnedData } from './grow';

/** Bins the training features once per run (at most 255 bins a feature, so a bin fits a byte). */
export function binTrainingData(train: Dataset, maxBins: number): BinnedData {
  const { x, rowCount, featureCount } = train;
  const bins = fitBins({ x, rowCount, featureCount, maxBins });
  return { binned: binRows({ x, rowCount, featureCount, bins }), bins, rowCount, featureCount };
}

/** Progress of a tree ensemble's training: what a checkpoint restores besides the trees. */
export interface TreeTrainingState {
  epoch: number;
  /** Trees grown (random forest) or boosting rounds done (gradient boosting). */
  rounds: number;
  history: EpochMetrics[];
  stoppedEarly: boolean;
  /** Early stopping on the validation loss, per round (with the importance as it was after the best round). */
  early: { best: number | null; bestRound: number; wait: number; importance?: number[] };
  /** Total split gain per feature so far. */
  importance: number[];
}

export function freshState(featureCount: number): TreeTrainingState {
  return {
    epoch: 0,
    rounds: 0,
    history: [],
    stoppedEarly: false,
    early: { best: null, bestRound: 0, wait: 0 },
    importance: new Array<number>(featureCount).fill(0),
  };
}

/** How often a training loop yields to the event loop, so heartbeats, timers and cancellation are not starved. */
const YIELD_EVERY_MS = 100;

/** Yields now and then; throws `signal.reason` once aborted. */
export function yielder(signal: AbortSignal | undefined): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < YIELD_EVERY_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    last = Date.now();
    if (signal?.aborted) throw signal.reason ?? new Error('Training aborted');
  };
}

/** Target variance, so regression losses are MSE on standardised targets, as for the dense kinds. */
export function targetVariance(y: Float32Array | Int32Array): number {
  const std = ss.standardDeviation(Array.from(y));
  return std > 0 ? std * std : 1;
}

export interface OutputsMetrics {
  loss: number;
  accuracy: number | null;
  rmse: number | null;
}

/** Loss of final outputs: log loss of probabilities (classification), or MSE / variance with RMSE in target units. */
export function outputsMetrics(args: {
  outputs: Float32Array;
  y: Int32Array | Float32Array;
  numClasses: number;
  classifier: boolean;
  variance: number;
}): OutputsMetrics {
  const { outputs, y } = args;
  if (args.classifier) {
    const p = { yTrue: y, probabilities: outputs, numClasses: args.numClasses };
    return { loss: logLoss(p), accuracy: accuracy({ yTrue: y, yPred: argmaxRows(p) }), rmse: null };
  }
  let squares = 0;
  for (let i = 0; i < y.length; i++) squares += ((outputs[i] as number) - (y[i] as number)) ** 2;
  const mse = squares / Math.max(1, y.length);
  return { loss: mse / args.variance, accuracy: null, rmse: Math.sqrt(mse) };
}

export function epochMetrics(args: {
  epoch: number;
  train: OutputsMetrics;
  validation: OutputsMetrics | null;
  started: number;
  rows: number;
}): EpochMetrics {
  const durationMs = performance.now() - args.started;
  return {
    epoch: args.epoch,
    loss: args.train.loss,
    valLoss: args.validation?.loss ?? null,
    valAccuracy: args.validation?.accuracy ?? null,
    valRmse: args.validation?.rmse ?? null,
    durationMs,
    samplesPerSecond: args.rows / (durationMs / 1000),
  };
}

const MAGIC = 'MLTC';
const VERSION = 1;

const CheckpointHeader = z.object({
  format: z.literal('mlops-tree-checkpoint'),
  fingerprint: z.string(),
  state: z.object({
    epoch: z.number().int().min(0),
    rounds: z.number().int().min(0),
    history: z.array(z.custom<EpochMetrics>((v) => typeof v === 'object' && v !== null)),
    stoppedEarly: z.boolean(),
    early: z.object({
      best: z.number().nullable(),
      bestRound: z.number().int(),
      wait: z.number().int(),
      importance: z.array(z.number()).optional(),
    }),
    importance: z.array(z.number()),
  }),
  /** Kind-specific values that the trees do not hold (e.g. boosting's initial scores). */
  extra: z.record(z.string(), z.unknown()),
  ensemble: z.unknown(),
});

/** A tree kind's checkpoint: the trees so far and the training state, in a versioned container. */
export function encodeTreeCheckpoint(args: {
  fingerprint: string;
  state: TreeTrainingState;
  ensemble: TreeEnsemble;
  extra: Record<string, unknown>;
}): Uint8Array {
  const { header: ensemble, payload } = encodeEnsemble(args.ensemble);
  const header = {
    format: 'mlops-tree-checkpoint',
    fingerprint: args.fingerprint,
    state: args.state,
    extra: args.extra,
    ensemble,
  };
  return encodeContainer({ magic: MAGIC, version: VERSION, header, payload });
}

export function decodeTreeCheckpoint(args: { bytes: Uint8Array; fingerprint: string; featureCount: number }): {
  state: TreeTrainingState;
  ensemble: TreeEnsemble;
  extra: Record<string, unknown>;
} {
  const { header, payload } = decodeContainer({
    bytes: args.bytes,
    magic: MAGIC,
    version: VERSION,
    what: 'tree training checkpoint',
  });
  const parsed = CheckpointHeader.safeParse(header);
  if (!parsed.success) {
    throw new MlError({ code: 'INVALID_ARTIFACT', message: `Checkpoint header is invalid: ${parsed.error.message}` });
  }
  if (parsed.data.fingerprint !== args.fingerprint) {
    throw new MlError({
      code: 'CHECKPOINT_MISMATCH',
      message: 'The checkpoint was written for another model spec or training data; start without resumeFrom.',
    });
  }
  const ensemble = decodeEnsemble(parsed.data.ensemble, payload, args.featureCount);
  return { state: parsed.data.state, ensemble, extra: parsed.data.extra };
}
