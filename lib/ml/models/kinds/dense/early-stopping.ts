import type { tf } from '../../../tf';
import type { EpochMetrics } from '../../types';
import type { TrainingState } from './checkpoint';
import type { EarlyStopping } from './hyperparameters';

/** The monitored quantity; val_* fall back to the training loss when there is no validation set. */
export function monitoredValue(settings: EarlyStopping, m: EpochMetrics): { value: number; higherIsBetter: boolean } {
  if (settings.monitor === 'val_accuracy' && m.valAccuracy !== null)
    return { value: m.valAccuracy, higherIsBetter: true };
  if (settings.monitor === 'val_loss' && m.valLoss !== null) return { value: m.valLoss, higherIsBetter: false };
  return { value: m.loss, higherIsBetter: false };
}

/**
 * Keras-style early stopping: an epoch improves when it beats the best value by more than minDelta; after `patience`
 * epochs without improvement training stops. The best weights are kept (copied off the backend) for restoring.
 */
export function updateEarlyStopping(args: {
  state: TrainingState;
  settings: EarlyStopping;
  value: { value: number; higherIsBetter: boolean };
  network: tf.LayersModel;
}): TrainingState {
  const { state, settings } = args;
  const { value, higherIsBetter } = args.value;
  const best = state.early.best;
  const improved =
    best === null || (higherIsBetter ? value > best + settings.minDelta : value < best - settings.minDelta);
  if (improved) {
    const bestWeights = settings.restoreBestWeights
      ? args.network.getWeights().map((t) => Float32Array.from(t.dataSync()))
      : null;
    return { ...state, early: { best: value, bestEpoch: state.epoch, wait: 0 }, bestWeights };
  }
  const wait = state.early.wait + 1;
  return { ...state, early: { ...state.early, wait }, stoppedEarly: wait >= settings.patience };
}
