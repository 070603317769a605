// The training thread of train-thread.ts: one training, then the thread ends.
import { parentPort } from 'node:worker_threads';
import { disposeModel } from './artifact';
import { initTfBackend, type TfBackendPreference } from './backend';
import { trainModel } from './train';
import { serializeError, deserializeError, type FromThread, type SerializedError, type ToThread } from './train-thread';

const port = parentPort;
if (!port) throw new Error('train-thread-entry runs as a worker thread only');

let nextId = 0;
const waiting = new Map<number, (error?: SerializedError) => void>();

/** Posts a callback to the calling thread and waits until it has run there (its error is rethrown here). */
function relay(message: FromThread & { id: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    waiting.set(message.id, (error) => (error ? reject(deserializeError(error)) : resolve()));
    port!.postMessage(message);
  });
}

port.on('message', (message: ToThread) => {
  if (message.type === 'ack') {
    const done = waiting.get(message.id);
    waiting.delete(message.id);
    done?.(message.error);
    return;
  }
  void (async () => {
    try {
      const { backend, ...args } = message.args;
      await initTfBackend({ preferred: backend as TfBackendPreference, strict: true });
      const { model, ...result } = await trainModel({
        ...args,
        onEpochEnd: ({ checkpoint: _checkpoint, ...event }) => relay({ type: 'epoch', id: nextId++, event }),
        onCheckpoint: ({ epoch, bytes }) => relay({ type: 'checkpoint', id: nextId++, epoch, bytes }),
      });
      disposeModel(model);
      port.postMessage({ type: 'done', result } satisfies FromThread);
    } catch (error) {
      port.postMessage({ type: 'failed', error: serializeError(error) } satisfies FromThread);
    }
  })();
});
