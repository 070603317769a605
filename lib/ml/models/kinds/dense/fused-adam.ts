import { tf } from '../../../tf';

type NamedGradients = tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>;

interface AdamSlots {
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
}

const f32 = Math.fround;

/**
 * TensorFlow.js's Adam with its update computed in one pass over each parameter instead of ~17 kernels per variable.
 *
 * `tf.train.adam` updates every variable with a chain of element-wise kernels (two moment updates, two bias
 * corrections, square root, division, scaling, addition) plus a scalar tensor per constant: for a small dense
 * network that is most of a training step's kernel launches, each paying TensorFlow.js's per-op bookkeeping. Here the
 * gradient, moments and weights are read once, updated in a JavaScript loop, and written back as one tensor each.
 *
 * Same state, same results: the moments and the β powers stay the optimizer's own variables (so `getWeights`,
 * `setWeights` and checkpoints are exactly those of `tf.train.adam`), and every operation is rounded to float32 in
 * the order TensorFlow.js applies it (`Math.fround` after each one; float64 results of float32 operands round to the
 * float32 result), so the updates are bit-identical to the kernels': checked on cpu and wasm by
 * test/unit/ml/fused-adam.test.ts, and on the native backend by the same loss, to 10 digits, after 400 steps of a
 * small MLP (measured when this was written; CI has no native backend).
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999) {
    super(learningRate, beta1, beta2);
  }

  override applyGradients(variableGradients: NamedGradients): void {
    const self = this as unknown as AdamSlots;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    const beta1 = f32(self.beta1);
    const beta2 = f32(self.beta2);
    const oneMinusBeta1 = f32(1 - self.beta1);
    const oneMinusBeta2 = f32(1 - self.beta2);
    const epsilon = f32(self.epsilon);
    const minusRate = f32(-self.learningRate);
    const accBeta1 = self.accBeta1.dataSync()[0] as number;
    const accBeta2 = self.accBeta2.dataSync()[0] as number;
    const correction1 = f32(1 - accBeta1);
    const correction2 = f32(1 - accBeta2);
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name] as tf.Variable;
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name];
        self.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        self.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        if (gradient == null) return;
        const firstMoment = (self.accumulatedFirstMoment[i] as { variable: tf.Variable }).variable;
        const secondMoment = (self.accumulatedSecondMoment[i] as { variable: tf.Variable }).variable;
        const g = gradient.dataSync() as Float32Array;
        const m = firstMoment.dataSync() as Float32Array;
        const v = secondMoment.dataSync() as Float32Array;
        const w = value.dataSync() as Float32Array;
        const nextM = new Float32Array(g.length);
        const nextV = new Float32Array(g.length);
        const nextW = new Float32Array(g.length);
        for (let k = 0; k < g.length; k++) {
          const gk = g[k] as number;
          const mk = f32(f32((m[k] as number) * beta1) + f32(gk * oneMinusBeta1));
          const vk = f32(f32((v[k] as number) * beta2) + f32(f32(gk * gk) * oneMinusBeta2));
          const mHat = f32(mk / correction1);
          const vHat = f32(vk / correction2);
          const step = f32(f32(mHat / f32(f32(Math.sqrt(vHat)) + epsilon)) * minusRate);
          nextM[k] = mk;
          nextV[k] = vk;
          nextW[k] = f32(step + (w[k] as number));
        }
        firstMoment.assign(tf.tensor(nextM, firstMoment.shape, 'float32'));
        secondMoment.assign(tf.tensor(nextV, secondMoment.shape, 'float32'));
        value.assign(tf.tensor(nextW, value.shape, 'float32'));
      });
      self.accBeta1.assign(tf.scalar(f32(accBeta1 * beta1)));
      self.accBeta2.assign(tf.scalar(f32(accBeta2 * beta2)));
    });
    (this as unknown as { incrementIterations(): void }).incrementIterations();
  }
}
