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

export interface Conv2dOptions {
  stride?: number;
  /** Zero padding: one number for all sides (default k // 2), or [top, bottom, left, right]. */
  padding?: number | [number, number, number, number];
  /**
   * conv2dWeightT(weight), made once for frozen inference (the metric backbones): skips the two
   * per-call weight transposes. No gradient reaches `weight` through it.
   */
  weightT?: tf.Tensor;
}

/** A Conv2d weight [Cout, Cin, kh, kw] as the [kh·kw·Cin, Cout] matrix conv2d multiplies im2col columns by. */
export function conv2dWeightT(weight: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [cout, cin, kh, kw] = weight.shape as [number, number, number, number];
    return tf.transpose(tf.reshape(tf.transpose(weight, [0, 2, 3, 1]), [cout, kh * kw * cin]));
  });
}

/**
 * 2-D convolution over channels-last x [B, H, W, Cin] with a PyTorch Conv2d weight
 * [Cout, Cin, kh, kw] (+ bias) → [B, Ho, Wo, Cout], as im2col + one linear: the kh·kw shifted
 * (and, for stride > 1, subsampled by reshape) views are concatenated along channels, so the product
 * and its gradients run as plain 2-D matmuls (wasm has no Conv2DBackpropFilter kernel, and its
 * Conv2DBackpropInput is slow). Memory: kh·kw times the input, fine for the latent resolutions.
 */
export function conv2d(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined, opts: Conv2dOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const [b, h, w, cin] = x.shape as [number, number, number, number];
    const [cout, wcin, kh, kw] = weight.shape as [number, number, number, number];
    if (x.rank !== 4 || weight.rank !== 4 || wcin !== cin) {
      throw new Error(`conv2d: input [${x.shape.join(', ')}] (channels-last) does not match weight [${weight.shape.join(', ')}] ([Cout, Cin, kh, kw], Cin = ${wcin})`);
    }
    const s = opts.stride ?? 1;
    const p = opts.padding ?? Math.floor(kh / 2);
    const [pt, pb, pl, pr] = typeof p === 'number' ? [p, p, p, p] : p;
    const ho = Math.floor((h + pt + pb - kh) / s) + 1;
    const wo = Math.floor((w + pl + pr - kw) / s) + 1;
    if (ho < 1 || wo < 1) throw new Error(`conv2d: a ${h}×${w} input is smaller than the ${kh}×${kw} kernel`);
    // Extra zeros at the bottom/right so every tap can take a full s·Ho × s·Wo window.
    const extraH = Math.max(0, (kh - 1) + s * ho - (h + pt + pb));
    const extraW = Math.max(0, (kw - 1) + s * wo - (w + pl + pr));
    const xp = pt + pb + pl + pr + extraH + extraW > 0 ? tf.pad(x, [[0, 0], [pt, pb + extraH], [pl, pr + extraW], [0, 0]]) : x;
    const views: tf.Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        let v = tf.slice(xp, [0, i, j, 0], [b, s * ho, s * wo, cin]);
        if (s > 1) {
          // Every s-th row, then every s-th column, through rank-3 views (WebGPU's shaders have no
          // rank-6 pad, which a 6-D slice's gradient would need).
          const rows = tf.slice(tf.reshape(v, [b * ho, s, s * wo * cin]), [0, 0, 0], [b * ho, 1, s * wo * cin]);
          v = tf.reshape(tf.slice(tf.reshape(rows, [b * ho * wo, s, cin]), [0, 0, 0], [b * ho * wo, 1, cin]), [b, ho, wo, cin]);
        }
        views.push(v);
      }
    }
    const cols = views.length === 1 ? views[0]! : tf.concat(views, 3); // [B, Ho, Wo, kh·kw·Cin], tap-major
    if (opts.weightT) return linear(cols, { weight, weightT: opts.weightT, bias });
    const w2 = tf.reshape(tf.transpose(weight, [0, 2, 3, 1]), [cout, kh * kw * cin]);
    return linear(cols, { weight: w2, bias });
  });
}
