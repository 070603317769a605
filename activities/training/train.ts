import { Context, activityInfo } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { recordLineage } from '../../lib/metadata/artifacts';
import { modelKind, type EpochEndEvent, type FittedTransforms } from '../../lib/ml';
import { trainModelOffThread } from '../../lib/ml/models/train-thread';
import { recordCandidateTraining } from '../../lib/tracking/record';
import { runKey, storeArtifact } from '../artifacts';
import type { ActivityDeps } from '../deps';
import type { EpochMetrics, TrainInput, TrainOutput } from '../pipeline-io';
import type { StepContext } from '../step-context';
import { loadTrainingData, type TrainingDataSettings } from './training-data';

export interface TrainingDeps extends ActivityDeps {
  client: Client;
  backend: string;
  /** Each training on a thread of its own (TRAINING_THREADS, default true): see lib/ml/models/train-thread.ts. */
  trainingThreads?: boolean;
  /** The training memory budget and cache folder (TRAINING_MEMORY_BUDGET_MB, TRAINING_CACHE_DIR). */
  trainingData?: TrainingDataSettings;
}

/**
 * Heartbeat details: the last completed checkpoint (so a retry on any worker resumes from it) and the progress
 * shown in the Temporal UI's pending activity. Progress never goes to the workflow as signals: a signal per epoch
 * would grow the run's history with its training time (the API reads progress from training_epochs instead).
 */
interface CheckpointHeartbeat {
  checkpointKey?: string;
  epoch?: number;
  progress?: { candidate: string; epochsDone: number; totalEpochs: number; loss?: number; valLoss?: number };
}

function checkpointKey(ctx: StepContext, candidate: string): string {
  // The Temporal run id keeps a re-used workflow id from resuming another execution's checkpoint.
  const temporalRunId = activityInfo().workflowExecution?.runId ?? 'standalone';
  return runKey(ctx.runId, 'checkpoints', temporalRunId, `${candidate}.ckpt`);
}

async function resumePoint(deps: TrainingDeps, ctx: StepContext, candidate: string) {
  const details = activityInfo().heartbeatDetails as CheckpointHeartbeat | undefined;
  // The heartbeat names the checkpoint; if it was lost (worker killed right after the upload), the store still has it.
  const key = details?.checkpointKey ?? checkpointKey(ctx, candidate);
  const stat = await deps.store.stat(key);
  if (!stat) return undefined;
  return { key, bytes: new Uint8Array(await deps.store.getBytes(key)) };
}

/**
 * Stops an attempt that a newer one has replaced (its heartbeats were lost, e.g. while Temporal restarted, and the
 * server retried it elsewhere): it must not overwrite the checkpoint the new attempt resumed from.
 */
async function assertStillCurrent(deps: TrainingDeps, ctx: StepContext): Promise<void> {
  const newer = await deps
    .db('step_executions')
    .where({ run_id: ctx.runId, step: ctx.step })
    .where('attempt', '>', ctx.attempt)
    .first('attempt');
  if (newer) throw new Error(`attempt ${ctx.attempt} was superseded by attempt ${newer.attempt}: stopping it`);
}

function toHistory(event: EpochEndEvent['metrics']): EpochMetrics {
  return {
    epoch: event.epoch,
    loss: event.loss,
    valLoss: event.valLoss ?? undefined,
    valAccuracy: event.valAccuracy ?? undefined,
    valRmse: event.valRmse ?? undefined,
    durationMs: event.durationMs,
  };
}

/**
 * Trains one candidate on the ABT's train split (validation split for early stopping). Every epoch is recorded and
 * heartbeated; every `checkpointEvery` epochs the full training state goes to the store first, so an attempt on
 * another worker (after a crash) resumes after the last checkpointed epoch and never repeats it.
 */
export async function trainCandidate(deps: TrainingDeps, ctx: StepContext, input: TrainInput): Promise<TrainOutput> {
  const { spec, abt, features } = input;
  const candidate = spec.candidates.find((c) => c.name === input.candidate);
  if (!candidate) throw new Error(`Candidate ${input.candidate} is not in the spec`);
  const classification = spec.task === 'classification';
  const kind = modelKind(candidate.kind);
  const fitted = JSON.parse((await deps.store.getBytes(features.transform.key)).toString('utf8')) as FittedTransforms;
  // A kind that cannot checkpoint starts over on a retry.
  const resume = kind.capabilities.checkpointing ? await resumePoint(deps, ctx, input.candidate) : undefined;
  const key = checkpointKey(ctx, input.candidate);
  const started = Date.now();
  let lastCheckpoint = 0;

  // Every heartbeat repeats the latest details, so a keep-alive never drops the checkpoint a retry resumes from.
  let details = activityInfo().heartbeatDetails as CheckpointHeartbeat | undefined;
  const heartbeat = (next: CheckpointHeartbeat) => {
    details = next;
    ctx.heartbeat(next);
  };
  // With training on its own thread this thread stays free: it heartbeats while the splits are read (or sharded to
  // disk), while the thread starts (loading the backend) and through long epochs. A killed worker process still stops
  // heartbeating, as before.
  const timeoutMs = activityInfo().heartbeatTimeoutMs;
  const keepAlive = setInterval(
    () => ctx.heartbeat(details),
    Math.min(10_000, Math.max(500, (timeoutMs ?? 30_000) / 3)),
  );
  // In memory, or over the memory budget sharded to local disk and streamed in blocks (released after training).
  const data = await loadTrainingData(deps.db, {
    ...deps.trainingData,
    table: abt.table,
    featureNames: features.featureNames,
    classification,
    kind,
    label: `${ctx.runId}-${input.candidate}-${ctx.attempt}`,
  }).catch((error: unknown) => {
    clearInterval(keepAlive);
    throw error;
  });
  if (data.mode === 'streamed') {
    const sizes = { arrayBytes: data.arrayBytes, budgetBytes: data.budgetBytes };
    ctx.log.info({ candidate: input.candidate, ...sizes }, 'splits over the memory budget: training out of core');
  }
  // On wasm/cpu, each training gets a thread (a core) of its own, so TRAINING_CONCURRENCY trainings use that many.
  const result = await trainModelOffThread({
    backend: deps.backend,
    threads: deps.trainingThreads ?? true,
    candidate,
    task: spec.task,
    numClasses: classification ? features.classes.length : undefined,
    classNames: classification ? features.classes : undefined,
    train: data.train,
    validation: data.validation,
    fitted,
    resumeFrom: resume?.bytes,
    checkpointEvery: spec.training.checkpointEvery,
    signal: Context.current().cancellationSignal,
    onCheckpoint: async ({ epoch, bytes }) => {
      await assertStillCurrent(deps, ctx);
      await deps.store.put(key, bytes);
      lastCheckpoint = epoch;
      await deps
        .db('training_epochs')
        .where({ run_id: ctx.runId, candidate: input.candidate, epoch, attempt: ctx.attempt })
        .update({ checkpointed: true });
      heartbeat({ checkpointKey: key, epoch });
    },
    onEpochEnd: async ({ epoch, epochs: totalEpochs, metrics, finished }) => {
      await deps
        .db('training_epochs')
        .insert({
          run_id: ctx.runId,
          candidate: input.candidate,
          epoch,
          attempt: ctx.attempt,
          loss: metrics.loss,
          val_loss: metrics.valLoss,
          metrics: JSON.stringify({ ...metrics, totalEpochs }),
        })
        .onConflict(['run_id', 'candidate', 'epoch', 'attempt'])
        .ignore();
      const progress = {
        candidate: input.candidate,
        epochsDone: epoch,
        totalEpochs: finished ? epoch : totalEpochs,
        loss: metrics.loss,
        valLoss: metrics.valLoss ?? undefined,
      };
      heartbeat({ ...(lastCheckpoint ? { checkpointKey: key, epoch: lastCheckpoint } : {}), progress });
    },
  }).finally(() => {
    clearInterval(keepAlive);
    return data.release();
  });
  const model = await storeArtifact(deps, ctx, {
    key: runKey(ctx.runId, 'models', `${input.candidate}.model`),
    body: result.modelBytes,
    name: `model:${input.candidate}`,
    kind: 'model',
    metadata: {
      candidate: input.candidate,
      kind: candidate.kind,
      epochsRun: result.epochsRun,
      backend: result.backend,
      trainingData: data.mode,
    },
  });
  await recordLineage(deps.db, {
    fromId: abt.artifactId,
    toId: model.artifactId,
    relation: 'trained_on',
    runId: ctx.runId,
  });
  const trainSeconds = (Date.now() - started) / 1000;
  await recordCandidateTraining(deps.db, {
    runId: ctx.runId,
    candidate: input.candidate,
    kind: candidate.kind,
    hyperparameters: candidate.hyperparameters,
    backend: result.backend,
    codeVersion: deps.codeVersion,
    epochsRun: result.epochsRun,
    stoppedEarly: result.stoppedEarly,
    resumedFromEpoch: result.resumedFromEpoch,
    attempt: ctx.attempt,
    trainSeconds,
    modelArtifactId: model.artifactId,
  });
  ctx.log.info(
    {
      candidate: input.candidate,
      epochs: result.epochsRun,
      resumedFrom: result.resumedFromEpoch,
      backend: result.backend,
    },
    'candidate trained',
  );
  return {
    candidate: input.candidate,
    model,
    epochsRun: result.epochsRun,
    stoppedEarly: result.stoppedEarly,
    resumedFromEpoch: result.resumedFromEpoch,
    attempt: ctx.attempt,
    backend: result.backend,
    history: result.history.map(toHistory),
    trainSeconds,
  };
}
