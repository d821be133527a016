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

type Pads = [number, number, number, number];

/** torch Conv2d weight [Cout, Cin, kh, kw] → tfjs filter [kh, kw, Cin, Cout]. */
const toFilter = (w: tf.Tensor) => tf.transpose(w, [2, 3, 1, 0]);

/**
 * Every s-th row and column of dy's gradient position: [B, Ho, Wo, C] → [B, s·Ho, s·Wo, C] with dy at
 * (s·i, s·j) and zeros elsewhere (the input of a strided convolution's input gradient). Built from
 * rank-3/4 concats and reshapes (WebGPU has no rank-6 shaders).
 */
function dilate(dy: tf.Tensor, s: number): tf.Tensor {
  const [b, ho, wo, c] = dy.shape as [number, number, number, number];
  const cols = tf.reshape(dy, [b * ho * wo, 1, c]);
  const wide = tf.reshape(tf.concat([cols, tf.zeros([b * ho * wo, s - 1, c])], 1), [b * ho, 1, wo * s * c]);
  return tf.reshape(tf.concat([wide, tf.zeros([b * ho, s - 1, wo * s * c])], 1), [b, s * ho, s * wo, c]);
}

/**
 * Trims or zero-pads `t` along one spatial axis so that t'[q] = t[q − lead] for q in [0, length):
 * the explicit padding of a convolution, where a negative amount means cutting instead.
 */
function window1d(t: tf.Tensor, axis: 1 | 2, lead: number, length: number): { t: tf.Tensor; pad: [number, number] } {
  const n = t.shape[axis]!;
  let cut = 0;
  if (lead < 0) cut = -lead;
  const end = Math.min(n, length - lead); // first index of t not needed
  const begin = [0, 0, 0, 0];
  const size = [-1, -1, -1, -1];
  begin[axis] = cut;
  size[axis] = Math.max(0, end - cut);
  const trimmed = cut > 0 || end < n ? tf.slice(t, begin, size) : t;
  const before = Math.max(0, lead);
  return { t: trimmed, pad: [before, length - before - trimmed.shape[axis]!] };
}

/**
 * The input gradient's kernel w'[i, j, co, ci] = w[co, ci, kh−1−i, kw−1−j]. The spatial flip is a product
 * with the k²×k² anti-identity (wasm's Reverse kernel took 14% of a UNet training step, measured).
 */
function flippedFilter(w: tf.Tensor): tf.Tensor {
  const [cout, cin, kh, kw] = w.shape as [number, number, number, number];
  const k2 = kh * kw;
  const anti = tf.tensor2d(Array.from({ length: k2 * k2 }, (_, idx) => (Math.floor(idx / k2) + (idx % k2) === k2 - 1 ? 1 : 0)), [k2, k2]);
  const flipped = tf.matMul(tf.reshape(w, [cout * cin, k2]) as tf.Tensor2D, anti); // taps in reverse order
  return tf.reshape(tf.transpose(tf.reshape(flipped, [cout, cin, k2]), [2, 0, 1]), [kh, kw, cout, cin]);
}

/**
 * Forward: the backend's own convolution (XNNPACK on wasm, a matmul shader on WebGPU), which is
 * faster than any im2col we can build from tfjs ops (wasm's Slice runs in JavaScript: 13 ms per
 * million floats, measured). Backward, without Conv2DBackpropFilter/Input (wasm lacks the first and
 * runs the second slowly): dx is a forward convolution of the (dilated) dy with the flipped,
 * transposed kernel; dw is a forward convolution of the padded input seen as [Cin, H, W, B]
 * with dy seen as a [Ho, Wo, B, Cout] filter dilated by the stride (the batch is the contraction).
 */
function convCore(x: tf.Tensor, weight: tf.Tensor, s: number, pads: Pads): tf.Tensor {
  const [pt, pb, pl, pr] = pads;
  // A frozen kernel (the VAE decoder that issue 15 back-propagates through) needs no weight gradient.
  const weightGrad = !(weight instanceof tf.Variable) || weight.trainable;
  const f = tf.customGrad(((xIn: tf.Tensor, wIn: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xIn, wIn]);
    const filter = toFilter(wIn);
    const value = tf.conv2d(xIn as tf.Tensor4D, filter as tf.Tensor4D, s, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
    filter.dispose();
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        return tf.tidy(() => {
          const [, h, w] = xs.shape;
          const [, , kh, kw] = ws.shape;
          const [, ho, wo] = dy.shape as [number, number, number, number];
          // dx: x_p[m] feeds y[o] through tap m − s·o, so dx[r] = Σ_j dd[r + pt − (k−1) + j] · w[k−1−j].
          const dd = s > 1 ? dilate(dy, s) : dy;
          const rows = window1d(dd, 1, kh - 1 - pt, h + kh - 1);
          const cols = window1d(rows.t, 2, kw - 1 - pl, w + kw - 1);
          const flipped = flippedFilter(ws); // [kh, kw, Cout, Cin]
          const dx = tf.conv2d(cols.t as tf.Tensor4D, flipped as tf.Tensor4D, 1, [[0, 0], rows.pad, cols.pad, [0, 0]]);
          if (!weightGrad) return [dx, tf.zerosLike(ws)];
          // dw[co, ci, i, j] = Σ_{b,o} x_p[b, s·o + i, ci] dy[b, o, co]: a dilated valid convolution.
          const xp = tf.pad(xs, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
          const needH = s * (ho - 1) + kh;
          const needW = s * (wo - 1) + kw;
          const xw = xp.shape[1] === needH && xp.shape[2] === needW ? xp : tf.slice(xp, [0, 0, 0, 0], [-1, needH, needW, -1]);
          const xt = tf.transpose(xw, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, Hp, Wp, B]
          const dyFilter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, B, Cout]
          const dwHWIO = tf.conv2d(xt, dyFilter, 1, 'valid', 'NHWC', [s, s]); // [Cin, kh, kw, Cout]
          return [dx, tf.transpose(dwHWIO, [3, 0, 1, 2])];
        });
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return f(x, weight);
}

/**
 * 2-D convolution over channels-last x [B, H, W, Cin] with a PyTorch Conv2d weight
 * [Cout, Cin, kh, kw] (+ bias) → [B, Ho, Wo, Cout] (torch.nn.Conv2d's output size). Trains on every
 * backend (custom gradient above); a 1×1 stride-1 convolution without padding is a linear layer.
 */
export function conv2d(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined, opts: Conv2dOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const [, h, w, cin] = x.shape as [number, number, number, number];
    const [cout, wcin, kh, kw] = weight.shape as [number, number, number, number];
    if (x.rank !== 4 || weight.rank !== 4 || wcin !== cin) {
      throw new Error(`conv2d: input [${x.shape.join(', ')}] (channels-last) does not match weight [${weight.shape.join(', ')}] ([Cout, Cin, kh, kw], Cin = ${wcin})`);
    }
    const s = opts.stride ?? 1;
    const p = opts.padding ?? Math.floor(kh / 2);
    const pads: Pads = typeof p === 'number' ? [p, p, p, p] : p;
    const ho = Math.floor((h + pads[0] + pads[1] - kh) / s) + 1;
    const wo = Math.floor((w + pads[2] + pads[3] - kw) / s) + 1;
    if (ho < 1 || wo < 1) throw new Error(`conv2d: a ${h}×${w} input is smaller than the ${kh}×${kw} kernel`);
    if (opts.weightT) {
      // Frozen inference with the filter prepared once: conv2dWeightT's [kh·kw·Cin, Cout] rows are tap-major,
      // so its reshape is tfjs's [kh, kw, Cin, Cout] filter. No gradient reaches `weight` this way.
      if (kh === 1 && kw === 1 && s === 1 && pads.every((q) => q === 0)) return linear(x, { weight, weightT: opts.weightT, bias });
      const filter = tf.reshape(opts.weightT, [kh, kw, cin, cout]) as tf.Tensor4D;
      const y = tf.conv2d(x as tf.Tensor4D, filter, s, [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]]);
      return bias ? tf.add(y, bias) : y;
    }
    if (kh === 1 && kw === 1 && s === 1 && pads.every((q) => q === 0)) return linear(x, { weight: tf.reshape(weight, [cout, cin]), bias });
    const y = convCore(x, weight, s, pads);
    return bias ? tf.add(y, bias) : y;
  });
}
