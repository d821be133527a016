// Convolutions the models need, written as reshapes + linear so they train on every backend:
// wasm has no Conv2DBackpropFilter kernel at all (ENVIRONMENT.md), and a convolution whose stride
// equals its kernel (ViT/CLIP patch embedding) is exactly a matmul over flattened patches.
import * as tf from '@tensorflow/tfjs';
import { linear } from './linear.js';

/**
 * Patch embedding: conv2d(kernel = stride = patch, no padding) of NCHW pixels [B, C, H, W] with a
 * PyTorch weight [D, C, p, p] (+ bias [D]) → tokens [B, (H/p)·(W/p), D] in row-major patch order,
 * i.e. conv(x).flatten(2).transpose(1, 2).
 */
export function patchEmbedding(pixels: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined, patch: number): tf.Tensor {
  return tf.tidy(() => {
    const [b, c, h, w] = pixels.shape as [number, number, number, number];
    const [d, wc, kh, kw] = weight.shape as [number, number, number, number];
    if (pixels.rank !== 4) throw new Error(`patchEmbedding: pixels must be NCHW [B, C, H, W], got [${pixels.shape.join(', ')}]`);
    if (wc !== c || kh !== patch || kw !== patch) {
      throw new Error(`patchEmbedding: weight [${weight.shape.join(', ')}] does not match ${c} channels and patch ${patch}`);
    }
    if (h % patch !== 0 || w % patch !== 0) throw new Error(`patchEmbedding: image ${h}×${w} is not a multiple of the patch size ${patch}`);
    const gh = h / patch;
    const gw = w / patch;
    // [B, C, gh, p, gw, p] → [B, gh, gw, C, p, p]: each row one patch flattened as the weight is (C, kh, kw).
    const patches = tf.reshape(tf.transpose(tf.reshape(pixels, [b, c, gh, patch, gw, patch]), [0, 2, 4, 1, 3, 5]), [b * gh * gw, c * patch * patch]);
    const tokens = linear(patches, { weight: tf.reshape(weight, [d, c * patch * patch]), bias });
    return tf.reshape(tokens, [b, gh * gw, d]);
  });
}

/**
 * Token-wise 1-D convolution over the sequence axis of x [B, L, Cin] with a PyTorch Conv1d weight
 * [Cout, Cin, k] (+ bias), stride 1, zero padding `padding` on both sides (default k // 2, which keeps
 * L for odd k) → [B, L', Cout]. Built as k shifted views concatenated along channels, then one linear.
 */
export function conv1d(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined, padding?: number): tf.Tensor {
  return tf.tidy(() => {
    const [b, l, cin] = x.shape as [number, number, number];
    const [cout, wcin, k] = weight.shape as [number, number, number];
    if (x.rank !== 3 || wcin !== cin) throw new Error(`conv1d: input [${x.shape.join(', ')}] does not match weight [${weight.shape.join(', ')}] (wants [B, L, ${wcin}])`);
    const pad = padding ?? Math.floor(k / 2);
    const xp = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [0, 0]]) : x;
    const outLen = l + 2 * pad - k + 1;
    if (outLen < 1) throw new Error(`conv1d: sequence of ${l} is shorter than the kernel ${k}`);
    const views = Array.from({ length: k }, (_, j) => tf.slice(xp, [0, j, 0], [b, outLen, cin]));
    const cols = k === 1 ? views[0]! : tf.concat(views, 2); // [B, L', k·Cin], tap-major
    const w2 = tf.reshape(tf.transpose(weight, [0, 2, 1]), [cout, k * cin]);
    return linear(cols, { weight: w2, bias });
  });
}
