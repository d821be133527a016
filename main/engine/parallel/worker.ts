// A tensor worker (worker_threads): its own tfjs with its own backend, started through the engine's
// initBackend; then it answers calls (protocol.ts) one message at a time — generic per-item tasks
// (tasks.ts) and the data-parallel trainer's stages (contrastive-worker.ts). Every message that
// arrives is parsed before use; every failure is answered (an error for the call, or `fatal` while
// starting), so the engine's thread never waits on a silent worker.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.js';
import { memorySpec, parseMessage, releaseModelsSpec, runTaskSpec, toWorkerSchema, workerDataSchema, type FromWorker } from './protocol.js';
import { handler, implement } from './worker-handlers.js';
import { ModelFolders, workerTask } from './tasks.js';
import './task-modules.js';
import './contrastive-worker.js';

const port = parentPort;
if (!port) throw new Error('parallel/worker.js runs as a worker_threads Worker (TensorPool starts it)');
const post = (m: FromWorker) => port.postMessage(m);
const folders = new ModelFolders();

implement(runTaskSpec, async (args) => {
  const task = workerTask(args.task);
  const items = args.items.map((it, i) => parseMessage(task.item, it, `item ${i} of ${task.name}`));
  return task.run(folders.context(args.models, task), items);
});

implement(releaseModelsSpec, async () => ({ released: await folders.release() }));

implement(memorySpec, async () => {
  const m = tf.memory();
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.buffer.byteLength ?? null;
  return { numTensors: m.numTensors, numBytes: m.numBytes, wasmHeapBytes: heap };
});

async function serve(): Promise<void> {
  const data = parseMessage(workerDataSchema, workerData, 'tensor worker start data');
  await initBackend({ prefer: data.backend });
  port!.on('message', (raw: unknown) => {
    let m;
    try {
      m = parseMessage(toWorkerSchema, raw, 'a message to a tensor worker');
    } catch (err) {
      post({ type: 'fatal', message: (err as Error).message });
      return;
    }
    if (m.type === 'close') {
      void folders.release().finally(() => process.exit(0));
      return;
    }
    const { id, fn } = m;
    void (async () => {
      try {
        const h = handler(fn);
        const args = parseMessage(h.spec.args, m.args, `the arguments of ${fn}`);
        const value = await h.run(args, { emit: (payload) => post({ type: 'event', id, payload }) });
        post({ type: 'result', id, value });
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        post({ type: 'error', id, message: e.message.slice(0, 10_000), stack: e.stack?.slice(0, 10_000) ?? null });
      }
    })();
  });
  post({ type: 'ready', backend: tf.getBackend() });
}

serve().catch((err: unknown) => {
  post({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
