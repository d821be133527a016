// Activation functions by their Hugging Face names (config `hidden_act`).
import * as tf from '@tensorflow/tfjs';

/** Exact GELU: x · Φ(x) = 0.5 x (1 + erf(x / √2)) (torch.nn.functional.gelu, HF "gelu"). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

/** OpenAI CLIP's approximation: x · σ(1.702 x) (HF "quick_gelu"). */
export function quickGelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(tf.mul(x, 1.702))));
}

/** tanh approximation (HF "gelu_new" / "gelu_pytorch_tanh"). */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
  });
}

export type ActivationName = 'gelu' | 'quick_gelu' | 'gelu_new' | 'gelu_pytorch_tanh' | 'relu' | 'silu';

export function activation(name: string): (x: tf.Tensor) => tf.Tensor {
  switch (name) {
    case 'gelu':
      return gelu;
    case 'quick_gelu':
      return quickGelu;
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return geluTanh;
    case 'relu':
      return (x) => tf.relu(x);
    case 'silu':
    case 'swish':
      return silu;
    default:
      throw new Error(`unknown activation "${name}" (hidden_act): known are gelu, quick_gelu, gelu_new, gelu_pytorch_tanh, relu, silu`);
  }
}

/** SiLU / swish: x · σ(x) (diffusers' act_fn "silu", torch.nn.SiLU). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}
