import { tf } from '../tf';

type TensorInfo = { dataId: object; shape: number[]; dtype: string };
type KernelArgs = {
  inputs: Record<string, TensorInfo>;
  backend: {
    disposeData(dataId: object, force?: boolean): boolean;
    write(values: Float32Array, shape: number[], dtype: string): object;
  };
  attrs: Record<string, unknown>;
};
type KernelFunc = (args: KernelArgs) => TensorInfo | TensorInfo[];

let installed = false;

/** Replaces a wasm kernel with `wrap(original)`, keeping its set-up and tear-down. */
function wrapKernel(name: string, wrap: (original: KernelFunc) => KernelFunc): void {
  const original = tf.getKernel(name, 'wasm');
  if (!original) return;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: wrap(original.kernelFunc as unknown as KernelFunc) as unknown as tf.KernelFunc,
  });
}

function batchOf(shape: number[]): number {
  return shape.slice(0, -2).reduce((a, b) => a * b, 1);
}

/**
 * Two wasm kernels routed through XNNPACK's matrix product, which the wasm backend otherwise uses only for
 * untransposed operands. Both are what a dense layer's backward pass asks for on every training step:
 *
 * - **Transposed products** (∂W = Xᵀ·∂Y, ∂X = ∂Y·Wᵀ). With `transposeA` or `transposeB` the wasm backend falls back
 *   to a plain triple loop, 6 to 8 times slower on a training batch (256×64ᵀ·256×32: 615 µs against 113 µs for an
 *   explicit transpose and the fast product). The operand is now transposed first (a copy, linear in its size) and
 *   multiplied without transposes. Batched products (leading dimensions other than 1) keep the original kernel.
 * - **Sums over the rows of a matrix** (the bias gradient, ∂b = Σ rows of ∂Y). The wasm backend transposes the
 *   matrix and sums its rows (85 µs for 256×64); a product with a row of ones gives the same sums in 22 µs.
 *
 * The results are the same sums and products; their float32 rounding may differ in the last bits (another summation
 * order), as between any two BLAS. Idempotent; a no-op when the wasm backend's kernels are not registered.
 */
export function installWasmKernels(): void {
  if (installed) return;
  const matMulKernel = tf.getKernel('BatchMatMul', 'wasm');
  const transposeKernel = tf.getKernel('Transpose', 'wasm');
  if (!matMulKernel || !transposeKernel) return;
  installed = true;
  const transpose = transposeKernel.kernelFunc as unknown as KernelFunc;
  const swapLastTwo = (backend: KernelArgs['backend'], x: TensorInfo): TensorInfo => {
    const perm = x.shape.map((_, i) => i);
    const last = perm.length - 1;
    [perm[last - 1], perm[last]] = [perm[last] as number, perm[last - 1] as number];
    return transpose({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
  };
  wrapKernel('BatchMatMul', (multiply) => (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if ((!transposeA && !transposeB) || batchOf(a.shape) !== 1 || batchOf(b.shape) !== 1) return multiply(args);
    const aT = transposeA ? swapLastTwo(args.backend, a) : a;
    const bT = transposeB ? swapLastTwo(args.backend, b) : b;
    try {
      return multiply({
        ...args,
        inputs: { a: aT, b: bT },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      if (aT !== a) args.backend.disposeData(aT.dataId, true);
      if (bT !== b) args.backend.disposeData(bT.dataId, true);
    }
  });
  // The wrapped product above, for the sums below: a row of ones times the matrix.
  const multiply = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc as unknown as KernelFunc;
  wrapKernel('Sum', (sum) => (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
    // Only sums over leading axes (a matrix's rows, or a dense layer's [1, rows, units] gradient): the result is
    // the row of ones times the input seen as a [rows, rest] matrix.
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') return sum(args);
    const rows = x.shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
    const rest = x.shape.slice(axes.length);
    const cols = rest.reduce((a, b) => a * b, 1);
    if (cols === 0) return sum(args);
    const shape = keepDims ? [...axes.map(() => 1), ...rest] : rest;
    if (rows === 0) {
      // The wasm kernel leaves the output of an empty sum uninitialised; it is zeros.
      return { dataId: args.backend.write(new Float32Array(cols), shape, 'float32'), shape, dtype: 'float32' };
    }
    const ones = args.backend.write(new Float32Array(rows).fill(1), [1, rows], 'float32');
    try {
      const out = multiply({
        ...args,
        inputs: { a: { dataId: ones, shape: [1, rows], dtype: 'float32' }, b: { ...x, shape: [rows, cols] } },
        attrs: { transposeA: false, transposeB: false },
      }) as TensorInfo;
      out.shape = shape;
      return out;
    } finally {
      args.backend.disposeData(ones, true);
    }
  });
}
