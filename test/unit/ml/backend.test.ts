import { currentTfBackend, initTfBackend, tf } from '../../../lib/ml';
import { nativeTfPackage } from '../../../lib/ml/models/backend';

// tfjs-node(-gpu) from npm, or built into .tools/ by `npm run setup:tensorflow`: then the native tests run too.
const native = nativeTfPackage() !== undefined;
const saved = process.env.TFJS_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.TFJS_BACKEND;
  else process.env.TFJS_BACKEND = saved;
});

describe('initTfBackend', () => {
  it('auto picks tensorflow when tfjs-node is installed, else wasm, and wasm really computes', async () => {
    delete process.env.TFJS_BACKEND;
    expect(await initTfBackend()).toBe(native ? 'tensorflow' : 'wasm');
    expect(await initTfBackend({ preferred: 'wasm' })).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const product = tf.tidy(() =>
      tf
        .matMul(
          tf.tensor2d([
            [1, 2],
            [3, 4],
          ]),
          tf.tensor2d([[5], [6]]),
        )
        .dataSync(),
    );
    expect(Array.from(product)).toEqual([17, 39]);
  });

  it('falls back down the order when the preference is not installed, unless strict', async () => {
    if (native) return;
    expect(await initTfBackend({ preferred: 'tensorflow' })).toBe('wasm');
    await expect(initTfBackend({ preferred: 'tensorflow', strict: true })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
  });

  it('honours TFJS_BACKEND, the explicit preference winning over it, and is idempotent', async () => {
    process.env.TFJS_BACKEND = 'cpu';
    expect(await initTfBackend()).toBe('cpu');
    expect(await initTfBackend()).toBe('cpu');
    expect(currentTfBackend()).toBe('cpu');
    expect(await initTfBackend({ preferred: 'wasm' })).toBe('wasm');
    process.env.TFJS_BACKEND = 'gpu-please';
    await expect(initTfBackend()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
});

(native ? describe : describe.skip)('the tensorflow backend (native TensorFlow, when installed)', () => {
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
