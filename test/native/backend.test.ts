import { initTfBackend, tf } from '../../lib/ml';

// The `native` jest project: it exists only when `npm run setup:tensorflow` (or an npm tfjs-node) installed the
// native backend (jest.config.js), so these tests always run where they can and are never silently skipped.
describe('the tensorflow backend (native TensorFlow)', () => {
  it('reports its TensorFlow version and computes what wasm computes', async () => {
    expect(await initTfBackend({ preferred: 'tensorflow', strict: true })).toBe('tensorflow');
    const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
    expect(binding?.TF_Version).toMatch(/^2\.\d+/);
    const x = tf.randomNormal([64, 20], 0, 1, 'float32', 1).arraySync() as number[][];
    const w = tf.randomNormal([20, 3], 0, 1, 'float32', 2).arraySync() as number[][];
    const onNative = tf.tidy(() => tf.softmax(tf.matMul(tf.tensor2d(x), tf.tensor2d(w))).arraySync()) as number[][];
    await initTfBackend({ preferred: 'wasm', strict: true });
    const onWasm = tf.tidy(() => tf.softmax(tf.matMul(tf.tensor2d(x), tf.tensor2d(w))).arraySync()) as number[][];
    onNative.forEach((row, i) => row.forEach((p, j) => expect(p).toBeCloseTo(onWasm[i]?.[j] as number, 5)));
  });

  it('trains a small network (gradients and the optimizer run natively)', async () => {
    await initTfBackend({ preferred: 'tensorflow', strict: true });
    const xs = tf.tensor2d(Array.from({ length: 256 }, (_, i) => [Math.sin(i), Math.cos(i)]));
    const ys = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 256 }, (_, i) => (Math.sin(i) > 0 ? 1 : 0)),
        'int32',
      ),
      2,
    );
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [2], units: 8, activation: 'relu' }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(xs, ys, { epochs: 30, batchSize: 32, verbose: 0 });
    const accuracy = history.history.acc as number[];
    expect(accuracy[accuracy.length - 1]).toBeGreaterThan(0.9);
    expect(tf.getBackend()).toBe('tensorflow');
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
