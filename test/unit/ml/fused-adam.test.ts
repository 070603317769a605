import { initTfBackend, tf } from '../../../lib/ml';
import { FusedAdamOptimizer } from '../../../lib/ml/models/kinds/dense/fused-adam';
import { installWasmKernels } from '../../../lib/ml/models/wasm-kernels';

let created = 0;

/** A small MLP's variables from fixed seeds, and batches of seeded data. */
function problem(seed: number) {
  created += 1;
  const shapes: Array<[number[], number]> = [
    [[6, 8], 1],
    [[8], 2],
    [[8, 3], 3],
    [[3], 4],
  ];
  const variables = shapes.map(([shape, s], i) =>
    tf.randomNormal(shape, 0, 0.5, 'float32', seed * 10 + s).variable(true, `fa${created}-${i}`),
  );
  const x = tf.randomUniform([64, 6], -2, 2, 'float32', seed + 100);
  const y = tf.oneHot(tf.randomUniform([64], 0, 3, 'int32', seed + 200), 3).toFloat();
  const loss = () => {
    const [w1, b1, w2, b2] = variables as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
    const hidden = tf.relu(tf.add(tf.matMul(x, w1), b1));
    return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(hidden, w2), b2)) as tf.Scalar;
  };
  return {
    variables,
    step: (optimizer: tf.Optimizer) => tf.tidy(() => void optimizer.minimize(loss, false, variables)),
    values: () => variables.map((v) => Array.from(v.dataSync())),
    dispose: () => tf.dispose([...variables, x, y]),
  };
}

async function stateOf(optimizer: tf.Optimizer) {
  const weights = await optimizer.getWeights();
  const { accBeta1, accBeta2 } = optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
  return {
    weights: weights.map((w) => ({ name: w.name.replace(/^fa\d+-/, ''), values: Array.from(w.tensor.dataSync()) })),
    powers: [accBeta1.dataSync()[0], accBeta2.dataSync()[0]],
  };
}

describe.each(['cpu', 'wasm'] as const)('FusedAdamOptimizer on %s', (backend) => {
  beforeAll(async () => {
    await initTfBackend({ preferred: backend, strict: true });
  });

  it('updates weights, moments and β powers bit for bit as tf.train.adam does', async () => {
    const reference = problem(1);
    const fused = problem(1);
    const adam = tf.train.adam(0.05);
    const ours = new FusedAdamOptimizer(0.05);
    expect(fused.values()).toEqual(reference.values());
    for (let i = 0; i < 25; i++) {
      reference.step(adam);
      fused.step(ours);
    }
    expect(fused.values()).toEqual(reference.values());
    const untrained = problem(1);
    expect(fused.values()).not.toEqual(untrained.values()); // it trained
    untrained.dispose();
    const [a, b] = [await stateOf(adam), await stateOf(ours)];
    expect(b).toEqual(a);
    expect(ours.iterations).toBe(25);
    [reference, fused].forEach((p) => p.dispose());
    adam.dispose();
    ours.dispose();
  });

  it('continues from tf.train.adam state (as a checkpoint restores it) exactly as Adam would', async () => {
    const reference = problem(2);
    const adam = tf.train.adam(0.02);
    for (let i = 0; i < 5; i++) reference.step(adam);
    const saved = (await adam.getWeights()).map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    const values = reference.values();

    const resumed = problem(2);
    resumed.variables.forEach((v, i) => v.assign(tf.tensor(values[i] as number[], v.shape)));
    const ours = new FusedAdamOptimizer(0.02);
    await ours.setWeights(saved);
    // As checkpoints do (checkpoint.ts, adamPowers): setWeights recomputes the β powers with pow(), which rounds
    // differently from Adam's running product; the checkpoint carries the running product.
    const powers = (o: tf.Optimizer) => o as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    powers(ours).accBeta1.assign(tf.clone(powers(adam).accBeta1));
    powers(ours).accBeta2.assign(tf.clone(powers(adam).accBeta2));
    for (let i = 0; i < 5; i++) {
      reference.step(adam);
      resumed.step(ours);
    }
    expect(resumed.values()).toEqual(reference.values());
    [reference, resumed].forEach((p) => p.dispose());
    adam.dispose();
    ours.dispose();
  });

  it('leaves no tensors behind per step', () => {
    const p = problem(3);
    const ours = new FusedAdamOptimizer(0.01);
    p.step(ours); // creates the moment variables
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) p.step(ours);
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
    ours.dispose();
  });
});

describe('wasm kernels routed through the fast matrix product', () => {
  beforeAll(async () => {
    await initTfBackend({ preferred: 'wasm', strict: true });
    installWasmKernels(); // already done by initTfBackend; idempotent
  });

  it('equal the product of the explicitly transposed operands, for every transpose combination and batch shape', () => {
    const cases: Array<[number[], number[], boolean, boolean]> = [
      [[37, 5], [37, 11], true, false],
      [[9, 13], [7, 13], false, true],
      [[9, 13], [7, 9], true, true],
      [[1, 20, 6], [1, 20, 4], true, false],
      [[3, 8, 5], [3, 8, 2], true, false], // batched: the original kernel
    ];
    for (const [aShape, bShape, ta, tb] of cases) {
      tf.tidy(() => {
        const a = tf.randomNormal(aShape, 0, 1, 'float32', 5);
        const b = tf.randomNormal(bShape, 0, 1, 'float32', 6);
        const rank = aShape.length;
        const swap = (t: tf.Tensor) => tf.transpose(t, [...Array(rank - 2).keys(), rank - 1, rank - 2]);
        const got = tf.matMul(a, b, ta, tb);
        const want = tf.matMul(ta ? swap(a) : a, tb ? swap(b) : b);
        expect(got.shape).toEqual(want.shape);
        const diff = tf.max(tf.abs(tf.sub(got, want))).dataSync()[0] as number;
        expect(diff).toBeLessThan(1e-4);
      });
    }
  });

  it('frees the transposed copies it makes inside the kernel', () => {
    const a = tf.randomNormal([16, 64]);
    const b = tf.randomNormal([8, 16]);
    tf.tidy(() => tf.matMul(a, b, true, true));
    const before = tf.backend().numDataIds();
    for (let i = 0; i < 50; i++) tf.matMul(a, b, true, true).dispose();
    expect(tf.backend().numDataIds()).toBe(before);
    tf.dispose([a, b]);
  });

  it('sum the rows of a matrix as the plain sum does, keepDims and negative axes included', () => {
    const x = tf.randomNormal([300, 7], 0, 1, 'float32', 9);
    const values = x.arraySync() as number[][];
    const expected = Array.from({ length: 7 }, (_, j) => values.reduce((acc, row) => acc + (row[j] as number), 0));
    for (const [axis, keepDims] of [
      [0, false],
      [[0], true],
      [-2, false],
    ] as const) {
      const got = tf.sum(x, axis as number | number[], keepDims);
      expect(got.shape).toEqual(keepDims ? [1, 7] : [7]);
      Array.from(got.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(expected[j] as number, 3));
      got.dispose();
    }
    // Leading axes of a rank-3 tensor (the shape of a fused dense layer's bias gradient).
    const x3 = tf.reshape(x, [3, 100, 7]);
    const got3 = tf.sum(x3, [0, 1]);
    expect(got3.shape).toEqual([7]);
    Array.from(got3.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(expected[j] as number, 3));
    expect(tf.sum(x3, [1, 0], true).shape).toEqual([1, 1, 7]);
    tf.dispose([x3, got3]);
    // Other reductions keep the original kernel.
    expect(tf.sum(tf.reshape(x, [3, 100, 7]), [1]).shape).toEqual([3, 7]);
    expect(tf.sum(x, 1).shape).toEqual([300]);
    expect(tf.sum(tf.ones([4, 3], 'int32'), 0).arraySync()).toEqual([4, 4, 4]);
    expect(tf.sum(tf.zeros([0, 3]), 0).arraySync()).toEqual([0, 0, 0]);
    const before = tf.backend().numDataIds();
    for (let i = 0; i < 20; i++) tf.sum(x, 0).dispose();
    expect(tf.backend().numDataIds()).toBe(before);
    x.dispose();
  });

  it('gives gradients equal to the cpu backend for a dense layer (bias sums and transposed products)', async () => {
    const grads = () => {
      const x = tf.randomNormal([64, 5], 0, 1, 'float32', 11);
      const w = tf.randomNormal([5, 4], 0, 1, 'float32', 12);
      const b = tf.randomNormal([4], 0, 1, 'float32', 13);
      const f = (wv: tf.Tensor, bv: tf.Tensor) =>
        tf.sum(tf.square(tf.fused.matMul({ a: x, b: wv, bias: bv, activation: 'relu' })));
      const [gw, gb] = tf.grads(f)([w, b]);
      return [Array.from((gw as tf.Tensor).dataSync()), Array.from((gb as tf.Tensor).dataSync())];
    };
    const onWasm = grads();
    await initTfBackend({ preferred: 'cpu', strict: true });
    const onCpu = grads();
    await initTfBackend({ preferred: 'wasm', strict: true });
    onWasm.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo((onCpu[i] as number[])[j] as number, 3)));
  });
});
