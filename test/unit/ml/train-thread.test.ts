import { createRng, disposeModel, initTfBackend, MlError, trainModel, type Dataset } from '../../../lib/ml';
import { closeTrainingThreads, trainModelInThread, trainModelOffThread } from '../../../lib/ml/models/train-thread';

beforeAll(async () => {
  await initTfBackend({ preferred: 'wasm', strict: true });
});
afterAll(() => closeTrainingThreads());

function dataset(rows: number, seed: number): Dataset {
  const rng = createRng(seed);
  const featureCount = 4;
  const x = new Float32Array(rows * featureCount).map(() => rng.next() * 2 - 1);
  const y = new Int32Array(rows).map((_, i) =>
    (x[i * featureCount] as number) + (x[i * featureCount + 1] as number) > 0 ? 1 : 0,
  );
  return { x, y, rowCount: rows, featureCount };
}

const candidate = {
  kind: 'mlp_classifier',
  hyperparameters: { epochs: 4, batchSize: 32, hiddenUnits: [8], seed: 7, earlyStopping: false },
};
const base = {
  candidate,
  task: 'classification' as const,
  numClasses: 2,
  train: dataset(300, 1),
  validation: dataset(60, 2),
};

describe('training on a thread of its own', () => {
  it('gives the same model bytes and history as in-process, relaying every callback in order', async () => {
    const inProcess = await trainModel({ ...base, checkpointEvery: 2 });
    disposeModel(inProcess.model);
    const events: string[] = [];
    const threaded = await trainModelInThread({
      ...base,
      backend: 'wasm',
      checkpointEvery: 2,
      onEpochEnd: async (e) => {
        await new Promise((r) => setTimeout(r, 5));
        events.push(`epoch ${e.epoch}/${e.epochs}${e.finished ? ' finished' : ''}`);
      },
      onCheckpoint: ({ epoch, bytes }) => {
        expect(bytes.length).toBeGreaterThan(0);
        events.push(`checkpoint ${epoch}`);
      },
    });
    expect(Buffer.from(threaded.modelBytes).equals(Buffer.from(inProcess.modelBytes))).toBe(true);
    expect(threaded.history.map((h) => h.loss)).toEqual(inProcess.history.map((h) => h.loss));
    expect(threaded.backend).toBe('wasm');
    expect(events).toEqual([
      'epoch 1/4',
      'epoch 2/4',
      'checkpoint 2',
      'epoch 3/4',
      'epoch 4/4 finished',
      'checkpoint 4',
    ]);
  });

  it('reuses an idle thread for the next training, with the same results', async () => {
    const first = await trainModelInThread({ ...base, backend: 'wasm' });
    const again = await trainModelInThread({ ...base, backend: 'wasm' });
    expect(Buffer.from(again.modelBytes).equals(Buffer.from(first.modelBytes))).toBe(true);
    // Two at once: one reuses the idle thread, one starts; both give the same model as in-process.
    const [a, b] = await Promise.all([
      trainModelInThread({ ...base, backend: 'wasm' }),
      trainModelInThread({ ...base, backend: 'wasm' }),
    ]);
    expect(Buffer.from(a.modelBytes).equals(Buffer.from(first.modelBytes))).toBe(true);
    expect(Buffer.from(b.modelBytes).equals(Buffer.from(first.modelBytes))).toBe(true);
  });

  it('a failing callback stops training there, with its error', async () => {
    const epochs: number[] = [];
    await expect(
      trainModelInThread({
        ...base,
        backend: 'wasm',
        onEpochEnd: (e) => {
          epochs.push(e.epoch);
          if (e.epoch === 2) throw new Error('superseded by attempt 2');
        },
      }),
    ).rejects.toThrow('superseded by attempt 2');
    expect(epochs).toEqual([1, 2]);
  });

  it('keeps MlError and its code across the thread (permanent failures stay permanent)', async () => {
    const error = await trainModelInThread({ ...base, backend: 'wasm', numClasses: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlError);
    expect((error as MlError).code).toBe('INVALID_INPUT');
  });

  it('abort stops the thread and rethrows the reason', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by the workflow');
    const run = trainModelInThread({
      ...base,
      candidate: { ...candidate, hyperparameters: { ...candidate.hyperparameters, epochs: 500 } },
      backend: 'wasm',
      signal: controller.signal,
      onEpochEnd: (e) => {
        if (e.epoch === 1) controller.abort(reason);
      },
    });
    await expect(run).rejects.toBe(reason);
  });

  it('trains in-process for the native backend and when threads are off', async () => {
    const off = await trainModelOffThread({ ...base, backend: 'wasm', threads: false });
    const on = await trainModelOffThread({ ...base, backend: 'wasm', threads: true });
    expect(Buffer.from(on.modelBytes).equals(Buffer.from(off.modelBytes))).toBe(true);
  });
});
