// What every diffusers noise scheduler shares (scheduling_*.py, v0.25): the beta schedule and
// ᾱ_t = Π(1 − β) computed the way torch computes them in float32, the config fields they read, the
// timestep spacings, and the forward process q(x_t | x_0) = √ᾱ_t x_0 + √(1 − ᾱ_t) ε (Ho et al. 2020,
// Eq. 4) used by training. Scalars are rounded to float32 op by op (Math.fround), as torch's float32
// scalar tensors round them, so coefficients agree with the reference to the last bit or two.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';

export const f32 = Math.fround;

/** The config fields the Stable Diffusion schedulers share (class defaults differ per scheduler). */
export const commonSchedulerFields = {
  _class_name: z.string().optional(),
  num_train_timesteps: z.number().int().positive(),
  beta_start: z.number().positive(),
  beta_end: z.number().positive(),
  beta_schedule: z.enum(['linear', 'scaled_linear', 'squaredcos_cap_v2']),
  trained_betas: z.array(z.number()).nullable(),
  prediction_type: z.enum(['epsilon', 'v_prediction', 'sample']),
  timestep_spacing: z.enum(['linspace', 'leading', 'trailing']),
  steps_offset: z.number().int().nonnegative(),
};

export function parseSchedulerConfig<S extends z.ZodType>(schema: S, defaults: Record<string, unknown>, raw: Record<string, unknown>, source: string): z.output<S> {
  const parsed = schema.safeParse({ ...defaults, ...raw });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** torch.linspace(start, end, n, dtype=float32): float32 step, filled from both ends. */
function linspaceF32(start: number, end: number, n: number): Float32Array {
  const out = new Float32Array(n);
  const s = f32(start);
  const e = f32(end);
  const step = n > 1 ? f32(f32(e - s) / (n - 1)) : 0;
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? f32(s + f32(step * i)) : f32(e - f32(step * (n - i - 1)));
  return out;
}

/** diffusers' betas_for_alpha_bar with the cosine ᾱ (Nichol & Dhariwal 2021), in float64 then float32. */
function cosineBetas(n: number, maxBeta = 0.999): Float32Array {
  const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  return Float32Array.from({ length: n }, (_, i) => Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), maxBeta));
}

export interface BetaConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
  trained_betas: number[] | null;
}

export function makeBetas(c: BetaConfig): Float32Array {
  if (c.trained_betas) return Float32Array.from(c.trained_betas);
  const n = c.num_train_timesteps;
  if (c.beta_schedule === 'linear') return linspaceF32(c.beta_start, c.beta_end, n);
  if (c.beta_schedule === 'scaled_linear') return linspaceF32(Math.sqrt(c.beta_start), Math.sqrt(c.beta_end), n).map((b) => f32(b * b));
  return cosineBetas(n);
}

/** ᾱ_t = cumprod(1 − β): torch's float32 cumprod accumulates in double on the CPU and rounds each output. */
export function alphasCumprodOf(betas: Float32Array): Float32Array {
  const out = new Float32Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= f32(1 - betas[i]!);
    out[i] = acc;
  }
  return out;
}

/** numpy's round(): half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** np.linspace(start, stop, num) in float64 (stop exact). */
export function npLinspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : start + i * step));
}

/** np.arange(start, stop, step) for a negative float step. */
export function npArangeDown(start: number, stop: number, step: number): number[] {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  return Array.from({ length: n }, (_, i) => start + i * step);
}

/** np.interp(x, arange(len(fp)), fp) in float64. */
export function interpIndex(x: number, fp: ArrayLike<number>): number {
  const last = fp.length - 1;
  if (x <= 0) return fp[0]!;
  if (x >= last) return fp[last]!;
  const j = Math.floor(x);
  const slope = fp[j + 1]! - fp[j]!;
  return slope * (x - j) + fp[j]!;
}

/** √((1 − ᾱ)/ᾱ) per training timestep, in float32 as torch computes it (the sigma-space schedulers' σ). */
export function sigmasOf(alphasCumprod: Float32Array): Float32Array {
  return alphasCumprod.map((a) => f32(Math.sqrt(f32(f32(1 - a) / a))));
}

function perSample(values: number[], rank: number): tf.Tensor {
  return tf.reshape(tf.tensor1d(values), [values.length, ...Array.from({ length: rank - 1 }, () => 1)]);
}

function checkTimesteps(timesteps: readonly number[], alphasCumprod: Float32Array, batch: number): void {
  if (timesteps.length !== batch) throw new Error(`addNoise: ${timesteps.length} timesteps for a batch of ${batch}`);
  for (const t of timesteps) if (!Number.isInteger(t) || t < 0 || t >= alphasCumprod.length) throw new Error(`addNoise: timestep ${t} is not an integer in [0, ${alphasCumprod.length})`);
}

/** q(x_t | x_0): √ᾱ_t x_0 + √(1 − ᾱ_t) ε with one integer t per sample (DDPMScheduler.add_noise). */
export function addNoise(alphasCumprod: Float32Array, original: tf.Tensor, noise: tf.Tensor, timesteps: readonly number[]): tf.Tensor {
  checkTimesteps(timesteps, alphasCumprod, original.shape[0]!);
  return tf.tidy(() => {
    const a = timesteps.map((t) => f32(Math.sqrt(alphasCumprod[t]!)));
    const s = timesteps.map((t) => f32(Math.sqrt(f32(1 - alphasCumprod[t]!))));
    return tf.add(tf.mul(perSample(a, original.rank), original), tf.mul(perSample(s, original.rank), noise));
  });
}

/** The v-prediction target √ᾱ_t ε − √(1 − ᾱ_t) x_0 (Salimans & Ho 2022; get_velocity). */
export function velocity(alphasCumprod: Float32Array, sample: tf.Tensor, noise: tf.Tensor, timesteps: readonly number[]): tf.Tensor {
  checkTimesteps(timesteps, alphasCumprod, sample.shape[0]!);
  return tf.tidy(() => {
    const a = timesteps.map((t) => f32(Math.sqrt(alphasCumprod[t]!)));
    const s = timesteps.map((t) => f32(Math.sqrt(f32(1 - alphasCumprod[t]!))));
    return tf.sub(tf.mul(perSample(a, sample.rank), noise), tf.mul(perSample(s, sample.rank), sample));
  });
}

/**
 * x̂0 from a noisy sample and the model output, each sample with its own ᾱ_t (Eq. 4 inverted; what the
 * editor's region and global losses decode): epsilon (x_t − √(1−ᾱ)ε̂)/√ᾱ, v_prediction √ᾱ x_t − √(1−ᾱ) v̂.
 */
export function predictOriginal(alphasCumprod: Float32Array, prediction: 'epsilon' | 'v_prediction' | 'sample', sample: tf.Tensor, modelOutput: tf.Tensor, timesteps: readonly number[]): tf.Tensor {
  checkTimesteps(timesteps, alphasCumprod, sample.shape[0]!);
  return tf.tidy(() => {
    const a = perSample(timesteps.map((t) => f32(Math.sqrt(alphasCumprod[t]!))), sample.rank);
    const s = perSample(timesteps.map((t) => f32(Math.sqrt(f32(1 - alphasCumprod[t]!)))), sample.rank);
    if (prediction === 'epsilon') return tf.div(tf.sub(sample, tf.mul(s, modelOutput)), a);
    if (prediction === 'v_prediction') return tf.sub(tf.mul(a, sample), tf.mul(s, modelOutput));
    return tf.clone(modelOutput);
  });
}

/** What one scheduler step returns (diffusers' SchedulerOutput). */
export interface StepResult {
  prevSample: tf.Tensor;
  /** x̂0 (the preview); absent for DPM-Solver, whose pipeline computes it elsewhere */
  predOriginalSample?: tf.Tensor;
}

/** Noise for the stochastic steps: injected (a reference's), or drawn by the caller's seeded RNG. */
export interface StepNoise {
  noise?: tf.Tensor;
  random?: { normalTensor(shape: number[]): tf.Tensor };
}

export function drawNoise(opts: StepNoise, shape: number[], who: string): tf.Tensor {
  if (opts.noise) {
    if (opts.noise.shape.join() !== shape.join()) throw new Error(`${who}: noise [${opts.noise.shape.join(', ')}] does not match the sample [${shape.join(', ')}]`);
    return opts.noise;
  }
  if (opts.random) return opts.random.normalTensor(shape);
  throw new Error(`${who}: this step is stochastic; pass noise or a seeded random source`);
}

export interface NoiseScheduler {
  /** diffusers' class name, e.g. "DDIMScheduler" */
  readonly className: string;
  readonly config: Record<string, unknown> & { prediction_type: string; num_train_timesteps: number };
  readonly betas: Float32Array;
  readonly alphasCumprod: Float32Array;
  /** after setTimesteps: the timesteps to visit, high to low */
  readonly timesteps: number[];
  readonly initNoiseSigma: number;
  /** σ per step (set by setTimesteps) for the schedulers that work in σ-space (Euler, Euler A, DPM-Solver); null otherwise */
  readonly sigmas: Float32Array | null;
  setTimesteps(numInferenceSteps: number): void;
  scaleModelInput(sample: tf.Tensor, timestep: number): tf.Tensor;
  step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor, noise?: StepNoise): StepResult;
  addNoise(original: tf.Tensor, noise: tf.Tensor, timesteps: readonly number[]): tf.Tensor;
}

export function checkSteps(n: number, train: number, who: string): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${who}: num_inference_steps must be a positive integer, got ${n}`);
  if (n > train) throw new Error(`${who}: num_inference_steps ${n} exceeds num_train_timesteps ${train}`);
}

export function unsupportedFlag(source: string, field: string, value: unknown): never {
  throw new Error(`${source}: field "${field}" is ${JSON.stringify(value)}, which is not supported`);
}
