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
          for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + values[i]!;
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
    for (const s of this.sums.values()) for (let i = 0; i < s.length; i++) total += s[i]! * s[i]!;
    const norm = Math.sqrt(total);
    if (maxNorm > 0 && norm > maxNorm) {
      const factor = maxNorm / (norm + 1e-6);
      for (const s of this.sums.values()) for (let i = 0; i < s.length; i++) s[i] = s[i]! * factor;
    }
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
    const { beta1, beta2, eps, weightDecay } = this.config;
    const bc1 = 1 - beta1 ** this.step;
    const sqrtBc2 = Math.sqrt(1 - beta2 ** this.step);
    const stepSize = lr / bc1;
    for (const p of this.variables) {
      const g = grads.get(p.name);
      if (!g) continue; // frozen or unused this step
      const current = (await p.data()) as Float32Array;
      if (current.length !== g.length) throw new Error(`gradient of "${p.name}" has ${g.length} values, the parameter ${current.length}`);
      const m = this.moment(this.m, p);
      const v = this.moment(this.v, p);
      const decay = weightDecay > 0 && p.rank >= 2 ? 1 - lr * weightDecay : 1;
      const next = new Float32Array(current.length);
      for (let i = 0; i < next.length; i++) {
        const gi = g[i]!;
        const mi = (m[i] = beta1 * m[i]! + (1 - beta1) * gi);
        const vi = (v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi);
        next[i] = current[i]! * decay - (mi * stepSize) / (Math.sqrt(vi) / sqrtBc2 + eps);
      }
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
