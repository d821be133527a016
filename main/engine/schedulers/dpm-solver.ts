// DPMSolverMultistepScheduler (Lu et al. 2022, DPM-Solver++; diffusers v0.25
// scheduling_dpmsolver_multistep.py), the deterministic algorithms (dpmsolver++, dpmsolver) at order 1
// or 2 with the midpoint or Heun update: 20–50 steps give what DDIM needs ~100 for. Each step keeps
// the last model outputs (converted to x̂0 for ++) for the second-order update; the final steps drop
// to lower order below 15 steps (lower_order_final).
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  addNoise, alphasCumprodOf, checkSteps, commonSchedulerFields, f32, interpIndex, makeBetas, npArangeDown, npLinspace, parseSchedulerConfig, roundHalfEven, sigmasOf, unsupportedFlag,
  type NoiseScheduler, type StepResult,
} from './schedule.js';

export const DPM_SOLVER_DEFAULTS = {
  num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', trained_betas: null, solver_order: 2,
  prediction_type: 'epsilon', thresholding: false, dynamic_thresholding_ratio: 0.995, sample_max_value: 1.0, algorithm_type: 'dpmsolver++',
  solver_type: 'midpoint', lower_order_final: true, euler_at_final: false, use_karras_sigmas: false, use_lu_lambdas: false,
  lambda_min_clipped: -Infinity, variance_type: null, timestep_spacing: 'linspace', steps_offset: 0,
};

const schema = z.object({
  ...commonSchedulerFields, solver_order: z.union([z.literal(1), z.literal(2)]), thresholding: z.literal(false), algorithm_type: z.enum(['dpmsolver++', 'dpmsolver', 'deis']),
  solver_type: z.enum(['midpoint', 'heun', 'logrho', 'bh1', 'bh2']), lower_order_final: z.boolean(), euler_at_final: z.boolean(), use_karras_sigmas: z.literal(false).or(z.null()),
  use_lu_lambdas: z.literal(false).or(z.null()), lambda_min_clipped: z.custom<number>((v) => typeof v === 'number' && !Number.isNaN(v), 'expected a number (or -Infinity)'), variance_type: z.null(),
});
export type DpmSolverConfig = z.output<typeof schema>;

/** α_t = 1/√(σ² + 1), σ_t = σ α_t, λ = log α_t − log σ_t (float32 as torch). */
function alphaSigma(sigma: number): { alpha: number; sigmaT: number; lambda: number } {
  const alpha = f32(1 / f32(Math.sqrt(f32(f32(sigma * sigma) + 1))));
  const sigmaT = f32(sigma * alpha);
  return { alpha, sigmaT, lambda: f32(f32(Math.log(alpha)) - f32(Math.log(sigmaT))) };
}

export class DPMSolverMultistepScheduler implements NoiseScheduler {
  readonly className = 'DPMSolverMultistepScheduler';
  readonly betas: Float32Array;
  readonly alphasCumprod: Float32Array;
  readonly initNoiseSigma = 1;
  readonly config: DpmSolverConfig;
  timesteps: number[] = [];
  sigmas: Float32Array = new Float32Array(0);
  private stepIndex: number | null = null;
  private modelOutputs: (tf.Tensor | null)[] = [];
  private lowerOrderNums = 0;

  constructor(config: DpmSolverConfig) {
    // diffusers maps the other multistep names onto these (register_to_config).
    this.config = { ...config, algorithm_type: config.algorithm_type === 'deis' ? 'dpmsolver++' : config.algorithm_type, solver_type: ['logrho', 'bh1', 'bh2'].includes(config.solver_type) ? 'midpoint' : config.solver_type };
    if (config.prediction_type === 'sample') unsupportedFlag('DPMSolverMultistepScheduler', 'prediction_type', 'sample');
    this.betas = makeBetas(config);
    this.alphasCumprod = alphasCumprodOf(this.betas);
  }

  static fromConfig(raw: Record<string, unknown>, source = 'scheduler_config.json'): DPMSolverMultistepScheduler {
    return new DPMSolverMultistepScheduler(parseSchedulerConfig(schema, DPM_SOLVER_DEFAULTS, raw, source));
  }

  setTimesteps(n: number): void {
    const c = this.config;
    checkSteps(n, c.num_train_timesteps, this.className);
    // The last timestep whose λ is above lambda_min_clipped (searchsorted on the flipped λ_t).
    const lambdas = Array.from(this.alphasCumprod, (a) => f32(f32(Math.log(f32(Math.sqrt(a)))) - f32(Math.log(f32(Math.sqrt(f32(1 - a)))))));
    const flipped = lambdas.reverse();
    let clipped = flipped.findIndex((l) => l >= c.lambda_min_clipped);
    if (clipped < 0) clipped = flipped.length;
    const last = c.num_train_timesteps - clipped;
    let ts: number[];
    if (c.timestep_spacing === 'linspace') ts = npLinspace(0, last - 1, n + 1).map(roundHalfEven).reverse().slice(0, -1);
    else if (c.timestep_spacing === 'leading') {
      const ratio = Math.floor(last / (n + 1));
      ts = Array.from({ length: n + 1 }, (_, i) => i * ratio).reverse().slice(0, -1).map((t) => t + c.steps_offset);
    } else ts = npArangeDown(last, 0, -c.num_train_timesteps / n).map((t) => roundHalfEven(t) - 1);
    const table = sigmasOf(this.alphasCumprod);
    const a0 = this.alphasCumprod[0]!;
    this.timesteps = ts;
    this.sigmas = Float32Array.from([...ts.map((t) => interpIndex(t, table)), f32(Math.sqrt(f32(f32(1 - a0) / a0)))]);
    tf.dispose(this.modelOutputs.filter((m): m is tf.Tensor => m !== null));
    this.modelOutputs = Array.from({ length: c.solver_order }, () => null);
    this.lowerOrderNums = 0;
    this.stepIndex = null;
  }

  scaleModelInput(sample: tf.Tensor): tf.Tensor {
    return tf.clone(sample);
  }

  /** x̂0 (dpmsolver++) or ε (dpmsolver) from the model output at the current σ. */
  private convert(modelOutput: tf.Tensor, sample: tf.Tensor, sigma: number): tf.Tensor {
    const { alpha, sigmaT } = alphaSigma(sigma);
    const eps = this.config.prediction_type === 'epsilon';
    if (this.config.algorithm_type === 'dpmsolver++') {
      return eps ? tf.div(tf.sub(sample, tf.mul(modelOutput, sigmaT)), alpha) : tf.sub(tf.mul(sample, alpha), tf.mul(modelOutput, sigmaT));
    }
    return eps ? tf.clone(modelOutput) : tf.add(tf.mul(modelOutput, alpha), tf.mul(sample, sigmaT));
  }

  step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor): StepResult {
    const c = this.config;
    if (!this.timesteps.length) throw new Error(`${this.className}: call setTimesteps before step`);
    if (this.stepIndex === null) {
      const hits = this.timesteps.flatMap((t, i) => (t === timestep ? [i] : []));
      if (!hits.length) throw new Error(`${this.className}: timestep ${timestep} is not one of the scheduler's timesteps`);
      this.stepIndex = hits.length > 1 ? hits[1]! : hits[0]!;
    }
    const i = this.stepIndex;
    const n = this.timesteps.length;
    const lowerFinal = i === n - 1 && (c.euler_at_final || (c.lower_order_final && n < 15));
    // Kept across steps (and out of any caller's tidy) until the list drops it.
    const converted = tf.keep(tf.tidy(() => this.convert(modelOutput, sample, this.sigmas[i]!)));
    const dropped = this.modelOutputs.shift();
    if (dropped) dropped.dispose();
    this.modelOutputs.push(converted);
    const t = alphaSigma(this.sigmas[i + 1]!);
    const s0 = alphaSigma(this.sigmas[i]!);
    const h = f32(t.lambda - s0.lambda);
    const expm = f32(f32(Math.exp(-h)) - 1); // exp(−h) − 1
    const expp = f32(f32(Math.exp(h)) - 1);
    const pp = c.algorithm_type === 'dpmsolver++';
    const prevSample = tf.tidy(() => {
      // x_t = (σ_t/σ_s) x − α_t (e^{−h} − 1) D0 (++), or (α_t/α_s) x − σ_t (e^{h} − 1) D0.
      const first = pp
        ? tf.sub(tf.mul(sample, f32(t.sigmaT / s0.sigmaT)), tf.mul(converted, f32(t.alpha * expm)))
        : tf.sub(tf.mul(sample, f32(t.alpha / s0.alpha)), tf.mul(converted, f32(t.sigmaT * expp)));
      if (c.solver_order === 1 || this.lowerOrderNums < 1 || lowerFinal) return first;
      const s1 = alphaSigma(this.sigmas[i - 1]!);
      const r0 = f32(f32(s0.lambda - s1.lambda) / h);
      const d1 = tf.mul(tf.sub(converted, this.modelOutputs[this.modelOutputs.length - 2]!), f32(1 / r0));
      if (pp) {
        const k = c.solver_type === 'midpoint' ? f32(-0.5 * f32(t.alpha * expm)) : f32(t.alpha * f32(f32(expm / h) + 1));
        return tf.add(first, tf.mul(d1, k));
      }
      const k = c.solver_type === 'midpoint' ? f32(-0.5 * f32(t.sigmaT * expp)) : f32(-t.sigmaT * f32(f32(expp / h) - 1));
      return tf.add(first, tf.mul(d1, k));
    });
    if (this.lowerOrderNums < c.solver_order) this.lowerOrderNums++;
    this.stepIndex = i + 1;
    return { prevSample };
  }

  addNoise(original: tf.Tensor, noise: tf.Tensor, timesteps: readonly number[]): tf.Tensor {
    return addNoise(this.alphasCumprod, original, noise, timesteps);
  }

  /** Frees the kept model outputs. */
  dispose(): void {
    tf.dispose(this.modelOutputs.filter((m): m is tf.Tensor => m !== null));
    this.modelOutputs = [];
  }
}
