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
    if (native) {
      // Installed here: the strict request is served by it (the fallback is checked where it is not installed).
      expect(await initTfBackend({ preferred: 'tensorflow', strict: true })).toBe('tensorflow');
      return;
    }
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
