import type { MlModel } from './artifact';

/**
 * Metrics of one completed epoch (for tree kinds: a group of trees or boosting rounds). Validation values are null
 * without a validation set (or not applicable).
 */
export interface EpochMetrics {
  /** 1-based. */
  epoch: number;
  /**
   * Training loss: cross-entropy for classifiers, MSE on standardised targets for regressors (dense kinds: the mean
   * over the epoch's batches, with class weights and the L2 term; tree kinds: of the ensemble after the epoch).
   */
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
  /** Epoch whose model is kept (the best one when the kind restores it). */
  bestEpoch: number;
  /** Where it trained: the TensorFlow.js backend, or 'js' for kinds in plain TypeScript. */
  backend: string;
}
