// One phase's gradients and optimiser behind one interface, three ways: AdamW state on the device
// (`optimizer_state: device`), on the host (`host`, host-optim.ts), or data-parallel over the tensor
// workers (parallel/data-parallel.ts: gradients summed in shared memory, the host AdamW's update run
// by the workers on their slices). The contrastive loop (contrastive.ts) only sees this.
import * as tf from '@tensorflow/tfjs';
import type { DataParallel } from '../parallel/data-parallel.js';
import type { PhaseConfig } from './config.js';
import type { ContrastiveTask } from './contrastive.js';
import { batchGradients } from './gradient-caching.js';
import { HostAdamW, HostGradients, type HostArray } from './host-optim.js';
import type { LearnedTemperature } from './losses.js';
import { AdamW, clipGradNormAsync, type AdamWConfig, type NamedGrads } from './optim.js';

export interface BatchOutcome {
  loss: number;
  imageToText: number;
  textToImage: number;
}

export interface PhaseOptimizer {
  /** AdamW's step count. */
  readonly step: number;
  /** One batch's loss and exact gradient (kept until `apply` or `discard`). */
  gradients(pairs: readonly unknown[], micro: number): Promise<BatchOutcome>;
  /** Global-norm clipping and one AdamW step; the norm before clipping. */
  apply(lr: number, maxGradNorm: number): Promise<number>;
  /** Drops the kept gradients (the loss was not finite). */
  discard(): void;
  /** This thread's model up to date for saving (the parallel optimiser's weights live in shared memory). */
  syncModels(): void;
  stateArrays(): Promise<Map<string, HostArray>>;
  loadState(step: number, arrays: ReadonlyMap<string, HostArray>): void;
  /** Validation embeddings in chunks, when not computed on this thread. */
  embeddings?(pairs: readonly unknown[], chunkSize: number): Promise<{ z: tf.Tensor2D; t: tf.Tensor2D }[]>;
  dispose(): void;
}

export interface PhaseOptimizerOptions<P> {
  task: ContrastiveTask<P>;
  phase: PhaseConfig;
  variables: tf.Variable[];
  temperature: LearnedTemperature | null;
  scale: () => number | tf.Scalar;
  keyOf(v: tf.Variable): string;
  adamW: AdamWConfig;
  state: 'device' | 'host';
  parallel: DataParallel<P> | null;
}

export async function phaseOptimizer<P>(o: PhaseOptimizerOptions<P>): Promise<PhaseOptimizer> {
  const optVars = o.temperature ? [...o.variables, o.temperature.logScale] : o.variables;
  if (o.parallel) {
    const dp = o.parallel;
    await dp.setPhase(o.phase, optVars.map((variable) => ({ key: o.keyOf(variable), variable })), o.temperature, o.adamW);
    return {
      get step() {
        return dp.step;
      },
      gradients: (pairs, micro) => dp.gradients(pairs as P[], micro, o.scale, o.temperature),
      apply: (lr, maxNorm) => dp.apply(lr, maxNorm, o.temperature),
      discard: () => undefined,
      syncModels: () => dp.syncModels(),
      stateArrays: async () => dp.stateArrays(),
      loadState: (step, arrays) => dp.loadState(step, arrays),
      embeddings: (pairs, chunkSize) => dp.embeddings(pairs as P[], chunkSize),
      dispose: () => undefined,
    };
  }
  if (o.state === 'host') {
    const opt = new HostAdamW(optVars, o.adamW);
    const sums = new HostGradients();
    return {
      get step() {
        return opt.step;
      },
      gradients: (pairs, micro) => batchGradients(o.task, pairs as P[], micro, o.variables, o.scale, o.temperature, sums),
      async apply(lr, maxNorm) {
        const norm = sums.clip(maxNorm);
        await opt.apply(sums.sums, lr);
        sums.clear();
        return norm;
      },
      discard: () => sums.clear(),
      syncModels: () => undefined,
      stateArrays: async () => opt.stateArrays(o.keyOf),
      loadState: (step, arrays) => opt.loadState(step, arrays, o.keyOf),
      dispose: () => opt.dispose(),
    };
  }
  const opt = new AdamW(optVars, o.adamW);
  let grads: NamedGrads = {};
  return {
    get step() {
      return opt.step;
    },
    async gradients(pairs, micro) {
      const out = await batchGradients(o.task, pairs as P[], micro, o.variables, o.scale, o.temperature);
      grads = out.grads;
      return out;
    },
    async apply(lr, maxNorm) {
      const norm = await clipGradNormAsync(grads, maxNorm);
      opt.apply(grads, lr);
      tf.dispose(Object.values(grads));
      grads = {};
      return norm;
    },
    discard() {
      tf.dispose(Object.values(grads));
      grads = {};
    },
    syncModels: () => undefined,
    async stateArrays() {
      const host = new Map<string, HostArray>();
      for (const [k, t] of opt.stateTensors(o.keyOf)) host.set(k, { shape: t.shape, values: (await t.data()) as Float32Array });
      return host;
    },
    loadState(step, arrays) {
      const tensors = new Map([...arrays].map(([k, a]) => [k, tf.tensor(a.values, a.shape, 'float32')]));
      try {
        opt.loadState(step, tensors, o.keyOf);
      } finally {
        tf.dispose([...tensors.values()]);
      }
    },
    dispose: () => opt.dispose(),
  };
}
