// The optimisation pieces both embedding trainers share: AdamW (the paper's optimiser; tfjs has only
// Adam, whose L2 term is not decoupled weight decay), global-norm gradient clipping, the learning-rate
// schedule (linear warmup, then cosine), and a small seeded PRNG for data order.
import * as tf from '@tensorflow/tfjs';

export interface AdamWConfig {
  lr: number;
  beta1: number;
  beta2: number;
  /** Always explicit: some backends' default epsilon is too small for their float precision. */
  eps: number;
  weightDecay: number;
}

export const adamWDefaults = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 } as const;

/** Named gradients, as `tf.variableGrads` returns them. */
export type NamedGrads = Record<string, tf.Tensor>;

/**
 * AdamW as torch.optim.AdamW (Loshchilov & Hutter): p ← p·(1 − lr·wd), then the bias-corrected Adam
 * step. Decay applies to matrices only (rank ≥ 2); biases, LayerNorm gains and embeddings' 1-D
 * parameters are not decayed — the usual split (BERT, CLIP), stated because the paper is silent.
 */
export class AdamW {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** Number of updates applied (torch's `state['step']`). */
  step = 0;

  constructor(
    readonly variables: readonly tf.Variable[],
    readonly config: AdamWConfig,
  ) {
    const names = new Set<string>();
    for (const p of variables) {
      if (names.has(p.name)) throw new Error(`AdamW: variable "${p.name}" given twice`);
      names.add(p.name);
    }
  }

  /** Applies one update with learning rate `lr` (the schedule's value for this step). */
  apply(grads: NamedGrads, lr: number): void {
    this.step += 1;
    const { beta1, beta2, eps, weightDecay } = this.config;
    const bc1 = 1 - beta1 ** this.step;
    const bc2 = 1 - beta2 ** this.step;
    for (const p of this.variables) {
      const g = grads[p.name];
      if (!g) continue; // a frozen or unused parameter this step
      // One expression per tidy: at most a few temporaries of this parameter's size live at once (CLIP's
      // token table is 100 MB; a single tidy over the whole update held ~14 of them on the wasm heap).
      const m = this.moment(this.m, p);
      const v = this.moment(this.v, p);
      tf.tidy(() => m.assign(tf.tidy(() => tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)))));
      tf.tidy(() => v.assign(tf.tidy(() => tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)))));
      const update = tf.tidy(() => {
        const denom = tf.tidy(() => tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps));
        return tf.div(tf.tidy(() => tf.mul(m, lr / bc1)), denom);
      });
      tf.tidy(() => p.assign(tf.tidy(() => tf.sub(weightDecay > 0 && p.rank >= 2 ? tf.mul(p, 1 - lr * weightDecay) : p, update))));
      update.dispose();
    }
  }

  private moment(store: Map<string, tf.Variable>, p: tf.Variable): tf.Variable {
    let s = store.get(p.name);
    if (!s) {
      // The zeros must not outlive the variable's first assign (they would pin that data forever).
      const zeros = tf.zerosLike(p);
      s = tf.variable(zeros, false);
      zeros.dispose();
      store.set(p.name, s);
    }
    return s;
  }

  /** The optimiser state for a checkpoint: `exp_avg.<param>` / `exp_avg_sq.<param>` by parameter key. */
  stateTensors(keyOf: (p: tf.Variable) => string): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const p of this.variables) {
      const m = this.m.get(p.name);
      const v = this.v.get(p.name);
      if (m) out.set(`exp_avg.${keyOf(p)}`, m);
      if (v) out.set(`exp_avg_sq.${keyOf(p)}`, v);
    }
    return out;
  }

  /** Restores what `stateTensors` saved; names not present keep zero moments (fresh parameters). */
  loadState(step: number, tensors: ReadonlyMap<string, tf.Tensor>, keyOf: (p: tf.Variable) => string): void {
    this.step = step;
    for (const p of this.variables) {
      for (const [prefix, store] of [['exp_avg', this.m], ['exp_avg_sq', this.v]] as const) {
        const t = tensors.get(`${prefix}.${keyOf(p)}`);
        if (!t) continue;
        if (t.shape.join(',') !== p.shape.join(',')) {
          throw new Error(`optimizer state "${prefix}.${keyOf(p)}" is [${t.shape}] but the parameter is [${p.shape}]`);
        }
        tf.tidy(() => this.moment(store, p).assign(t));
      }
    }
  }

  dispose(): void {
    for (const s of [...this.m.values(), ...this.v.values()]) s.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/**
 * Scales gradients in place so their global L2 norm is at most `maxNorm` (torch's clip_grad_norm_).
 * Returns the norm before clipping — the `grad_norm` metric. `maxNorm` ≤ 0 disables clipping.
 * Reads synchronously: not on WebGPU in Node (use clipGradNormAsync there; the trainers do).
 */
export function clipGradNorm(grads: NamedGrads, maxNorm: number): number {
  const names = Object.keys(grads);
  if (names.length === 0) return 0;
  const norm = tf.tidy(() => globalNorm(grads, names).dataSync()[0] ?? 0);
  scaleGrads(grads, norm, maxNorm);
  return norm;
}

/**
 * clipGradNorm for every backend: the norm is read with `await data()` (WebGPU in Node has no
 * synchronous read), then the gradients are scaled in place the same way.
 */
export async function clipGradNormAsync(grads: NamedGrads, maxNorm: number): Promise<number> {
  const names = Object.keys(grads);
  if (names.length === 0) return 0;
  const normT = tf.tidy(() => globalNorm(grads, names));
  const norm = (await normT.data())[0] ?? 0;
  normT.dispose();
  scaleGrads(grads, norm, maxNorm);
  return norm;
}

/**
 * √Σ‖g‖² with binary adds: WebGPU's AddN binds every input as a storage buffer and fails past the
 * adapter's per-stage limit (SwiftShader: 8), which ~100 parameter tensors exceed.
 */
function globalNorm(grads: NamedGrads, names: readonly string[]): tf.Scalar {
  let total = tf.sum(tf.square(grads[names[0]!]!));
  for (const n of names.slice(1)) total = tf.add(total, tf.sum(tf.square(grads[n]!)));
  return tf.sqrt(total) as tf.Scalar;
}

function scaleGrads(grads: NamedGrads, norm: number, maxNorm: number): void {
  if (maxNorm > 0 && norm > maxNorm) {
    const factor = maxNorm / (norm + 1e-6);
    for (const n of Object.keys(grads)) {
      const old = grads[n]!;
      grads[n] = tf.mul(old, factor);
      old.dispose();
    }
  }
}

export interface LrSchedule {
  /** Peak learning rate. */
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  /** The floor at the end of the cosine, as a fraction of `lr`. */
  minLrRatio: number;
}

/** Linear warmup from lr/warmup to lr, then a half cosine down to lr·minLrRatio at `totalSteps`. */
export function learningRateAt(s: LrSchedule, step: number): number {
  if (s.warmupSteps > 0 && step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - s.warmupSteps) / span));
  const floor = s.lr * s.minLrRatio;
  return floor + (s.lr - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** mulberry32: small, fast, well mixed; its whole state is one 32-bit integer (easy to checkpoint). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The data order of one epoch: a Fisher–Yates shuffle seeded by (seed, epoch), so a resumed run sees the same order. */
export function epochOrder(n: number, seed: number, epoch: number): number[] {
  const rand = seededRandom((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
