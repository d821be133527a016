// Optimiser state outside the backend's memory (issue 4: BLIP-base on the wasm backend). Weights
// (0.9 GB) + AdamW's two moments (1.8 GB) + the accumulated gradients + one micro-batch's gradients
// exceed the wasm heap's 4 GiB before any activation. Here the moments and the running gradient sum
// are plain Float32Arrays in the Node process (ArrayBuffers, not wasm memory): each micro-batch's
// gradient is read back and disposed at once, and the update runs in JS, one parameter at a time, so
// the device holds only the weights, one micro-batch's gradients and one parameter's new values.
import * as tf from '@tensorflow/tfjs';
import type { AdamWConfig, NamedGrads } from './optim.js';

/** A host-side array with its shape, as a checkpoint stores it. */
export interface HostArray {
  shape: number[];
  values: Float32Array;
}

/** The per-element constants of one AdamW step (torch's bias correction). */
export interface AdamWStep {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 − β1^t). */
  stepSize: number;
  /** √(1 − β2^t). */
  sqrtBc2: number;
  /** 1 − lr·wd for matrices (decoupled decay), 1 otherwise. */
  decay: number;
}

export function biasCorrection(config: AdamWConfig, step: number, lr: number): { stepSize: number; sqrtBc2: number } {
  return { stepSize: lr / (1 - config.beta1 ** step), sqrtBc2: Math.sqrt(1 - config.beta2 ** step) };
}

/** Decoupled weight decay on matrices only (rank ≥ 2), as optim.ts's AdamW. */
export function decayFactor(config: AdamWConfig, lr: number, rank: number): number {
  return config.weightDecay > 0 && rank >= 2 ? 1 - lr * config.weightDecay : 1;
}

/**
 * One AdamW update of one parameter: moments `m`, `v` in place, the new weights into `out` (which may
 * be `current` itself). The one loop both the single-process optimiser (HostAdamW) and the
 * data-parallel workers run (parallel/contrastive-worker.ts), so their numbers are the same to the bit.
 */
export function adamWUpdate(current: Float32Array, out: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c: AdamWStep): void {
  const { beta1, beta2, eps, stepSize, sqrtBc2, decay } = c;
  for (let i = 0; i < out.length; i++) {
    const gi = g[i]!;
    const mi = (m[i] = beta1 * m[i]! + (1 - beta1) * gi);
    const vi = (v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi);
    out[i] = current[i]! * decay - (mi * stepSize) / (Math.sqrt(vi) / sqrtBc2 + eps);
  }
}

/** Scales gradients in place by the clipping factor (rounded to float32, as HostGradients.clip stores them). */
export function scaleInPlace(s: Float32Array, factor: number): void {
  for (let i = 0; i < s.length; i++) s[i] = s[i]! * factor;
}

/** Σ s² in float64 (the global norm's part of one array). */
export function sumOfSquares(s: Float32Array): number {
  let total = 0;
  for (let i = 0; i < s.length; i++) total += s[i]! * s[i]!;
  return total;
}

/** Adds `values` into `sum` elementwise (float32 accumulation, as the micro-batch sum). */
export function addInto(sum: Float32Array, values: Float32Array): void {
  for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + values[i]!;
}

/** torch's clip_grad_norm_ factor: maxNorm / (norm + 1e-6) above the limit, else 1 (≤ 0 disables). */
export function clipFactor(norm: number, maxNorm: number): number {
  return maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
}

/** The running gradient sum over micro-batches, on the host. */
export class HostGradients {
  readonly sums = new Map<string, Float32Array>();

  /** Adds each gradient into its sum and disposes it (the device copy is gone when this returns). */
  async add(grads: NamedGrads): Promise<void> {
    for (const [name, g] of Object.entries(grads)) {
      try {
        const values = (await g.data()) as Float32Array;
        const sum = this.sums.get(name);
        if (!sum) {
          // data() may hand back the backend's own buffer (cpu): copy before the tensor is disposed.
          this.sums.set(name, Float32Array.from(values));
        } else {
          if (sum.length !== values.length) throw new Error(`gradient "${name}" has ${values.length} values, its sum ${sum.length}`);
          addInto(sum, values);
        }
      } finally {
        g.dispose();
      }
    }
  }

  /**
   * Global-norm clipping as torch's clip_grad_norm_ (and `clipGradNormAsync`): returns the norm before
   * clipping and scales the sums in place when it exceeds `maxNorm` (≤ 0 disables).
   */
  clip(maxNorm: number): number {
    let total = 0;
    for (const s of this.sums.values()) total += sumOfSquares(s);
    const norm = Math.sqrt(total);
    const factor = clipFactor(norm, maxNorm);
    if (factor !== 1) for (const s of this.sums.values()) scaleInPlace(s, factor);
    return norm;
  }

  clear(): void {
    this.sums.clear();
  }
}

/**
 * The same AdamW as `AdamW` in optim.ts (decoupled decay on matrices only, torch's bias correction),
 * with the moments on the host. Each parameter is read (`await data()`), updated in a Float32Array
 * loop and written back with one `assign`; the temporary tensor is disposed at once.
 */
export class HostAdamW {
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();
  step = 0;

  constructor(
    readonly variables: readonly tf.Variable[],
    readonly config: AdamWConfig,
  ) {
    const names = new Set<string>();
    for (const p of variables) {
      if (names.has(p.name)) throw new Error(`HostAdamW: variable "${p.name}" given twice`);
      names.add(p.name);
    }
  }

  /** One update with learning rate `lr` from host gradients by variable name. */
  async apply(grads: ReadonlyMap<string, Float32Array>, lr: number): Promise<void> {
    this.step += 1;
    const { beta1, beta2, eps } = this.config;
    const { stepSize, sqrtBc2 } = biasCorrection(this.config, this.step, lr);
    for (const p of this.variables) {
      const g = grads.get(p.name);
      if (!g) continue; // frozen or unused this step
      const current = (await p.data()) as Float32Array;
      if (current.length !== g.length) throw new Error(`gradient of "${p.name}" has ${g.length} values, the parameter ${current.length}`);
      const next = new Float32Array(current.length);
      adamWUpdate(current, next, g, this.moment(this.m, p), this.moment(this.v, p), { beta1, beta2, eps, stepSize, sqrtBc2, decay: decayFactor(this.config, lr, p.rank) });
      const t = tf.tensor(next, p.shape, 'float32');
      p.assign(t);
      t.dispose();
    }
  }

  private moment(store: Map<string, Float32Array>, p: tf.Variable): Float32Array {
    let s = store.get(p.name);
    if (!s) {
      s = new Float32Array(p.size);
      store.set(p.name, s);
    }
    return s;
  }

  /** The state for a checkpoint (`exp_avg.<key>` / `exp_avg_sq.<key>`), the same names as `AdamW`. */
  stateArrays(keyOf: (p: tf.Variable) => string): Map<string, HostArray> {
    const out = new Map<string, HostArray>();
    for (const p of this.variables) {
      const m = this.m.get(p.name);
      const v = this.v.get(p.name);
      if (m) out.set(`exp_avg.${keyOf(p)}`, { shape: p.shape, values: m });
      if (v) out.set(`exp_avg_sq.${keyOf(p)}`, { shape: p.shape, values: v });
    }
    return out;
  }

  /** Restores what `stateArrays` (or `AdamW.stateTensors`) saved; absent names keep zero moments. */
  loadState(step: number, arrays: ReadonlyMap<string, HostArray>, keyOf: (p: tf.Variable) => string): void {
    this.step = step;
    for (const p of this.variables) {
      for (const [prefix, store] of [['exp_avg', this.m], ['exp_avg_sq', this.v]] as const) {
        const a = arrays.get(`${prefix}.${keyOf(p)}`);
        if (!a) continue;
        if (a.shape.join(',') !== p.shape.join(',')) {
          throw new Error(`optimizer state "${prefix}.${keyOf(p)}" is [${a.shape}] but the parameter is [${p.shape}]`);
        }
        store.set(p.name, Float32Array.from(a.values));
      }
    }
  }

  dispose(): void {
    this.m.clear();
    this.v.clear();
  }
}
