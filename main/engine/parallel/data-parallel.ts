// Data-parallel training on the tensor pool, exact (README.md, "Exactness"): every batch is cut into
// micro-batches, at least one per worker, given to the workers in order (worker w holds a contiguous
// run of the batch's rows). Each worker embeds its micro-batches (stage 1 of gradient caching,
// training/gradient-caching.ts) and hands the embeddings here; this thread takes the loss of Eq. 11
// and its gradient with respect to every embedding over the WHOLE batch (stage 2) and puts each
// worker's rows back into its mailbox; the workers back-propagate them (stage 3) and sum their
// gradients into their own region of shared memory. Then the regions are summed (each worker one
// slice of the parameters), the global norm clipped, and ONE AdamW step is taken — the host AdamW's
// own element loop (training/host-optim.ts), each worker on its slice, writing the new weights into
// the shared model buffers that every replica reads before its next call.
import * as tf from '@tensorflow/tfjs';
import type { PhaseConfig } from '../training/config.js';
import type { ContrastiveTask } from '../training/contrastive.js';
import type { ParallelTask, ReplicaSpec } from '../training/devices.js';
import { chunk, lossAndEmbeddingGradients, readScalars } from '../training/gradient-caching.js';
import { clipFactor, type HostArray } from '../training/host-optim.js';
import type { LearnedTemperature } from '../training/losses.js';
import type { AdamWConfig } from '../training/optim.js';
import { BARRIER, embedSpec, forwardSpec, loadSpec, phaseSpec, reduceSpec, unloadSpec, updateSpec, type Entry } from './contrastive-protocol.js';
import type { TensorPool } from './pool.js';
import { paramView, sizeOf, tensorValues, type SharedModel } from './replica.js';

/** The learned τ's checkpoint key (contrastive.ts names it the same). */
export const TEMPERATURE_KEY = 'temperature/logit_scale';

interface PhaseLayout {
  entries: Entry[];
  variables: (tf.Variable | null)[];
  floats: number;
  grads: SharedArrayBuffer;
  moments: SharedArrayBuffer;
  flags: Int32Array;
  seen: Uint8Array;
  control: Int32Array;
  extra: Float32Array;
  temperatureEntry: number;
  adamW: AdamWConfig;
}

/** Splits `n` micro-batches over `workers` as evenly as possible, earlier workers taking the extra ones. */
export function shareOut(n: number, workers: number): number[] {
  return Array.from({ length: workers }, (_, w) => Math.floor(n / workers) + (w < n % workers ? 1 : 0));
}

/** Entries [from, to) per worker, cut where the running size passes each worker's share of the floats. */
export function partitionEntries(sizes: readonly number[], workers: number): [number, number][] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const out: [number, number][] = [];
  let from = 0;
  let acc = 0;
  for (let w = 0; w < workers; w++) {
    let to = from;
    const target = (total * (w + 1)) / workers;
    while (to < sizes.length && (w === workers - 1 || acc + sizes[to]! / 2 <= target)) acc += sizes[to++]!;
    out.push([from, to]);
    from = to;
  }
  return out;
}

export class DataParallel<P> {
  private layout: PhaseLayout | null = null;
  private version = 0;
  private sumOfSquares = 0;
  /** Every parameter trained so far (all phases): synced into this thread's model before a checkpoint. */
  private readonly trained = new Map<string, { variable: tf.Variable; view: Float32Array; shape: number[] }>();
  /** AdamW's step count (torch's state['step']), as HostAdamW.step. */
  step = 0;
  /** Where the last step's time went, in ms (the benchmark prints it). */
  readonly timings = { inputs: 0, forward: 0, loss: 0, backward: 0, reduce: 0, update: 0 };
  /** The last step's CPU ms per worker for its forward + backward (null where unknown): the work without the waits. */
  workerCpuMs: (number | null)[] = [];
  /** …and by part (refresh, batch, forward, wait, backward, accumulate, …) per worker. */
  workerCpuParts: (Record<string, number> | null)[] = [];

  private constructor(
    readonly pool: TensorPool,
    readonly task: ContrastiveTask<P> & ParallelTask<P>,
    readonly replica: ReplicaSpec,
  ) {
    pool.onBroken(() => this.abandonStep());
  }

  /** Loads the task's replica into every worker (its models copied once into shared memory). */
  static async start<P>(pool: TensorPool, task: ContrastiveTask<P> & ParallelTask<P>): Promise<DataParallel<P>> {
    const replica = await task.replica();
    await Promise.all(pool.threads.map((_, w) => pool.call(w, loadSpec, { replica })));
    return new DataParallel(pool, task, replica);
  }

  get workers(): number {
    return this.pool.size;
  }

  private where(key: string): { model: SharedModel; offset: number; shape: number[] } {
    const slash = key.indexOf('/');
    const model = this.replica.models.find((m) => m.name === key.slice(0, slash));
    const p = model?.params.find((x) => x.name === key.slice(slash + 1));
    if (!model || !p) throw new Error(`parameter ${key} is in no shared model of the ${this.replica.kind} replica`);
    return { model, offset: p.offset, shape: p.shape };
  }

  /**
   * Lays out the phase's optimised parameters (in the optimiser's order: the task's, then τ) and gives
   * every worker its views and its slice; AdamW starts fresh (moments zero, step 0), as per phase in
   * the single-thread trainer.
   */
  async setPhase(phase: PhaseConfig, optimized: readonly { key: string; variable: tf.Variable }[], temperature: LearnedTemperature | null, adamW: AdamWConfig): Promise<void> {
    const N = this.workers;
    const entries: Entry[] = [];
    let floats = 0;
    let temperatureEntry = -1;
    for (const { key, variable } of optimized) {
      const size = variable.size;
      if (temperature && variable === temperature.logScale) {
        temperatureEntry = entries.length;
        entries.push({ key, shape: variable.shape, w: { model: null, offset: 0 }, g: floats });
      } else {
        const at = this.where(key);
        if (sizeOf(at.shape) !== size) throw new Error(`parameter ${key}: ${size} values here, ${sizeOf(at.shape)} in the shared model`);
        entries.push({ key, shape: at.shape, w: { model: at.model.name, offset: at.offset }, g: floats });
        this.trained.set(key, { variable, view: paramView(at.model, { name: key, shape: at.shape, offset: at.offset }), shape: at.shape });
      }
      floats += size;
    }
    const E = entries.length;
    const buffers = {
      grads: new SharedArrayBuffer(N * floats * 4),
      moments: new SharedArrayBuffer(2 * floats * 4),
      flags: new SharedArrayBuffer(N * E * 4),
      seen: new SharedArrayBuffer(E),
      control: new SharedArrayBuffer(N * 4),
      extra: new SharedArrayBuffer(4),
    };
    const extra = new Float32Array(buffers.extra);
    if (temperature) extra[0] = (await temperature.logScale.data())[0]!;
    const partition = partitionEntries(entries.map((e) => sizeOf(e.shape)), N);
    await Promise.all(
      this.pool.threads.map((_, w) => this.pool.call(w, phaseSpec, { phase, version: this.version, entries, floats, partition: partition[w]!, index: w, workers: N, buffers })),
    );
    this.layout = {
      entries,
      variables: optimized.map((o) => o.variable),
      floats,
      grads: buffers.grads,
      moments: buffers.moments,
      flags: new Int32Array(buffers.flags),
      seen: new Uint8Array(buffers.seen),
      control: new Int32Array(buffers.control),
      extra,
      temperatureEntry,
      adamW,
    };
    this.step = 0;
  }

  private phase(): PhaseLayout {
    if (!this.layout) throw new Error('DataParallel: no phase set');
    return this.layout;
  }

  /** Releases every worker blocked at the barrier with "abandoned" (a worker failed, or the loss step threw). */
  private abandonStep(): void {
    const c = this.layout?.control;
    if (!c) return;
    for (let w = 0; w < c.length; w++) Atomics.store(c, w, BARRIER.abort);
    for (let w = 0; w < c.length; w++) Atomics.notify(c, w);
  }

  /** One batch's loss and its exact gradient, summed in shared memory (not yet applied). */
  async gradients(pairs: readonly P[], micro: number, scale: () => number | tf.Scalar, temperature: LearnedTemperature | null): Promise<{ loss: number; imageToText: number; textToImage: number }> {
    const L = this.phase();
    const N = this.workers;
    // At least one micro-batch per worker: the split never changes the result (gradient caching is exact).
    const chunks = chunk(pairs, Math.max(1, Math.min(micro, Math.ceil(pairs.length / N))));
    let mark = performance.now();
    const lap = (k: keyof DataParallel<P>['timings']) => {
      const now = performance.now();
      this.timings[k] = now - mark;
      mark = now;
    };
    const counts = shareOut(chunks.length, N);
    // Reduce clears the flags; an abandoned step may not have: no worker runs now, so start clean.
    L.flags.fill(0);
    const prepared: Awaited<ReturnType<typeof this.task.inputs>>[] = [];
    const rowStart: number[] = [];
    const events: Promise<{ mailbox: SharedArrayBuffer; rows: number; dz: number; dt: number }>[] = [];
    const calls: Promise<unknown>[] = [];
    const active: number[] = [];
    let scalars: number[];
    let gTau: number | null = null;
    try {
      // Each worker starts as soon as its own micro-batches' inputs are ready (images decode meanwhile).
      for (let w = 0, c = 0, row = 0; w < N; w++) {
        Atomics.store(L.control, w, BARRIER.wait);
        rowStart.push(row);
        if (counts[w] === 0) continue;
        const mine = chunks.slice(c, c + counts[w]!);
        for (const m of mine) prepared.push(await this.task.inputs(m, 'train'));
        let onEvent!: (e: { mailbox: SharedArrayBuffer; rows: number; dz: number; dt: number }) => void;
        const event = new Promise<Parameters<typeof onEvent>[0]>((resolve) => (onEvent = resolve));
        const call = this.pool.call(w, forwardSpec, { version: this.version, chunks: prepared.slice(c).map((p) => p.inputs) }, { onEvent: (e) => onEvent(e as Parameters<typeof onEvent>[0]) });
        calls.push(call);
        // A call that fails before its event fails the wait for the events too.
        const raced = Promise.race([event, call.then(() => Promise.reject(new Error(`tensor worker ${w} finished its forward without handing over its embeddings`)))]);
        raced.catch(() => undefined); // awaited below, or abandoned with the step
        events.push(raced);
        active.push(w);
        c += counts[w]!;
        row += mine.reduce((n, x) => n + x.length, 0);
      }
      lap('inputs');
      const got = await Promise.all(events);
      lap('forward');
      const [dz, dt] = [got[0]!.dz, got[0]!.dt];
      if (got.some((e) => e.dz !== dz || e.dt !== dt)) throw new Error('tensor workers disagree on the embedding widths');
      const B = pairs.length;
      const zAll = new Float32Array(B * dz);
      const tAll = new Float32Array(B * dt);
      got.forEach((e, i) => {
        const at = rowStart[active[i]!]!;
        const m = new Float32Array(e.mailbox, 0, e.rows * (dz + dt));
        zAll.set(m.subarray(0, e.rows * dz), at * dz);
        tAll.set(m.subarray(e.rows * dz), at * dt);
      });
      // (2) Over the whole batch, on this thread.
      const z = tf.tensor2d(zAll, [B, dz]);
      const t = tf.tensor2d(tAll, [B, dt]);
      const outer = lossAndEmbeddingGradients(z, t, scale, temperature);
      tf.dispose([z, t]);
      const [gZ, gT] = (await Promise.all([outer.gZ.data(), outer.gT.data()])) as Float32Array[];
      if (outer.gTau) gTau = (await outer.gTau.data())[0]!;
      scalars = await readScalars([outer.loss, outer.imageToText, outer.textToImage]);
      tf.dispose([outer.gZ, outer.gT, outer.loss, outer.imageToText, outer.textToImage, ...(outer.gTau ? [outer.gTau] : [])]);
      got.forEach((e, i) => {
        const w = active[i]!;
        const at = rowStart[w]!;
        const m = new Float32Array(e.mailbox, 0, e.rows * (dz + dt));
        m.set(gZ!.subarray(at * dz, (at + e.rows) * dz), 0);
        m.set(gT!.subarray(at * dt, (at + e.rows) * dt), e.rows * dz);
        Atomics.store(L.control, w, BARRIER.go);
        Atomics.notify(L.control, w);
      });
      lap('loss');
      const done = (await Promise.all(calls)) as { cpuMs: number | null; cpuParts: Record<string, number> | null }[];
      this.workerCpuMs = done.map((d) => d.cpuMs);
      this.workerCpuParts = done.map((d) => d.cpuParts);
      lap('backward');
    } catch (err) {
      this.abandonStep();
      await Promise.allSettled(calls);
      throw err;
    }
    for (const p of prepared) p.commit();
    if (L.temperatureEntry >= 0 && gTau !== null) {
      // τ's gradient is the loss step's own: it goes into region 0, which no worker writes for τ.
      const e = L.entries[L.temperatureEntry]!;
      new Float32Array(L.grads, e.g * 4, 1)[0] = gTau;
      Atomics.store(L.flags, L.temperatureEntry, 1);
    }
    const reduced = await Promise.all(this.pool.threads.map((_, w) => this.pool.call(w, reduceSpec, {})));
    this.sumOfSquares = reduced.reduce((s, r) => s + r.sumOfSquares, 0);
    lap('reduce');
    return { loss: scalars[0]!, imageToText: scalars[1]!, textToImage: scalars[2]! };
  }

  /** Clips to `maxNorm` (global norm, ≤ 0 disables) and takes the AdamW step; returns the norm before clipping. */
  async apply(lr: number, maxNorm: number, temperature: LearnedTemperature | null): Promise<number> {
    const L = this.phase();
    const started = performance.now();
    const norm = Math.sqrt(this.sumOfSquares);
    this.step += 1;
    const args = { step: this.step, lr, factor: clipFactor(norm, maxNorm), adamW: { ...L.adamW, lr } };
    await Promise.all(this.pool.threads.map((_, w) => this.pool.call(w, updateSpec, args)));
    this.version += 1;
    if (temperature && L.temperatureEntry >= 0) {
      const v = tf.scalar(L.extra[0]!);
      temperature.logScale.assign(v);
      v.dispose();
    }
    this.timings.update = performance.now() - started;
    return norm;
  }

  /** Raw embeddings of `pairs` in chunks of `chunkSize` (evaluation), spread over the workers; in order. */
  async embeddings(pairs: readonly P[], chunkSize: number): Promise<{ z: tf.Tensor2D; t: tf.Tensor2D }[]> {
    // Rows are independent here (no loss couples them): every worker gets a share even of one chunk.
    const chunks = chunk(pairs, Math.max(1, Math.min(chunkSize, Math.ceil(pairs.length / this.workers))));
    const out: { z: Float32Array; t: Float32Array; rows: number; dz: number; dt: number }[] = new Array(chunks.length);
    let next = 0;
    const drain = async (w: number) => {
      while (next < chunks.length) {
        const i = next++;
        const { inputs, commit } = await this.task.inputs(chunks[i]!, 'eval');
        out[i] = await this.pool.call(w, embedSpec, { version: this.version, inputs });
        commit();
      }
    };
    await Promise.all(this.pool.threads.map((_, w) => drain(w)));
    return out.map((r) => ({ z: tf.tensor2d(r.z, [r.rows, r.dz]), t: tf.tensor2d(r.t, [r.rows, r.dt]) }));
  }

  /** This thread's copy of every trained parameter from the shared weights (before saving a checkpoint). */
  syncModels(): void {
    for (const { variable, view, shape } of this.trained.values()) {
      const t = tf.tensor(tensorValues(view), shape, 'float32');
      variable.assign(t);
      t.dispose();
    }
  }

  /** The moments for a checkpoint (`exp_avg.<key>` / `exp_avg_sq.<key>`), as HostAdamW.stateArrays: views on the live shared moments, valid until the next step. */
  stateArrays(): Map<string, HostArray> {
    const L = this.phase();
    const out = new Map<string, HostArray>();
    L.entries.forEach((e, i) => {
      if (!L.seen[i]) return;
      const size = sizeOf(e.shape);
      out.set(`exp_avg.${e.key}`, { shape: e.shape, values: new Float32Array(L.moments, e.g * 4, size) });
      out.set(`exp_avg_sq.${e.key}`, { shape: e.shape, values: new Float32Array(L.moments, (L.floats + e.g) * 4, size) });
    });
    return out;
  }

  /** Restores what `stateArrays` (or HostAdamW / AdamW) saved; absent keys keep zero moments. */
  loadState(step: number, arrays: ReadonlyMap<string, HostArray>): void {
    const L = this.phase();
    this.step = step;
    L.entries.forEach((e, i) => {
      for (const [prefix, at] of [['exp_avg', e.g], ['exp_avg_sq', L.floats + e.g]] as const) {
        const a = arrays.get(`${prefix}.${e.key}`);
        if (!a) continue;
        if (a.shape.join(',') !== e.shape.join(',')) throw new Error(`optimizer state "${prefix}.${e.key}" is [${a.shape}] but the parameter is [${e.shape}]`);
        new Float32Array(L.moments, at * 4, sizeOf(e.shape)).set(a.values);
        L.seen[i] = 1;
      }
    });
  }

  /** Frees the workers' replicas (the pool itself belongs to whoever started it). */
  async dispose(): Promise<void> {
    this.abandonStep();
    this.layout = null;
    if (this.pool.broken) return;
    await Promise.allSettled(this.pool.threads.map((_, w) => this.pool.call(w, unloadSpec, {})));
  }
}
