// The tensor pool: N worker_threads, each with its own tfjs and its own wasm backend (a 4 GiB heap of
// its own), started through the engine's initBackend (ENVIRONMENT.md: two workers doubled the matMul
// throughput of one; a bare setBackend probe ran ~10× slower). Calls are addressed to one worker (the
// data-parallel trainer keeps state per worker: its replica, its gradient region, a tape held across
// the central loss step), or spread over all of them by `map`.
//
// Failure is loud and final: a worker that throws in a handler fails that call with its message; a
// worker that dies (exit, uncaught error, a message that does not parse) breaks the pool — every
// pending and later call is rejected with the reason, and `onBroken` listeners (the trainer, which may
// have other workers blocked on shared memory) are told. Nothing waits on a dead thread.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { z } from 'zod';
import { fromWorkerSchema, memorySpec, parseMessage, releaseModelsSpec, runTaskSpec, type HandlerSpec, type ToWorker, type WorkerData } from './protocol.js';
import type { WorkerTask } from './tasks.js';

export interface PoolOptions {
  /** Number of worker threads (≥ 1). */
  workers: number;
  /** The backend every worker starts (the engine thread's own; only the single-device CPU backends make sense). */
  backend: 'wasm' | 'cpu';
  /** Seconds to wait for every worker's backend to come up. */
  startTimeoutSeconds?: number;
  /** Passed to each Worker (tests use it to provoke a crash). */
  resourceLimits?: ResourceLimits;
}

export interface CallOptions {
  /** Events the handler sends before its result (already checked against the handler's event schema). */
  onEvent?(payload: unknown): void;
}

interface Pending {
  worker: number;
  fn: string;
  spec: HandlerSpec;
  resolve(value: unknown): void;
  reject(err: Error): void;
  onEvent?: (payload: unknown) => void;
}

/** The worker script: next to this file when built; from dist/ when the engine runs from source (vitest). */
export function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const entry = here.endsWith('.ts') ? path.resolve(path.dirname(here), '../../../dist/main/engine/parallel/worker.js') : path.join(path.dirname(here), 'worker.js');
  if (!fs.existsSync(entry)) throw new Error(`the tensor worker script ${entry} is missing: build first (npx tsc -b)`);
  return entry;
}

export class TensorPool {
  private readonly pending = new Map<number, Pending>();
  private readonly brokenListeners: ((err: Error) => void)[] = [];
  private nextId = 1;
  private failure: Error | null = null;
  private disposed = false;
  private readonly exited = new Set<number>();

  private constructor(
    /** The threads, in worker order (for diagnostics; tests end one to prove the failure path). */
    readonly threads: readonly Worker[],
    readonly backend: 'wasm' | 'cpu',
  ) {
    threads.forEach((w, i) => w.once('exit', () => this.exited.add(i)));
  }

  get size(): number {
    return this.threads.length;
  }

  /** Why the pool no longer works, or null. */
  get broken(): Error | null {
    return this.failure;
  }

  static async start(options: PoolOptions): Promise<TensorPool> {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new Error(`a tensor pool needs at least 1 worker, got ${options.workers}`);
    const entry = workerEntry();
    const threads = Array.from({ length: options.workers }, (_, index) => {
      const data: WorkerData = { backend: options.backend, index };
      return new Worker(entry, { workerData: data, resourceLimits: options.resourceLimits, name: `ric-tensor-worker-${index}` });
    });
    const pool = new TensorPool(threads, options.backend);
    const timeoutMs = (options.startTimeoutSeconds ?? 120) * 1000;
    const ready = threads.map(
      (w, i) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`tensor worker ${i} did not start its ${options.backend} backend within ${timeoutMs / 1000} s`)), timeoutMs);
          const onMessage = (raw: unknown) => {
            const m = fromWorkerSchema.safeParse(raw);
            if (m.success && m.data.type === 'ready') {
              clearTimeout(timer);
              w.off('message', onMessage);
              pool.listen(i);
              resolve();
            } else if (m.success && m.data.type === 'fatal') {
              clearTimeout(timer);
              reject(new Error(`tensor worker ${i} failed to start: ${m.data.message}`));
            }
          };
          w.on('message', onMessage);
          w.once('error', (err) => {
            clearTimeout(timer);
            reject(new Error(`tensor worker ${i} failed to start: ${err.message}`));
          });
          w.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`tensor worker ${i} exited (code ${code}) while starting`));
          });
        }),
    );
    try {
      await Promise.all(ready);
    } catch (err) {
      await pool.dispose();
      throw err;
    }
    return pool;
  }

  /** After 'ready': every message is parsed and routed; any death breaks the pool. */
  private listen(i: number): void {
    const w = this.threads[i]!;
    w.on('message', (raw: unknown) => {
      try {
        this.route(i, raw);
      } catch (err) {
        this.fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
    w.on('error', (err) => this.fail(new Error(`tensor worker ${i} crashed: ${err.message}`)));
    w.on('messageerror', (err) => this.fail(new Error(`tensor worker ${i} sent a message that could not be read: ${err.message}`)));
    w.on('exit', (code) => {
      if (!this.disposed) this.fail(new Error(`tensor worker ${i} exited unexpectedly (code ${code})${this.describePending(i)}`));
    });
  }

  private describePending(i: number): string {
    const fns = [...this.pending.values()].filter((p) => p.worker === i).map((p) => p.fn);
    return fns.length > 0 ? ` during ${fns.join(', ')}` : '';
  }

  private route(i: number, raw: unknown): void {
    const m = parseMessage(fromWorkerSchema, raw, `a message from tensor worker ${i}`);
    if (m.type === 'ready') return;
    if (m.type === 'fatal') throw new Error(`tensor worker ${i} failed: ${m.message}`);
    const p = this.pending.get(m.id);
    if (!p || p.worker !== i) throw new Error(`tensor worker ${i} answered call ${m.id}, which it was not given`);
    if (m.type === 'event') {
      if (!p.spec.event || !p.onEvent) throw new Error(`tensor worker ${i} sent an event for ${p.fn}, which has none`);
      p.onEvent(parseMessage(p.spec.event, m.payload, `the ${p.fn} event of tensor worker ${i}`));
      return;
    }
    this.pending.delete(m.id);
    if (m.type === 'error') {
      p.reject(Object.assign(new Error(`tensor worker ${i}: ${p.fn}: ${m.message}`), { workerStack: m.stack }));
      return;
    }
    let value: unknown;
    try {
      value = parseMessage(p.spec.result, m.value, `the ${p.fn} result of tensor worker ${i}`);
    } catch (err) {
      p.reject(err as Error);
      throw err;
    }
    p.resolve(value);
  }

  private fail(err: Error): void {
    if (this.failure || this.disposed) return;
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const fn of this.brokenListeners) fn(err);
    // The other threads may be mid-work: end them all, so no stale worker keeps running.
    void this.terminateAll();
  }

  /** Called once if the pool breaks (a worker died or misbehaved). */
  onBroken(listener: (err: Error) => void): void {
    this.brokenListeners.push(listener);
  }

  /** Runs handler `spec` on worker `i`. */
  call<S extends HandlerSpec>(i: number, spec: S, args: z.input<S['args']>, options: CallOptions = {}): Promise<z.output<S['result']>> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.disposed) return Promise.reject(new Error('the tensor pool is disposed'));
    const w = this.threads[i];
    if (!w) return Promise.reject(new Error(`no tensor worker ${i} (the pool has ${this.size})`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker: i, fn: spec.name, spec, resolve: resolve as (v: unknown) => void, reject, onEvent: options.onEvent });
      const message: ToWorker = { type: 'call', id, fn: spec.name, args };
      try {
        w.postMessage(message);
      } catch (err) {
        this.pending.delete(id);
        reject(new Error(`could not send ${spec.name} to tensor worker ${i}: ${(err as Error).message}`));
      }
    });
  }

  /**
   * Runs a registered per-item task over `items` on every worker, `chunkSize` items per call (a free
   * worker takes the next chunk), and returns the results in the items' order.
   */
  async map<I, R>(items: readonly I[], task: WorkerTask<I, R>, options: { models: Readonly<Record<string, string>>; chunkSize?: number }): Promise<R[]> {
    const missing = task.models.filter((m) => !(m in options.models));
    if (missing.length > 0) throw new Error(`task ${task.name} needs model folders for ${missing.join(', ')}`);
    const size = Math.max(1, options.chunkSize ?? Math.ceil(items.length / this.size));
    const chunks: [number, I[]][] = [];
    for (let i = 0; i < items.length; i += size) chunks.push([i, items.slice(i, i + size)]);
    const out = new Array<R>(items.length);
    let next = 0;
    let failed = false;
    const drain = async (w: number) => {
      // After one chunk fails the others take no more (the caller gets the first error).
      while (next < chunks.length && !failed) {
        const [start, chunk] = chunks[next++]!;
        try {
          const results = await this.call(w, runTaskSpec, { task: task.name, models: { ...options.models }, items: chunk });
          if (results.length !== chunk.length) throw new Error(`tensor worker ${w}: ${task.name} returned ${results.length} results for ${chunk.length} items`);
          results.forEach((r, j) => (out[start + j] = parseMessage(task.result, r, `result ${start + j} of ${task.name} from tensor worker ${w}`)));
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    await Promise.all(this.threads.map((_, w) => drain(w)));
    return out;
  }

  /** Disposes every worker's cached model folders. */
  async releaseModels(): Promise<number> {
    const n = await Promise.all(this.threads.map((_, i) => this.call(i, releaseModelsSpec, {})));
    return n.reduce((s, r) => s + r.released, 0);
  }

  /** tf.memory() of every worker. */
  memory(): Promise<z.output<typeof memorySpec.result>[]> {
    return Promise.all(this.threads.map((_, i) => this.call(i, memorySpec, {})));
  }

  private async terminateAll(): Promise<void> {
    await Promise.all(this.threads.map((w) => w.terminate().catch(() => undefined)));
  }

  /**
   * Ends every thread (a polite 'close' first, then terminate after `graceMs`: a thread blocked on
   * shared memory cannot read the message). Pending calls are rejected. Safe to call twice.
   */
  async dispose(graceMs = 2000): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const err = this.failure ?? new Error('the tensor pool was disposed');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    await Promise.all(
      this.threads.map(
        (w, i) =>
          new Promise<void>((resolve) => {
            if (this.exited.has(i)) return resolve();
            const timer = setTimeout(() => void w.terminate().finally(resolve), graceMs);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            try {
              w.postMessage({ type: 'close' } satisfies ToWorker);
            } catch {
              void w.terminate();
            }
          }),
      ),
    );
  }
}
