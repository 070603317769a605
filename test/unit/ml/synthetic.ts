import { createRng, type Dataset } from '../../../lib/ml';

/**
 * Seeded toy problems for model tests. `circle`: label 1 inside radius 0.7 of the origin in [-1, 1]², a boundary no
 * linear model can draw (the logistic-regression baseline stays near the 61.5% majority share) but a small MLP can.
 */
export function circle(args: { rows: number; seed: number }): Dataset {
  const rng = createRng(args.seed);
  const x = new Float32Array(args.rows * 2);
  const y = new Int32Array(args.rows);
  for (let i = 0; i < args.rows; i++) {
    const a = rng.next() * 2 - 1;
    const b = rng.next() * 2 - 1;
    x.set([a, b], i * 2);
    y[i] = a * a + b * b < 0.49 ? 1 : 0;
  }
  return { x, y, rowCount: args.rows, featureCount: 2 };
}

/** Three Gaussian blobs (sd 0.5) centred at (−2, 0), (2, 0) and (0, 2.5): linearly separable. */
export function blobs(args: { rows: number; seed: number }): Dataset {
  const rng = createRng(args.seed);
  const centres = [
    [-2, 0],
    [2, 0],
    [0, 2.5],
  ] as const;
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const x = new Float32Array(args.rows * 2);
  const y = new Int32Array(args.rows);
  for (let i = 0; i < args.rows; i++) {
    const c = i % 3;
    const [cx, cy] = centres[c] as readonly [number, number];
    x.set([cx + 0.5 * gaussian(), cy + 0.5 * gaussian()], i * 2);
    y[i] = c;
  }
  return { x, y, rowCount: args.rows, featureCount: 2 };
}

/** y = 3a − 2b + 5 + noise(sd 0.1), a and b uniform in [−1, 1]. */
export function linear(args: { rows: number; seed: number }): Dataset {
  const rng = createRng(args.seed);
  const x = new Float32Array(args.rows * 2);
  const y = new Float32Array(args.rows);
  for (let i = 0; i < args.rows; i++) {
    const a = rng.next() * 2 - 1;
    const b = rng.next() * 2 - 1;
    x.set([a, b], i * 2);
    y[i] = 3 * a - 2 * b + 5 + 0.1 * Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  }
  return { x, y, rowCount: args.rows, featureCount: 2 };
}

/** The rows [start, end) of a dataset. */
export function slice(data: Dataset, start: number, end: number): Dataset {
  const d = data.featureCount;
  return { x: data.x.slice(start * d, end * d), y: data.y.slice(start, end), rowCount: end - start, featureCount: d };
}
