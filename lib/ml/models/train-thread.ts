import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DataError, MlError } from '../errors';
import { disposeModel } from './artifact';
import type { TfBackendName } from './backend';
import { trainModel, type TrainArgs } from './train';
import type { EpochEndEvent, TrainResult } from './types';

/**
 * Training on its own thread (worker_threads): TensorFlow.js on wasm or cpu runs on the calling thread, so two
 * trainings "at once" in one process share one core. Each call here takes a thread with its own TensorFlow.js
 * engine and backend (a new one, or one idle since an earlier training), trains there, and relays the epoch and checkpoint callbacks to this thread (each awaited
 * before training goes on, as in-process). The native `tensorflow` backend already spreads its kernels over every
 * core and its addon is loaded once per process, so it trains in-process.
 */
export type ThreadTrainResult = Omit<TrainResult, 'model'>;

export type ThreadTrainArgs = Omit<TrainArgs, 'onEpochEnd' | 'onCheckpoint'> & {
  backend: TfBackendName | string;
  /** As TrainArgs.onEpochEnd; `event.checkpoint` is not available across threads (use onCheckpoint). */
  onEpochEnd?: (event: EpochEndEvent) => void | Promise<void>;
  onCheckpoint?: TrainArgs['onCheckpoint'];
};

/** Messages from the training thread. */
export type FromThread =
  | { type: 'epoch'; id: number; event: Omit<EpochEndEvent, 'checkpoint'> }
  | { type: 'checkpoint'; id: number; epoch: number; bytes: Uint8Array }
  | { type: 'done'; result: ThreadTrainResult }
  | { type: 'failed'; error: SerializedError };

/** Messages to the training thread. */
export type ToThread =
  | { type: 'train'; args: Omit<ThreadTrainArgs, 'onEpochEnd' | 'onCheckpoint' | 'signal'> }
  | { type: 'ack'; id: number; error?: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof MlError) return { name: err.name, message: err.message, code: err.code, details: err.details };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

/** The error as thrown on the other thread: MlError and DataError keep their class and code (retry verdicts). */
export function deserializeError(e: SerializedError): Error {
  const args = { code: e.code as never, message: e.message, details: e.details };
  if (e.name === 'DataError') return new DataError(args);
  if (e.name === 'MlError') return new MlError(args);
  const error = new Error(e.message);
  error.name = e.name;
  return error;
}

/** Backends whose training gains a core from a thread of its own. */
export function trainsInThread(backend: string): boolean {
  return backend === 'wasm' || backend === 'cpu';
}

function startThread(): Worker {
  const js = join(__dirname, 'train-thread-entry.js');
  if (existsSync(js)) return new Worker(js);
  // From TypeScript sources (tsx, jest): the thread registers tsx's require hook, then loads the entry.
  const ts = join(__dirname, 'train-thread-entry.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(ts)});`, { eval: true });
}

/**
 * Threads that finished a training wait here for the next one (their TensorFlow.js engine and backend already
 * loaded), unref'd so they never keep a process alive. A thread whose training was aborted, or that failed, is
 * terminated instead.
 */
const idle: Worker[] = [];
const MAX_IDLE = 8;

function takeThread(): Worker {
  const worker = idle.pop();
  if (!worker) return startThread();
  worker.ref();
  return worker;
}

function giveBack(worker: Worker): void {
  if (idle.length >= MAX_IDLE) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idle.push(worker);
}

/** Ends the idle training threads (tests, shutdown); threads in use end with their training. */
export async function closeTrainingThreads(): Promise<void> {
  await Promise.all(idle.splice(0).map((w) => w.terminate()));
}

/** trainModel on a thread of its own: same arguments (plus the backend), same result without the live model. */
export async function trainModelInThread(args: ThreadTrainArgs): Promise<ThreadTrainResult> {
  const { onEpochEnd, onCheckpoint, signal, ...rest } = args;
  signal?.throwIfAborted();
  const worker = takeThread();
  let reusable = false;
  let settled = false;
  const listeners: Array<() => void> = [];
  try {
    return await new Promise<ThreadTrainResult>((resolve, reject) => {
      const finish = (error: unknown, result?: ThreadTrainResult) => {
        if (settled) return;
        settled = true;
        if (error) reject(error);
        else resolve(result as ThreadTrainResult);
      };
      const onAbort = () => finish(signal?.reason ?? new Error('training aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      listeners.push(() => signal?.removeEventListener('abort', onAbort));
      const ack = async (id: number, callback: () => void | Promise<void>) => {
        try {
          await callback();
          if (!settled) worker.postMessage({ type: 'ack', id } satisfies ToThread);
        } catch (error) {
          if (!settled) worker.postMessage({ type: 'ack', id, error: serializeError(error) } satisfies ToThread);
        }
      };
      const onMessage = (message: FromThread) => {
        if (message.type === 'epoch') {
          const event: EpochEndEvent = {
            ...message.event,
            checkpoint: () =>
              Promise.reject(new Error('checkpoint() is not available across threads: use onCheckpoint')),
          };
          void ack(message.id, () => onEpochEnd?.(event));
        } else if (message.type === 'checkpoint') {
          void ack(message.id, () => onCheckpoint?.({ epoch: message.epoch, bytes: message.bytes }));
        } else if (message.type === 'done') {
          reusable = true;
          finish(undefined, message.result);
        } else finish(deserializeError(message.error));
      };
      const onError = (error: Error) => finish(error);
      const onExit = (code: number) => finish(new Error(`the training thread exited with code ${code}`));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      listeners.push(() => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      });
      worker.postMessage({ type: 'train', args: rest } satisfies ToThread);
    });
  } finally {
    settled = true;
    for (const remove of listeners) remove();
    if (reusable) giveBack(worker);
    else await worker.terminate();
  }
}

/** Trains on a thread of its own where that gains a core (trainsInThread), else in-process. */
export async function trainModelOffThread(args: ThreadTrainArgs & { threads: boolean }): Promise<ThreadTrainResult> {
  const { threads, backend, ...trainArgs } = args;
  if (threads && trainsInThread(backend)) return trainModelInThread({ ...trainArgs, backend });
  const { model, ...result } = await trainModel(trainArgs);
  disposeModel(model);
  return result;
}
