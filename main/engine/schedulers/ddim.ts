// DDIMScheduler (Song et al. 2021; diffusers v0.25 scheduling_ddim.py): deterministic at η = 0 (the
// fixture's and the pipelines' default), stochastic with injected noise for η > 0.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  addNoise, alphasCumprodOf, checkSteps, commonSchedulerFields, drawNoise, f32, makeBetas, npArangeDown, npLinspace, parseSchedulerConfig, roundHalfEven, unsupportedFlag,
  type NoiseScheduler, type StepNoise, type StepResult,
} from './schedule.js';

export const DDIM_DEFAULTS = {
  num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', trained_betas: null, clip_sample: true,
  set_alpha_to_one: true, steps_offset: 0, prediction_type: 'epsilon', thresholding: false, dynamic_thresholding_ratio: 0.995,
  clip_sample_range: 1.0, sample_max_value: 1.0, timestep_spacing: 'leading', rescale_betas_zero_snr: false,
};

const schema = z.object({ ...commonSchedulerFields, clip_sample: z.boolean(), clip_sample_range: z.number().positive(), set_alpha_to_one: z.boolean(), thresholding: z.boolean(), rescale_betas_zero_snr: z.boolean() });
export type DdimConfig = z.output<typeof schema>;

/** The integer timesteps DDPM and DDIM visit for a spacing (their set_timesteps). */
export function discreteTimesteps(spacing: 'linspace' | 'leading' | 'trailing', n: number, train: number, offset: number): number[] {
  if (spacing === 'linspace') return npLinspace(0, train - 1, n).map(roundHalfEven).reverse();
  if (spacing === 'leading') {
    const ratio = Math.floor(train / n);
    return Array.from({ length: n }, (_, i) => i * ratio + offset).reverse();
  }
  return npArangeDown(train, 0, -train / n).map((t) => roundHalfEven(t) - 1);
}

export class DDIMScheduler implements NoiseScheduler {
  readonly className = 'DDIMScheduler';
  readonly betas: Float32Array;
  readonly alphasCumprod: Float32Array;
  readonly initNoiseSigma = 1;
  readonly sigmas = null;
  timesteps: number[] = [];
  private numInferenceSteps = 0;
  private readonly finalAlphaCumprod: number;

  constructor(readonly config: DdimConfig) {
    if (config.thresholding) unsupportedFlag('DDIMScheduler', 'thresholding', true);
    if (config.rescale_betas_zero_snr) unsupportedFlag('DDIMScheduler', 'rescale_betas_zero_snr', true);
    this.betas = makeBetas(config);
    this.alphasCumprod = alphasCumprodOf(this.betas);
    this.finalAlphaCumprod = config.set_alpha_to_one ? 1 : this.alphasCumprod[0]!;
  }

  static fromConfig(raw: Record<string, unknown>, source = 'scheduler_config.json'): DDIMScheduler {
    return new DDIMScheduler(parseSchedulerConfig(schema, DDIM_DEFAULTS, raw, source));
  }

  setTimesteps(n: number): void {
    checkSteps(n, this.config.num_train_timesteps, this.className);
    this.numInferenceSteps = n;
    this.timesteps = discreteTimesteps(this.config.timestep_spacing, n, this.config.num_train_timesteps, this.config.steps_offset);
  }

  scaleModelInput(sample: tf.Tensor): tf.Tensor {
    return tf.clone(sample);
  }

  /** Eq. 12 of Song et al.: x_{t−1} = √ᾱ_prev x̂0 + √(1 − ᾱ_prev − σ²) ε̂ (+ σ z), σ = η √variance. */
  step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor, noise: StepNoise & { eta?: number } = {}): StepResult {
    if (!this.numInferenceSteps) throw new Error(`${this.className}: call setTimesteps before step`);
    const c = this.config;
    const prev = timestep - Math.floor(c.num_train_timesteps / this.numInferenceSteps);
    const aT = this.alphasCumprod[timestep]!;
    const aPrev = prev >= 0 ? this.alphasCumprod[prev]! : this.finalAlphaCumprod;
    const bT = f32(1 - aT);
    const sqrtA = f32(Math.sqrt(aT));
    const sqrtB = f32(Math.sqrt(bT));
    const variance = f32(f32(f32(1 - aPrev) / bT) * f32(1 - f32(aT / aPrev)));
    const eta = noise.eta ?? 0;
    const stdDev = f32(eta * f32(Math.sqrt(variance)));
    return tf.tidy(() => {
      let x0: tf.Tensor;
      let eps: tf.Tensor;
      if (c.prediction_type === 'epsilon') {
        x0 = tf.div(tf.sub(sample, tf.mul(modelOutput, sqrtB)), sqrtA);
        eps = modelOutput;
      } else if (c.prediction_type === 'sample') {
        x0 = modelOutput;
        eps = tf.div(tf.sub(sample, tf.mul(x0, sqrtA)), sqrtB);
      } else {
        x0 = tf.sub(tf.mul(sample, sqrtA), tf.mul(modelOutput, sqrtB));
        eps = tf.add(tf.mul(modelOutput, sqrtA), tf.mul(sample, sqrtB));
      }
      if (c.clip_sample) x0 = tf.clipByValue(x0, -c.clip_sample_range, c.clip_sample_range);
      const direction = tf.mul(eps, f32(Math.sqrt(f32(f32(1 - aPrev) - f32(stdDev * stdDev)))));
      let prevSample = tf.add(tf.mul(x0, f32(Math.sqrt(aPrev))), direction);
      if (eta > 0) prevSample = tf.add(prevSample, tf.mul(drawNoise(noise, sample.shape, this.className), stdDev));
      return { prevSample, predOriginalSample: x0 === modelOutput ? tf.clone(x0) : x0 };
    });
  }

  addNoise(original: tf.Tensor, noise: tf.Tensor, timesteps: readonly number[]): tf.Tensor {
    return addNoise(this.alphasCumprod, original, noise, timesteps);
  }
}
