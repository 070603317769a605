import type { TfBackendName } from './backend';
import type { MlModel } from './serialize';

/** Metrics of one completed epoch. Validation values are null without a validation set (or not applicable). */
export interface EpochMetrics {
  /** 1-based. */
  epoch: number;
  /** Mean training loss over the epoch (weighted cross-entropy, or MSE on standardised targets) plus the L2 term. */
  loss: number;
  valLoss: number | null;
  valAccuracy: number | null;
  /** Regression: validation RMSE in the target's own units. */
  valRmse: number | null;
  durationMs: number;
  samplesPerSecond: number;
}

export interface EpochEndEvent {
  epoch: number;
  /** The configured maximum; early stopping may end training before it. */
  epochs: number;
  metrics: EpochMetrics;
  /** Whether this was the last epoch (maximum reached or early stop). */
  finished: boolean;
  /**
   * Serialises the full training state after this epoch (weights, optimizer slots and step, early-stopping state).
   * Call it before the callback returns: training resumes once the callback settles.
   */
  checkpoint: () => Promise<Uint8Array>;
}

export interface TrainResult {
  model: MlModel;
  /** serializeModel(model) with the fitted transforms, ready for the artefact store. */
  modelBytes: Uint8Array;
  /** Every epoch, including those run by earlier attempts (restored from the checkpoint). */
  history: EpochMetrics[];
  /** Total epochs completed across attempts. */
  epochsRun: number;
  /** The epoch this attempt resumed after (0 for a fresh start). */
  resumedFromEpoch: number;
  stoppedEarly: boolean;
  /** Epoch whose weights the model holds (the best one when restoreBestWeights applies). */
  bestEpoch: number;
  backend: TfBackendName;
}
