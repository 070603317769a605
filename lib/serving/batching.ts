import {
  applyTransforms,
  fittedOf,
  predict,
  rowPredictions,
  type MlModel,
  type Prediction as MlPrediction,
} from '../ml';
import type { Prediction } from './types';

/**
 * Dynamic micro-batching, as TensorFlow Serving's batcher and Triton's dynamic batcher do it: requests for the same
 * model version that arrive within a short window share one forward pass. Each request's rows are transformed on
 * arrival (a bad row fails only its own request), queued, and answered from its slice of the batch's outputs.
 */
export interface BatchingOptions {
  /**
   * Longest a request waits for others, counted from the first queued one. 0 flushes at the end of the current
   * turn of the event loop (everything that arrived together, no added wait when requests come one by one).
   */
  windowMs: number;
  /** A batch is flushed as soon as it holds this many rows; a request this large is predicted alone at once. */
  maxRows: number;
}

export const DEFAULT_BATCHING: BatchingOptions = { windowMs: 0, maxRows: 256 };

interface Queued {
  x: Float32Array;
  rowCount: number;
  resolve: (predictions: Prediction[]) => void;
  reject: (error: unknown) => void;
}

export interface PredictBatcher {
  predict(rows: readonly Record<string, unknown>[]): Promise<Prediction[]>;
  /** Requests queued now (for tests and metrics). */
  readonly pending: number;
}

function servingPredictions(model: MlModel, prediction: MlPrediction): Prediction[] {
  return rowPredictions(prediction, fittedOf(model)).map((p) =>
    'value' in p
      ? { prediction: p.value }
      : { prediction: p.label as string | number | boolean, probabilities: p.probabilities },
  );
}

/** Rows [start, start + count) of a batch's prediction. */
function sliceOf(prediction: MlPrediction, start: number, count: number): MlPrediction {
  if (prediction.task === 'regression')
    return { ...prediction, values: prediction.values.subarray(start, start + count) };
  const k = prediction.numClasses;
  return {
    ...prediction,
    classIndices: prediction.classIndices.subarray(start, start + count),
    probabilities: prediction.probabilities.subarray(start * k, (start + count) * k),
  };
}

export function createPredictBatcher(model: MlModel, options: BatchingOptions = DEFAULT_BATCHING): PredictBatcher {
  const featureCount = model.meta.featureCount;
  let queue: Queued[] = [];
  let queuedRows = 0;
  let scheduled = false;

  const predictAlone = (item: Queued) => {
    try {
      item.resolve(servingPredictions(model, predict({ model, x: item.x, rowCount: item.rowCount })));
    } catch (error) {
      item.reject(error);
    }
  };

  const flush = () => {
    scheduled = false;
    const batch = queue;
    const rows = queuedRows;
    queue = [];
    queuedRows = 0;
    if (batch.length === 1) return predictAlone(batch[0] as Queued);
    if (batch.length === 0) return;
    let outputs: MlPrediction;
    try {
      const x = new Float32Array(rows * featureCount);
      let at = 0;
      for (const item of batch) {
        x.set(item.x, at * featureCount);
        at += item.rowCount;
      }
      outputs = predict({ model, x, rowCount: rows });
    } catch {
      // Whatever failed, each request gets its own answer or its own error.
      batch.forEach(predictAlone);
      return;
    }
    let start = 0;
    for (const item of batch) {
      try {
        item.resolve(servingPredictions(model, sliceOf(outputs, start, item.rowCount)));
      } catch (error) {
        item.reject(error);
      }
      start += item.rowCount;
    }
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    if (options.windowMs <= 0) setImmediate(flush);
    else setTimeout(flush, options.windowMs);
  };

  return {
    get pending() {
      return queue.length;
    },
    predict(rows) {
      return new Promise<Prediction[]>((resolve, reject) => {
        const features = applyTransforms({ fitted: fittedOf(model), rows });
        const item: Queued = { x: features.features, rowCount: features.rowCount, resolve, reject };
        if (item.rowCount >= options.maxRows) return predictAlone(item);
        if (queuedRows + item.rowCount > options.maxRows) flush();
        queue.push(item);
        queuedRows += item.rowCount;
        if (queuedRows >= options.maxRows) flush();
        else schedule();
      });
    },
  };
}
