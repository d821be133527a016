// EulerDiscreteScheduler and EulerAncestralDiscreteScheduler (Karras et al. 2022, Algorithm 2 and the
// ancestral variant of k-diffusion; diffusers v0.25 scheduling_euler_discrete.py,
// scheduling_euler_ancestral_discrete.py). They work in σ-space: x = x0 + σ ε, the model sees
// x / √(σ² + 1) (scale_model_input), σ per step interpolated from √((1 − ᾱ)/ᾱ) at float timesteps.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  alphasCumprodOf, checkSteps, commonSchedulerFields, drawNoise, f32, interpIndex, makeBetas, npArangeDown, npLinspace, parseSchedulerConfig, roundHalfEven, sigmasOf, unsupportedFlag,
  type NoiseScheduler, type StepNoise, type StepResult,
} from './schedule.js';

export const EULER_DEFAULTS = {
  num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', trained_betas: null, prediction_type: 'epsilon',
  interpolation_type: 'linear', use_karras_sigmas: false, sigma_min: null, sigma_max: null, timestep_spacing: 'linspace',
  timestep_type: 'discrete', steps_offset: 0, rescale_betas_zero_snr: false,
};

export const EULER_ANCESTRAL_DEFAULTS = {
  num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', trained_betas: null, prediction_type: 'epsilon',
  timestep_spacing: 'linspace', steps_offset: 0, rescale_betas_zero_snr: false,
};

const eulerSchema = z.object({
  ...commonSchedulerFields, rescale_betas_zero_snr: z.boolean(), interpolation_type: z.literal('linear'), use_karras_sigmas: z.literal(false).or(z.null()),
  timestep_type: z.literal('discrete'),
});
const ancestralSchema = z.object({ ...commonSchedulerFields, rescale_betas_zero_snr: z.boolean() });
export type EulerConfig = z.output<typeof eulerSchema>;
export type EulerAncestralConfig = z.output<typeof ancestralSchema>;

/** The float timesteps both Euler schedulers visit (their set_timesteps; float32 like numpy's astype). */
function floatTimesteps(spacing: 'linspace' | 'leading' | 'trailing', n: number, train: number, offset: number): number[] {
  if (spacing === 'linspace') return npLinspace(0, train - 1, n).map(f32).reverse();
  if (spacing === 'leading') {
    const ratio = Math.floor(train / n);
    return Array.from({ length: n }, (_, i) => i * ratio + offset).reverse();
  }
  return npArangeDown(train, 0, -train / n).map((t) => roundHalfEven(t) - 1);
}

abstract class EulerBase implements NoiseScheduler {
  abstract readonly className: string;
  readonly betas: Float32Array;
  readonly alphasCumprod: Float32Array;
  timesteps: number[] = [];
  sigmas: Float32Array = new Float32Array(0);
  protected stepIndex: number | null = null;

  constructor(readonly config: EulerConfig | EulerAncestralConfig) {
    if (config.rescale_betas_zero_snr) unsupportedFlag('Euler scheduler', 'rescale_betas_zero_snr', true);
    if (config.prediction_type === 'sample') unsupportedFlag('Euler scheduler', 'prediction_type', 'sample');
    this.betas = makeBetas(config);
    this.alphasCumprod = alphasCumprodOf(this.betas);
  }

  /** σ_max for linspace/trailing spacing, √(σ_max² + 1) for leading (init_noise_sigma). */
  get initNoiseSigma(): number {
    const max = this.sigmas.reduce((a, b) => Math.max(a, b), 0);
    return this.config.timestep_spacing === 'leading' ? f32(Math.sqrt(f32(f32(max * max) + 1))) : max;
  }

  setTimesteps(n: number): void {
    checkSteps(n, this.config.num_train_timesteps, this.className);
    const c = this.config;
    this.timesteps = floatTimesteps(c.timestep_spacing, n, c.num_train_timesteps, c.steps_offset);
    const table = sigmasOf(this.alphasCumprod);
    this.sigmas = Float32Array.from([...this.timesteps.map((t) => interpIndex(t, table)), 0]);
    this.stepIndex = null;
  }

  /** _init_step_index: the timestep's position (the second one if it occurs twice). */
  protected indexOf(timestep: number): number {
    const hits = this.timesteps.flatMap((t, i) => (t === timestep ? [i] : []));
    if (!hits.length) throw new Error(`${this.className}: timestep ${timestep} is not one of the scheduler's timesteps`);
    return hits.length > 1 ? hits[1]! : hits[0]!;
  }

  protected current(timestep: number): number {
    if (!this.timesteps.length) throw new Error(`${this.className}: call setTimesteps before step`);
    if (this.stepIndex === null) this.stepIndex = this.indexOf(timestep);
    return this.stepIndex;
  }

  /** x / √(σ² + 1): the model sees unit-variance input. */
  scaleModelInput(sample: tf.Tensor, timestep: number): tf.Tensor {
    const sigma = this.sigmas[this.current(timestep)]!;
    return tf.tidy(() => tf.div(sample, f32(Math.sqrt(f32(f32(sigma * sigma) + 1)))));
  }

  protected predictX0(modelOutput: tf.Tensor, sample: tf.Tensor, sigma: number): tf.Tensor {
    if (this.config.prediction_type === 'epsilon') return tf.sub(sample, tf.mul(modelOutput, sigma));
    const s2 = f32(f32(sigma * sigma) + 1);
    return tf.add(tf.mul(modelOutput, f32(-sigma / f32(Math.sqrt(s2)))), tf.div(sample, s2));
  }

  abstract step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor, noise?: StepNoise): StepResult;

  /** x0 + σ_t ε at each sample's timestep (σ-space forward process). */
  addNoise(original: tf.Tensor, noise: tf.Tensor, timesteps: readonly number[]): tf.Tensor {
    return tf.tidy(() => {
      const s = timesteps.map((t) => this.sigmas[this.timesteps.indexOf(t)] ?? NaN);
      if (s.some(Number.isNaN)) throw new Error(`${this.className}: addNoise timesteps must be among the scheduler's timesteps`);
      return tf.add(original, tf.mul(noise, tf.reshape(tf.tensor1d(s), [s.length, ...Array.from({ length: original.rank - 1 }, () => 1)])));
    });
  }
}

export class EulerDiscreteScheduler extends EulerBase {
  readonly className = 'EulerDiscreteScheduler';

  static fromConfig(raw: Record<string, unknown>, source = 'scheduler_config.json'): EulerDiscreteScheduler {
    return new EulerDiscreteScheduler(parseSchedulerConfig(eulerSchema, EULER_DEFAULTS, raw, source));
  }

  /** Euler step from σ to the next σ (s_churn = 0: no noise is added). */
  step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor): StepResult {
    const i = this.current(timestep);
    const sigma = this.sigmas[i]!;
    const dt = f32(this.sigmas[i + 1]! - sigma);
    const result = tf.tidy(() => {
      const x0 = this.predictX0(modelOutput, sample, sigma);
      const derivative = tf.div(tf.sub(sample, x0), sigma);
      return { prevSample: tf.add(sample, tf.mul(derivative, dt)), predOriginalSample: x0 };
    });
    this.stepIndex = i + 1;
    return result;
  }
}

export class EulerAncestralDiscreteScheduler extends EulerBase {
  readonly className = 'EulerAncestralDiscreteScheduler';

  static fromConfig(raw: Record<string, unknown>, source = 'scheduler_config.json'): EulerAncestralDiscreteScheduler {
    return new EulerAncestralDiscreteScheduler(parseSchedulerConfig(ancestralSchema, EULER_ANCESTRAL_DEFAULTS, raw, source));
  }

  /** Euler step to σ_down, then fresh noise of σ_up (σ_up² + σ_down² = σ_next²). */
  step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor, noise: StepNoise = {}): StepResult {
    const i = this.current(timestep);
    const sigma = this.sigmas[i]!;
    const from2 = f32(sigma * sigma);
    const to = this.sigmas[i + 1]!;
    const to2 = f32(to * to);
    const sigmaUp = f32(Math.sqrt(f32(f32(to2 * f32(from2 - to2)) / from2)));
    const sigmaDown = f32(Math.sqrt(f32(to2 - f32(sigmaUp * sigmaUp))));
    const dt = f32(sigmaDown - sigma);
    const result = tf.tidy(() => {
      const x0 = this.predictX0(modelOutput, sample, sigma);
      const derivative = tf.div(tf.sub(sample, x0), sigma);
      const prevSample = tf.add(tf.add(sample, tf.mul(derivative, dt)), tf.mul(drawNoise(noise, sample.shape, this.className), sigmaUp));
      return { prevSample, predOriginalSample: x0 };
    });
    this.stepIndex = i + 1;
    return result;
  }
}
