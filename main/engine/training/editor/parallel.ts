// The editor trainer on tensor workers (issue 13; parallel/README.md): each step's batch is cut into
// micro-batches — at least one per worker — given out in order (worker w holds a contiguous run of the
// batch's samples); each worker back-propagates its micro-batches with `microBatchStep` (the
// single-thread code) and sums their gradients into its region of shared memory. This thread sums the
// regions in worker order into the host gradient sums the single-thread trainer would have, and the
// trainer goes on as without workers: clipping, HostAdamW, EMA, checkpoints, validation — one
// optimiser step. `publish` then writes the new weights into the shared buffer every worker reads
// before its next share. Exact: Eq. 10 is a mean of per-sample terms (each divided by the batch size),
// so the gradient of a batch is the sum of its samples' whatever the partition; only the order of the
// float32 sums differs.
import fs from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { resolveConfig, resolveConfigObject } from '../../models/registry.js';
import { unetParamShapes, type UNetConfig } from '../../models/unet/index.js';
import { planWorkers, type WorkerPlan, type WorkersSetting } from '../../parallel/count.js';
import { shareOut } from '../../parallel/data-parallel.js';
import type { TensorPool } from '../../parallel/pool.js';
import { addInto } from '../host-optim.js';
import { TAPE_BUDGET_BYTES } from '../memory.js';
import { loadImage } from '../types.js';
import type { EditorTrainingConfig } from './config.js';
import { loadMask, type EditorPair, type StepDraws } from './data.js';
import { emptyStepValues, type StepValues } from './micro-step.js';
import { editorGradsSpec, editorLoadSpec, editorUnloadSpec, type WorkerSample } from './parallel-protocol.js';

/** The UNet's parameter count from its config.json alone (0 if it cannot be read yet). */
export function editorUnetParams(c: EditorTrainingConfig, resumeFrom: string | null): number {
  try {
    const dir = resumeFrom ? path.join(resumeFrom, 'unet') : (c.unet ?? (c.pipeline ? path.join(c.pipeline, 'unet') : null));
    const r = dir && fs.existsSync(path.join(dir, 'config.json')) ? resolveConfig(dir) : c.tiny_pipeline ? resolveConfigObject({ _class_name: 'UNet2DConditionModel', ...c.tiny_pipeline.unet }, 'tiny UNet config') : null;
    if (!r) return 0;
    return [...unetParamShapes(r.config as UNetConfig).values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
  } catch {
    return 0;
  }
}

/** Bytes of a folder's weights as fp32 (0 when absent). */
function weightBytes(dir: string): number {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => /\.(safetensors|bin)$/.test(f))
      .reduce((n, f) => n + (/fp16|bf16/.test(f) ? 2 : 1) * fs.statSync(path.join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

/**
 * How many tensor workers an editor run gets: the config's `workers`, else $RIC_ENGINE_WORKERS, else
 * Settings (`fallback`), else the cores as memory allows — each worker holds the UNet, its gradients
 * and its region (3 × 4 bytes a parameter) and a tape; never more than the batch has samples.
 */
export function planEditorWorkers(c: EditorTrainingConfig, backend: string, resumeFrom: string | null, env: NodeJS.ProcessEnv = process.env, fallback?: WorkersSetting): WorkerPlan {
  const params = editorUnetParams(c, resumeFrom);
  // Every worker also loads the frozen parts (VAE, text encoder, the towers): their weight files' bytes
  // (fp16 files are widened to fp32 on load, so those count double).
  const frozen = [c.pipeline ? path.join(c.pipeline, 'vae') : null, c.pipeline ? path.join(c.pipeline, 'text_encoder') : null, c.regionclip ? path.join(c.regionclip, 'clip') : null, c.regionclip ? path.join(c.regionclip, 'fusion') : null, c.blip].reduce((n, d) => n + (d ? weightBytes(d) : 0), 0);
  const memory = params > 0 ? { perWorkerBytes: 12 * params + frozen + TAPE_BUDGET_BYTES, sharedBytes: 16 * params + frozen } : undefined;
  const plan = planWorkers(c.workers, backend, { env, memory, fallback });
  if (plan.workers > c.batch_size) return c.batch_size > 1 ? { ...plan, workers: c.batch_size, reason: `${plan.reason}, at most the batch size ${c.batch_size}` } : { workers: 1, reason: `${plan.reason}; batch size 1: in-process`, backend: null };
  return plan;
}

interface Layout {
  names: string[];
  offsets: number[];
  sizes: number[];
  variables: tf.Variable[];
  floats: number;
  weights: Float32Array;
  grads: SharedArrayBuffer;
  flags: Int32Array;
}

export class EditorDataParallel {
  private version = 0;
  /** Where the last step's time went, in ms (the benchmark prints it). */
  readonly timings = { inputs: 0, workers: 0, reduce: 0, publish: 0 };
  /** The last step's CPU ms per worker (null where unknown): its share's work without the waits. */
  workerCpuMs: (number | null)[] = [];

  private constructor(
    readonly pool: TensorPool,
    private readonly layout: Layout,
  ) {}

  get workers(): number {
    return this.pool.size;
  }

  /**
   * Shares the UNet's weights and loads the editor into every worker (the same folders, then the
   * shared weights). `params`: the UNet's parameters by checkpoint name, in the trainer's order.
   */
  static async start(pool: TensorPool, o: { config: EditorTrainingConfig; pipelineDir: string; resumeUnet: string | null; checkpointing: boolean; params: ReadonlyMap<string, tf.Variable> }): Promise<EditorDataParallel> {
    const names = [...o.params.keys()];
    const variables = [...o.params.values()];
    const sizes = variables.map((v) => v.size);
    const offsets: number[] = [];
    let floats = 0;
    for (const s of sizes) {
      offsets.push(floats);
      floats += s;
    }
    const N = pool.size;
    const weightsBuffer = new SharedArrayBuffer(floats * 4);
    const grads = new SharedArrayBuffer(N * floats * 4);
    const flagsBuffer = new SharedArrayBuffer(N * names.length * 4);
    const layout: Layout = { names, offsets, sizes, variables, floats, weights: new Float32Array(weightsBuffer), grads, flags: new Int32Array(flagsBuffer) };
    const dp = new EditorDataParallel(pool, layout);
    await dp.copyWeights();
    const unet = { params: names.map((name, i) => ({ name, shape: variables[i]!.shape, offset: offsets[i]! })), floats, weights: weightsBuffer, grads, flags: flagsBuffer };
    const loads = await Promise.allSettled(pool.threads.map((_, w) => pool.call(w, editorLoadSpec, { config: o.config, pipelineDir: o.pipelineDir, resumeUnet: o.resumeUnet, checkpointing: o.checkpointing, unet, index: w, workers: N })));
    const failed = loads.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed) {
      // A given pool outlives this run: the workers that did load free their editors.
      await dp.dispose();
      throw failed.reason;
    }
    return dp;
  }

  private async copyWeights(): Promise<void> {
    const L = this.layout;
    for (let i = 0; i < L.variables.length; i++) L.weights.set((await L.variables[i]!.data()) as Float32Array, L.offsets[i]!);
  }

  /**
   * One batch's loss terms and its exact gradient, summed by variable name as HostGradients.sums
   * (not yet applied). `micro`: the config's micro-batch (null: the batch), at least one per worker.
   */
  async gradients(train: readonly EditorPair[], draws: StepDraws, c: EditorTrainingConfig, latentShape: readonly [number, number, number]): Promise<{ values: StepValues; sums: Map<string, Float32Array> }> {
    const L = this.layout;
    const N = this.workers;
    const B = draws.samples.length;
    const per = latentShape[0] * latentShape[1] * latentShape[2];
    let mark = performance.now();
    const lap = (k: keyof EditorDataParallel['timings']) => {
      const now = performance.now();
      this.timings[k] = now - mark;
      mark = now;
    };
    const micro = Math.max(1, Math.min(c.micro_batch_size ?? B, Math.ceil(B / N)));
    const counts = shareOut(Math.ceil(B / micro), N);
    L.flags.fill(0);
    const calls: Promise<StepValues & { cpuMs: number | null }>[] = [];
    for (let w = 0, s0 = 0; w < N; w++) {
      const s1 = Math.min(B, s0 + counts[w]! * micro);
      if (s1 <= s0) continue;
      const samples: WorkerSample[] = [];
      for (let s = s0; s < s1; s++) {
        const d = draws.samples[s]!;
        const p = train[d.pair]!;
        const [source, target, mask] = await Promise.all([loadImage(p.source), loadImage(p.target), loadMask(p.mask, p.id)]);
        samples.push({ id: p.id, source, target, mask, instruction: p.instruction, regionText: p.regionText, sceneText: p.sceneText, draw: { cropY: d.cropY, cropX: d.cropX, flip: d.flip, timestep: d.timestep, dropText: d.dropText, dropImage: d.dropImage } });
      }
      const args = { version: this.version, samples, noise: draws.noise.slice(s0 * per, s1 * per), posteriorNoise: draws.posteriorNoise.slice(s0 * per, s1 * per), micro, normalizer: c.batch_size };
      calls.push(this.pool.call(w, editorGradsSpec, args));
      s0 = s1;
    }
    lap('inputs');
    const results = await Promise.all(calls);
    this.workerCpuMs = results.map((r) => r.cpuMs);
    lap('workers');
    const values = emptyStepValues();
    for (const r of results) {
      values.total += r.total;
      values.denoise.push(...r.denoise);
      values.region.push(...r.region);
      values.global.push(...r.global);
      values.boxless += r.boxless;
    }
    // Region sums in worker order (the batch's order of micro-batches), keyed as HostGradients keys them.
    const P = L.names.length;
    const sums = new Map<string, Float32Array>();
    for (let i = 0; i < P; i++) {
      let sum: Float32Array | null = null;
      for (let w = 0; w < N; w++) {
        if (Atomics.load(L.flags, w * P + i) !== 1) continue;
        const region = new Float32Array(L.grads, (w * L.floats + L.offsets[i]!) * 4, L.sizes[i]!);
        if (!sum) sum = Float32Array.from(region);
        else addInto(sum, region);
      }
      if (sum) sums.set(L.variables[i]!.name, sum);
    }
    L.flags.fill(0);
    lap('reduce');
    return { values, sums };
  }

  /** After the optimiser step: the new weights into the shared buffer (the workers refresh on their next call). */
  async publish(): Promise<void> {
    const started = performance.now();
    await this.copyWeights();
    this.version += 1;
    this.timings.publish = performance.now() - started;
  }

  /** Frees the workers' editors (the pool belongs to whoever started it). */
  async dispose(): Promise<void> {
    if (this.pool.broken) return;
    await Promise.allSettled(this.pool.threads.map((_, w) => this.pool.call(w, editorUnloadSpec, {})));
  }
}
