// Layer normalisation over the last axis, as torch.nn.LayerNorm (biased variance).
import * as tf from '@tensorflow/tfjs';

export interface LayerNormParams {
  weight: tf.Tensor;
  bias: tf.Tensor;
}

export function layerNorm(x: tf.Tensor, p: LayerNormParams, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const mean = tf.mean(x, axis, true);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), axis, true);
    const normed = tf.mul(centered, tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normed, p.weight), p.bias);
  });
}
