// Sinusoidal timestep features (Ho et al. 2020; diffusers' get_timestep_embedding), computed on the
// host: timesteps are data, not parameters. Each step rounds to float32 as torch does it in float32
// (exponent, frequency, t·frequency), so a timestep near 1000 gives the same phase to the last bit
// rather than drifting by ~1e-4 through the product's rounding.
import * as tf from '@tensorflow/tfjs';

export interface TimestepEmbeddingOptions {
  /** cat[cos, sin] instead of cat[sin, cos] (config flip_sin_to_cos). */
  flipSinToCos: boolean;
  /** The exponent's denominator is half_dim − shift (config freq_shift). */
  freqShift: number;
  scale?: number;
  maxPeriod?: number;
}

const f32 = Math.fround;

/** [N] timesteps (possibly fractional) → [N, dim] float32. */
export function timestepEmbedding(timesteps: ArrayLike<number>, dim: number, opts: TimestepEmbeddingOptions): tf.Tensor2D {
  const half = Math.floor(dim / 2);
  const n = timesteps.length;
  const freqs = new Float32Array(half);
  const lnPeriod = f32(-Math.log(opts.maxPeriod ?? 10000));
  for (let k = 0; k < half; k++) freqs[k] = f32(Math.exp(f32(f32(lnPeriod * k) / (half - opts.freqShift))));
  const scale = opts.scale ?? 1;
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const t = f32(timesteps[i]!);
    for (let k = 0; k < half; k++) {
      const arg = f32(scale * f32(t * freqs[k]!));
      const [first, second] = opts.flipSinToCos ? [Math.cos(arg), Math.sin(arg)] : [Math.sin(arg), Math.cos(arg)];
      out[i * dim + k] = first;
      out[i * dim + half + k] = second;
    }
    // An odd dim gets a zero column at the end (zero pad), as in diffusers.
  }
  return tf.tensor2d(out, [n, dim]);
}
