import { z } from 'zod';
import { MlError } from '../../../errors';
import { tf } from '../../../tf';
import { decodeContainer, encodeContainer, floatBytes, readFloats } from '../../bytes';
import type { TargetScale } from '../../kind';
import type { EpochMetrics } from '../../types';

export interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number;
  wait: number;
}

/** Everything a resumed attempt needs besides the tensors. The RNG needs no state: streams derive from (seed, epoch). */
export interface TrainingState {
  epoch: number;
  history: EpochMetrics[];
  stoppedEarly: boolean;
  early: EarlyStoppingState;
  /** Weights of the best epoch so far, when restoreBestWeights is on. */
  bestWeights: Float32Array[] | null;
}

const MAGIC = 'MLCK';
const VERSION = 1;
const Shape = z.array(z.number().int().min(0));

const HeaderSchema = z.object({
  format: z.literal('mlops-checkpoint'),
  fingerprint: z.string(),
  state: z.object({
    epoch: z.number().int().min(0),
    history: z.array(z.custom<EpochMetrics>((v) => typeof v === 'object' && v !== null)),
    stoppedEarly: z.boolean(),
    early: z.object({ best: z.number().nullable(), bestEpoch: z.number().int(), wait: z.number().int() }),
  }),
  targetScale: z.object({ mean: z.number(), std: z.number() }).nullable(),
  weights: z.array(Shape),
  optimizer: z.array(z.object({ name: z.string(), shape: Shape })),
  bestWeights: z.array(Shape).nullable(),
  adamPowers: z.array(z.number()).nullable(),
});

export interface DecodedCheckpoint {
  fingerprint: string;
  state: TrainingState;
  targetScale: TargetScale | null;
  weights: { shape: number[]; values: Float32Array }[];
  optimizer: { name: string; shape: number[]; values: Float32Array }[];
  adamPowers: number[] | null;
}

/**
 * Adam's running powers β₁ᵗ and β₂ᵗ. tfjs recomputes them as pow(β, t) in setWeights(), which differs in the last bit
 * from the product it accumulates while training; restoring the accumulated values makes a resumed run bit-identical.
 * They are private fields, so this reads them defensively and gives up (null) if a tfjs version renames them.
 */
type AdamInternals = { accBeta1?: unknown; accBeta2?: unknown };

function adamPowerVariables(optimizer: tf.Optimizer): [tf.Variable, tf.Variable] | null {
  const { accBeta1, accBeta2 } = optimizer as unknown as AdamInternals;
  return accBeta1 instanceof tf.Variable && accBeta2 instanceof tf.Variable ? [accBeta1, accBeta2] : null;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Checkpoint bytes: network weights, optimizer weights (Adam's moments and the step counter, stored as float32, exact
 * below 2^24 steps), early-stopping state, history, and the best weights so far.
 */
export async function encodeCheckpoint(args: {
  fingerprint: string;
  state: TrainingState;
  targetScale: TargetScale | null;
  network: tf.LayersModel;
  optimizer: tf.Optimizer;
}): Promise<Uint8Array> {
  const weights = args.network.getWeights();
  const optimizerWeights = await args.optimizer.getWeights();
  const weightValues = weights.map((t) => t.dataSync() as Float32Array);
  const optimizerValues = optimizerWeights.map((w) => Float32Array.from(w.tensor.dataSync()));
  // getWeights() returns the optimizer's live variables plus a fresh step-counter tensor: release only the latter.
  optimizerWeights.forEach((w) => !(w.tensor instanceof tf.Variable) && w.tensor.dispose());
  const { bestWeights, ...state } = args.state;
  const header = {
    format: 'mlops-checkpoint',
    fingerprint: args.fingerprint,
    state,
    targetScale: args.targetScale,
    weights: weights.map((t) => t.shape),
    optimizer: optimizerWeights.map((w) => ({ name: w.name, shape: w.tensor.shape })),
    bestWeights: bestWeights ? weights.map((t) => t.shape) : null,
    adamPowers: adamPowerVariables(args.optimizer)?.map((v) => v.dataSync()[0] as number) ?? null,
  };
  const payload = [...weightValues, ...optimizerValues, ...(bestWeights ?? [])].map(floatBytes);
  return encodeContainer({ magic: MAGIC, version: VERSION, header, payload });
}

export function decodeCheckpoint(args: { bytes: Uint8Array }): DecodedCheckpoint {
  const { header, payload } = decodeContainer({
    bytes: args.bytes,
    magic: MAGIC,
    version: VERSION,
    what: 'training checkpoint',
  });
  const parsed = HeaderSchema.safeParse(header);
  if (!parsed.success)
    throw new MlError({ code: 'INVALID_ARTIFACT', message: `Checkpoint header is invalid: ${parsed.error.message}` });
  const h = parsed.data;
  let offset = 0;
  const take = (shape: number[]): Float32Array => {
    const values = readFloats(payload, offset, size(shape));
    offset += size(shape) * 4;
    return values;
  };
  const weights = h.weights.map((shape) => ({ shape, values: take(shape) }));
  const optimizer = h.optimizer.map((o) => ({ ...o, values: take(o.shape) }));
  const bestWeights = h.bestWeights ? h.bestWeights.map((shape) => take(shape)) : null;
  if (offset !== payload.byteLength)
    throw new MlError({ code: 'INVALID_ARTIFACT', message: 'Checkpoint payload size does not match its header.' });
  return {
    fingerprint: h.fingerprint,
    state: { ...h.state, bestWeights },
    targetScale: h.targetScale,
    weights,
    optimizer,
    adamPowers: h.adamPowers,
  };
}

/** Loads checkpoint tensors into a freshly built network and optimizer of the same architecture. */
export async function restoreTensors(args: {
  checkpoint: DecodedCheckpoint;
  network: tf.LayersModel;
  optimizer: tf.Optimizer;
}): Promise<void> {
  const weights = args.checkpoint.weights.map((w) => tf.tensor(w.values, w.shape));
  args.network.setWeights(weights);
  tf.dispose(weights);
  if (args.checkpoint.optimizer.length === 0) return;
  const named = args.checkpoint.optimizer.map((o) => ({ name: o.name, tensor: tf.tensor(o.values, o.shape) }));
  await args.optimizer.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
  const powers = adamPowerVariables(args.optimizer);
  const saved = args.checkpoint.adamPowers;
  if (powers && saved) powers.forEach((v, i) => tf.tidy(() => v.assign(tf.scalar(saved[i] as number))));
}
