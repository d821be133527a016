// DDPMScheduler (Ho et al. 2020; diffusers v0.25 scheduling_ddpm.py): ancestral sampling with the
// posterior variance, and add_noise, the forward process the editor trains with (Eq. 5).
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { discreteTimesteps } from './ddim.js';
import {
  addNoise, alphasCumprodOf, checkSteps, commonSchedulerFields, drawNoise, f32, makeBetas, parseSchedulerConfig, unsupportedFlag,
  type NoiseScheduler, type StepNoise, type StepResult,
} from './schedule.js';

export const DDPM_DEFAULTS = {
  num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', trained_betas: null, variance_type: 'fixed_small',
  clip_sample: true, prediction_type: 'epsilon', thresholding: false, dynamic_thresholding_ratio: 0.995, clip_sample_range: 1.0,
  sample_max_value: 1.0, timestep_spacing: 'leading', steps_offset: 0, rescale_betas_zero_snr: false,
};

const schema = z.object({
  ...commonSchedulerFields, clip_sample: z.boolean(), clip_sample_range: z.number().positive(), thresholding: z.boolean(), rescale_betas_zero_snr: z.boolean(),
  variance_type: z.enum(['fixed_small', 'fixed_small_log', 'fixed_large']),
});
export type DdpmConfig = z.output<typeof schema>;

export class DDPMScheduler implements NoiseScheduler {
  readonly className = 'DDPMScheduler';
  readonly betas: Float32Array;
  readonly alphasCumprod: Float32Array;
  readonly initNoiseSigma = 1;
  readonly sigmas = null;
  timesteps: number[];
  private numInferenceSteps = 0;

  constructor(readonly config: DdpmConfig) {
    if (config.thresholding) unsupportedFlag('DDPMScheduler', 'thresholding', true);
    if (config.rescale_betas_zero_snr) unsupportedFlag('DDPMScheduler', 'rescale_betas_zero_snr', true);
    this.betas = makeBetas(config);
    this.alphasCumprod = alphasCumprodOf(this.betas);
    this.timesteps = Array.from({ length: config.num_train_timesteps }, (_, i) => config.num_train_timesteps - 1 - i);
  }

  static fromConfig(raw: Record<string, unknown>, source = 'scheduler_config.json'): DDPMScheduler {
    return new DDPMScheduler(parseSchedulerConfig(schema, DDPM_DEFAULTS, raw, source));
  }

  setTimesteps(n: number): void {
    checkSteps(n, this.config.num_train_timesteps, this.className);
    this.numInferenceSteps = n;
    this.timesteps = discreteTimesteps(this.config.timestep_spacing, n, this.config.num_train_timesteps, this.config.steps_offset);
  }

  scaleModelInput(sample: tf.Tensor): tf.Tensor {
    return tf.clone(sample);
  }

  private previous(t: number): number {
    return t - Math.floor(this.config.num_train_timesteps / (this.numInferenceSteps || this.config.num_train_timesteps));
  }

  /** The posterior q(x_{t−1} | x_t, x̂0): mean (Eq. 7 of Ho et al.) plus √variance · z for t > 0. */
  step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor, noise: StepNoise = {}): StepResult {
    const c = this.config;
    const prev = this.previous(timestep);
    const aT = this.alphasCumprod[timestep]!;
    const aPrev = prev >= 0 ? this.alphasCumprod[prev]! : 1;
    const bT = f32(1 - aT);
    const bPrev = f32(1 - aPrev);
    const alphaT = f32(aT / aPrev);
    const betaT = f32(1 - alphaT);
    const x0Coeff = f32(f32(f32(Math.sqrt(aPrev)) * betaT) / bT);
    const xtCoeff = f32(f32(f32(Math.sqrt(alphaT)) * bPrev) / bT);
    let stddev = 0;
    if (timestep > 0) {
      const variance = Math.max(f32(f32(bPrev / bT) * betaT), 1e-20);
      stddev = {
        fixed_small: f32(Math.sqrt(variance)),
        fixed_small_log: f32(Math.exp(f32(0.5 * f32(Math.log(variance))))),
        fixed_large: f32(Math.sqrt(betaT)),
      }[c.variance_type];
    }
    return tf.tidy(() => {
      let x0: tf.Tensor;
      if (c.prediction_type === 'epsilon') x0 = tf.div(tf.sub(sample, tf.mul(modelOutput, f32(Math.sqrt(bT)))), f32(Math.sqrt(aT)));
      else if (c.prediction_type === 'sample') x0 = tf.clone(modelOutput);
      else x0 = tf.sub(tf.mul(sample, f32(Math.sqrt(aT))), tf.mul(modelOutput, f32(Math.sqrt(bT))));
      if (c.clip_sample) x0 = tf.clipByValue(x0, -c.clip_sample_range, c.clip_sample_range);
      let prevSample = tf.add(tf.mul(x0, x0Coeff), tf.mul(sample, xtCoeff));
      if (timestep > 0) prevSample = tf.add(prevSample, tf.mul(drawNoise(noise, sample.shape, this.className), stddev));
      return { prevSample, predOriginalSample: x0 };
    });
  }

  addNoise(original: tf.Tensor, noise: tf.Tensor, timesteps: readonly number[]): tf.Tensor {
    return addNoise(this.alphasCumprod, original, noise, timesteps);
  }
}
