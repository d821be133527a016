// Group normalisation (Wu & He 2018) as torch.nn.GroupNorm computes it, over channels-last
// tensors: the channels split into `groups` contiguous groups, each normalised over its channels
// and every spatial position (biased variance), then a per-channel affine. The UNet's and VAE's
// ResnetBlock2D, Transformer2DModel and the VAE's mid-block attention all use it.
import * as tf from '@tensorflow/tfjs';
import type { LayerNormParams } from './norm.js';

/**
 * x [B, ..., C] (channels last: [B, H, W, C] or tokens [B, L, C]) → same shape.
 * `p.weight`/`p.bias` are [C] (torch GroupNorm's affine parameters); eps from the module
 * (diffusers: norm_eps for the UNet's resnets, a hard-coded 1e-6 in Transformer2DModel and the VAE).
 */
export function groupNorm(x: tf.Tensor, p: LayerNormParams, groups: number, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const c = x.shape[x.rank - 1]!;
    const b = x.shape[0]!;
    if (x.rank < 3) throw new Error(`groupNorm: wants [B, ..., C], got [${x.shape.join(', ')}]`);
    if (c % groups !== 0) throw new Error(`groupNorm: ${c} channels do not split into ${groups} groups`);
    const xg = tf.reshape(x, [b, -1, groups, c / groups]);
    const mean = tf.mean(xg, [1, 3], true);
    const centered = tf.sub(xg, mean);
    const variance = tf.mean(tf.square(centered), [1, 3], true);
    const normed = tf.reshape(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), x.shape);
    return tf.add(tf.mul(normed, p.weight), p.bias);
  });
}
