import type { Db } from '../db';

export interface EpochPoint {
  epoch: number;
  attempt: number;
  loss: number;
  valLoss: number | null;
  metrics: Record<string, number>;
  checkpointed: boolean;
  at: Date;
}

/**
 * Training curves of a run, per candidate, one point per epoch: when a resumed attempt re-ran an epoch, the latest
 * attempt's numbers count (they are the ones the final model continued from).
 */
export async function trainingCurves(db: Db, runId: string): Promise<Map<string, EpochPoint[]>> {
  const rows = (await db('training_epochs')
    .distinctOn('candidate', 'epoch')
    .where({ run_id: runId })
    .orderBy([{ column: 'candidate' }, { column: 'epoch' }, { column: 'attempt', order: 'desc' }])
    .select('candidate', 'epoch', 'attempt', 'loss', 'val_loss', 'metrics', 'checkpointed', 'at')) as Array<{
    candidate: string;
    epoch: number;
    attempt: number;
    loss: number;
    val_loss: number | null;
    metrics: Record<string, unknown>;
    checkpointed: boolean;
    at: Date;
  }>;
  const curves = new Map<string, EpochPoint[]>();
  for (const r of rows) {
    const metrics = Object.fromEntries(
      Object.entries(r.metrics ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number'),
    );
    const points = curves.get(r.candidate) ?? [];
    points.push({
      epoch: r.epoch,
      attempt: r.attempt,
      loss: r.loss,
      valLoss: r.val_loss,
      metrics,
      checkpointed: r.checkpointed,
      at: r.at,
    });
    curves.set(r.candidate, points);
  }
  return curves;
}
