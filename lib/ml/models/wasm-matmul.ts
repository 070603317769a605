import { tf } from '../tf';

type TensorInfo = { dataId: object; shape: number[]; dtype: string };
type KernelArgs = {
  inputs: Record<string, TensorInfo>;
  backend: { disposeData(dataId: object, force?: boolean): boolean };
  attrs: Record<string, unknown>;
};
type KernelFunc = (args: KernelArgs) => TensorInfo | TensorInfo[];

let installed = false;

function batchOf(shape: number[]): number {
  return shape.slice(0, -2).reduce((a, b) => a * b, 1);
}

/**
 * Routes the wasm backend's transposed matrix products through its fast path.
 *
 * The wasm backend multiplies with XNNPACK only when neither operand is transposed; `transposeA` or `transposeB`
 * falls back to a plain triple loop, 6 to 8 times slower on a training batch (256×64ᵀ·256×32: 615 µs against 113 µs
 * for an explicit transpose and the fast product; bench/train.ts). Every dense layer's backward pass asks for exactly
 * those products (∂W = Xᵀ·∂Y, ∂X = ∂Y·Wᵀ), so they were most of a training step. This kernel transposes the operand
 * first (a copy, linear in its size) and multiplies without transposes. The result is the same product; its
 * float32 rounding may differ in the last bits (a different summation order), as between any two BLAS.
 *
 * Batched products (leading dimensions other than 1) keep the original kernel. Idempotent; a no-op when the wasm
 * backend's kernels are not registered.
 */
export function installWasmMatMul(): void {
  if (installed) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transposeKernel = tf.getKernel('Transpose', 'wasm');
  if (!original || !transposeKernel) return;
  installed = true;
  const multiply = original.kernelFunc as unknown as KernelFunc;
  const transpose = transposeKernel.kernelFunc as unknown as KernelFunc;
  const swapLastTwo = (backend: KernelArgs['backend'], x: TensorInfo): TensorInfo => {
    const perm = x.shape.map((_, i) => i);
    const last = perm.length - 1;
    [perm[last - 1], perm[last]] = [perm[last] as number, perm[last - 1] as number];
    return transpose({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
  };
  const kernelFunc: KernelFunc = (args) => {
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
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  });
}
