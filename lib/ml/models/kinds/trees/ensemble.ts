import { z } from 'zod';
import { MlError } from '../../../errors';

/** One trained tree: flat arrays, node 0 the root, `feature` −1 at leaves; x goes left when x[feature] ≤ threshold. */
export interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf values: nodeCount × width (unused at internal nodes). */
  value: Float64Array;
}

/**
 * Trees that add up to `outputs` raw scores per row. A tree of width `outputs` adds to every output (forests of
 * class distributions); a tree of width 1 adds to output `t mod outputs` (boosting: one tree per class per round).
 */
export interface TreeEnsemble {
  outputs: number;
  treeWidth: number;
  trees: Tree[];
}

/** The leaf a row of row-major features lands in. */
export function leafOf(tree: Tree, x: Float32Array, base: number): number {
  const { feature, threshold, left, right } = tree;
  let node = 0;
  let f = feature[0] as number;
  while (f >= 0) {
    node = (x[base + f] as number) <= (threshold[node] as number) ? (left[node] as number) : (right[node] as number);
    f = feature[node] as number;
  }
  return node;
}

/** Adds trees [from, to) of the ensemble to `out` (rowCount × outputs), each value times `scale`. */
export function addTrees(args: {
  ensemble: TreeEnsemble;
  from: number;
  to: number;
  x: Float32Array;
  rowCount: number;
  featureCount: number;
  out: Float64Array;
  scale?: number;
}): void {
  const { ensemble, x, featureCount: d, out } = args;
  const K = ensemble.outputs;
  const scale = args.scale ?? 1;
  for (let t = args.from; t < args.to; t++) {
    const tree = ensemble.trees[t] as Tree;
    if (ensemble.treeWidth === 1) {
      const channel = t % K;
      for (let i = 0; i < args.rowCount; i++) {
        out[i * K + channel] =
          (out[i * K + channel] as number) + scale * (tree.value[leafOf(tree, x, i * d)] as number);
      }
      continue;
    }
    for (let i = 0; i < args.rowCount; i++) {
      const leaf = leafOf(tree, x, i * d) * K;
      for (let k = 0; k < K; k++)
        out[i * K + k] = (out[i * K + k] as number) + scale * (tree.value[leaf + k] as number);
    }
  }
}

const HeaderSchema = z.object({
  outputs: z.number().int().min(1),
  treeWidth: z.number().int().min(1),
  nodeCounts: z.array(z.number().int().min(1)),
});

const bytesOf = (a: Int32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Header (shapes) and payload (per tree: feature, left, right as int32; threshold, value as float64). */
export function encodeEnsemble(ensemble: TreeEnsemble): {
  header: z.infer<typeof HeaderSchema>;
  payload: Uint8Array[];
} {
  const header = {
    outputs: ensemble.outputs,
    treeWidth: ensemble.treeWidth,
    nodeCounts: ensemble.trees.map((t) => t.feature.length),
  };
  const payload = ensemble.trees.flatMap((t) => [t.feature, t.left, t.right, t.threshold, t.value].map(bytesOf));
  return { header, payload };
}

/** Reads encodeEnsemble's output, checking every node reference so a damaged artefact fails here, not at predict. */
export function decodeEnsemble(header: unknown, payload: Uint8Array, featureCount: number): TreeEnsemble {
  const invalid = (why: string) =>
    new MlError({ code: 'INVALID_ARTIFACT', message: `Tree ensemble is invalid: ${why}.` });
  const parsed = HeaderSchema.safeParse(header);
  if (!parsed.success) throw invalid(parsed.error.message);
  const { outputs, treeWidth, nodeCounts } = parsed.data;
  if (treeWidth !== 1 && treeWidth !== outputs) throw invalid(`tree width ${treeWidth} with ${outputs} outputs`);
  let offset = 0;
  const take = <T extends Int32Array | Float64Array>(make: (b: ArrayBuffer) => T, bytes: number): T => {
    if (offset + bytes > payload.byteLength) throw invalid('payload shorter than its header says');
    const copy = payload.slice(offset, offset + bytes);
    offset += bytes;
    return make(copy.buffer);
  };
  const trees = nodeCounts.map((n): Tree => {
    const ints = () => take((b) => new Int32Array(b), n * 4);
    const floats = (count: number) => take((b) => new Float64Array(b), count * 8);
    const tree = { feature: ints(), left: ints(), right: ints(), threshold: floats(n), value: floats(n * treeWidth) };
    for (let i = 0; i < n; i++) {
      const f = tree.feature[i] as number;
      if (f < -1 || f >= featureCount) throw invalid(`node ${i} splits on feature ${f}`);
      // Children come after their parent, so traversal always ends at a leaf.
      if (
        f >= 0 &&
        !(
          (tree.left[i] as number) > i &&
          (tree.left[i] as number) < n &&
          (tree.right[i] as number) > i &&
          (tree.right[i] as number) < n
        )
      )
        throw invalid(`node ${i} has children outside the tree`);
    }
    return tree;
  });
  if (offset !== payload.byteLength) throw invalid('payload longer than its header says');
  return { outputs, treeWidth, trees };
}
