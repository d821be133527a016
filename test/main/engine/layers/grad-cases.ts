// Each engine op (with its custom gradient) against a reference formulation built from tfjs's
// own ops, whose built-in gradients run on the cpu backend (which has every kernel). The engine
// op runs on the backend under test; values and all input gradients must agree.
import * as tf from '@tensorflow/tfjs';
import { activation, batchMatMul, causalMask, cropResizeBilinear, conv1d, conv2d, embedding, groupNorm, headwiseAttention, layerNorm, linear, multiHeadAttention, paddingMask, patchEmbedding, silu, upsampleNearest, upsampleNearest2x } from '../../../../main/engine/layers/index.js';

export interface InputSpec {
  shape: number[];
  /** int inputs: values in [0, max) */
  intMax?: number;
  /** fixed int values (e.g. ids with duplicates) */
  ints?: number[];
}

export interface GradCase {
  name: string;
  inputs: InputSpec[];
  /** the engine op (run on the backend under test) */
  op: (xs: tf.Tensor[]) => tf.Tensor;
  /** the reference (run on cpu with built-in gradients) */
  ref: (xs: tf.Tensor[]) => tf.Tensor;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

export function makeValues(spec: InputSpec, seed: number): number[] {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.ints) return spec.ints;
  const r = rng(seed);
  if (spec.intMax !== undefined) return Array.from({ length: n }, () => Math.floor((r() + 0.5) * spec.intMax!));
  return Array.from({ length: n }, () => 2 * r());
}

/**
 * torch's bilinear resize of the inclusive range start..end of one axis to `out` samples
 * (align_corners=False: src = (i + ½)·size/out − ½, clamped at 0, the upper index clamped at the
 * edge), as two gathers and a weighted sum: a formulation independent of cropResizeBilinear's
 * interpolation matrices, whose gradient (gather's) the cpu backend has built in.
 */
function refResizeAxis(x: tf.Tensor, axis: number, start: number, end: number, out: number): tf.Tensor {
  const size = end - start + 1;
  const lo: number[] = [];
  const hi: number[] = [];
  const lambda: number[] = [];
  for (let i = 0; i < out; i++) {
    const src = Math.max(0, ((i + 0.5) * size) / out - 0.5);
    const i0 = Math.min(Math.floor(src), size - 1);
    lo.push(start + i0);
    hi.push(start + Math.min(i0 + 1, size - 1));
    lambda.push(src - i0);
  }
  const shape = x.shape.map((_, k) => (k === axis ? out : 1));
  const l = tf.tensor(lambda, shape);
  const a = tf.gather(x, tf.tensor1d(lo, 'int32'), axis);
  const b = tf.gather(x, tf.tensor1d(hi, 'int32'), axis);
  return tf.add(tf.mul(a, tf.sub(1, l)), tf.mul(b, l));
}

/** Crop-and-resize boxes of the cases: non-square crops, up- and down-sampled, one of them the whole image. */
const CROP_BOXES = [
  { y0: 1, x0: 2, y1: 4, x1: 8 },
  { y0: 0, x0: 0, y1: 6, x1: 9 },
  { y0: 3, x0: 5, y1: 3, x1: 6 },
];

function refCropResize(x: tf.Tensor, size: [number, number]): tf.Tensor {
  return tf.concat(
    CROP_BOXES.map((b, i) => refResizeAxis(refResizeAxis(tf.slice(x, [i, 0, 0, 0], [1, -1, -1, -1]), 2, b.y0, b.y1, size[0]), 3, b.x0, b.x1, size[1])),
    0,
  );
}

const nchwToNhwc = (x: tf.Tensor) => tf.transpose(x, [0, 2, 3, 1]);

function refAttention(xs: tf.Tensor[], heads: number, mask?: tf.Tensor): tf.Tensor {
  const [x, ctx, wq, wk, wv, wo, bo] = xs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const proj = (t: tf.Tensor, w: tf.Tensor) => tf.matMul(t.reshape([-1, t.shape[2]!]), w, false, true).reshape([t.shape[0]!, t.shape[1]!, -1]);
  const split = (t: tf.Tensor) => t.reshape([t.shape[0]!, t.shape[1]!, heads, -1]).transpose([0, 2, 1, 3]);
  const q = split(proj(x, wq));
  const k = split(proj(ctx, wk));
  const v = split(proj(ctx, wv));
  const d = q.shape[3]!;
  let s = tf.div(tf.matMul(q, k, false, true), Math.sqrt(d));
  if (mask) s = tf.add(s, mask);
  const o = tf.matMul(tf.softmax(s), v).transpose([0, 2, 1, 3]).reshape([x.shape[0]!, x.shape[1]!, -1]);
  return tf.add(proj(o, wo), bo);
}

export const GRAD_CASES: GradCase[] = [
  {
    name: 'cropResizeBilinear (3 boxes, 7×10 → 5×6)',
    inputs: [{ shape: [3, 2, 7, 10] }],
    op: ([x]) => cropResizeBilinear(x!, CROP_BOXES, [5, 6]),
    ref: ([x]) => refCropResize(x!, [5, 6]),
  },
  {
    name: 'cropResizeBilinear (3 boxes, 7×10 → 9×4)',
    inputs: [{ shape: [3, 3, 7, 10] }],
    op: ([x]) => cropResizeBilinear(x!, CROP_BOXES, [9, 4]),
    ref: ([x]) => refCropResize(x!, [9, 4]),
  },
  {
    name: 'linear (rank 3, bias)',
    inputs: [{ shape: [2, 5, 7] }, { shape: [6, 7] }, { shape: [6] }],
    op: ([x, w, b]) => linear(x!, { weight: w!, bias: b }),
    ref: ([x, w, b]) => tf.add(tf.matMul(x!.reshape([10, 7]), w!, false, true), b!).reshape([2, 5, 6]),
  },
  {
    name: 'linear (rank 2, no bias)',
    inputs: [{ shape: [4, 3] }, { shape: [5, 3] }],
    op: ([x, w]) => linear(x!, { weight: w! }),
    ref: ([x, w]) => tf.matMul(x!, w!, false, true),
  },
  {
    name: 'batchMatMul transposeB',
    inputs: [{ shape: [3, 4, 5] }, { shape: [3, 6, 5] }],
    op: ([a, b]) => batchMatMul(a!, b!, { transposeB: true }),
    ref: ([a, b]) => tf.matMul(a!, b!, false, true),
  },
  {
    name: 'batchMatMul',
    inputs: [{ shape: [2, 4, 5] }, { shape: [2, 5, 3] }],
    op: ([a, b]) => batchMatMul(a!, b!),
    ref: ([a, b]) => tf.matMul(a!, b!),
  },
  {
    name: 'embedding (duplicate ids)',
    inputs: [{ shape: [7, 4] }, { shape: [2, 3], ints: [1, 3, 1, 6, 0, 1] }],
    op: ([t, ids]) => embedding(t!, ids!),
    ref: ([t, ids]) => tf.gather(t!, ids!),
  },
  {
    name: 'layerNorm',
    inputs: [{ shape: [2, 3, 8] }, { shape: [8] }, { shape: [8] }],
    op: ([x, g, b]) => layerNorm(x!, { weight: g!, bias: b! }, 1e-5),
    ref: ([x, g, b]) => {
      const { mean, variance } = tf.moments(x!, -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(x!, mean), tf.sqrt(tf.add(variance, 1e-5))), g!), b!);
    },
  },
  {
    name: 'gelu (exact erf)',
    inputs: [{ shape: [3, 9] }],
    op: ([x]) => activation('gelu')(tf.mul(x!, 3)),
    ref: ([x]) => {
      const y = tf.mul(x!, 3);
      return tf.mul(y, tf.mul(0.5, tf.add(1, tf.erf(tf.div(y, Math.SQRT2)))));
    },
  },
  {
    name: 'quick_gelu',
    inputs: [{ shape: [3, 9] }],
    op: ([x]) => activation('quick_gelu')(tf.mul(x!, 3)),
    ref: ([x]) => {
      const y = tf.mul(x!, 3);
      return tf.div(y, tf.add(1, tf.exp(tf.mul(y, -1.702))));
    },
  },
  {
    name: 'patchEmbedding == conv2d(stride = kernel)',
    inputs: [{ shape: [2, 3, 8, 12] }, { shape: [5, 3, 4, 4] }, { shape: [5] }],
    op: ([x, w, b]) => patchEmbedding(x!, w!, b, 4),
    ref: ([x, w, b]) => {
      const y = tf.conv2d(nchwToNhwc(x!) as tf.Tensor4D, tf.transpose(w!, [2, 3, 1, 0]) as tf.Tensor4D, 4, 'valid');
      return tf.add(y.reshape([2, 6, 5]), b!);
    },
  },
  {
    name: 'conv1d (k=3, same padding)',
    inputs: [{ shape: [2, 6, 4] }, { shape: [5, 4, 3] }, { shape: [5] }],
    op: ([x, w, b]) => conv1d(x!, w!, b),
    ref: ([x, w, b]) => tf.add(tf.conv1d(x! as tf.Tensor3D, tf.transpose(w!, [2, 1, 0]) as tf.Tensor3D, 1, 'same'), b!),
  },
  {
    name: 'conv2d 3×3 stride 1 (same)',
    inputs: [{ shape: [2, 5, 6, 3] }, { shape: [4, 3, 3, 3] }, { shape: [4] }],
    op: ([x, w, b]) => conv2d(x!, w!, b),
    ref: ([x, w, b]) => tf.add(tf.conv2d(x! as tf.Tensor4D, tf.transpose(w!, [2, 3, 1, 0]) as tf.Tensor4D, 1, 'same'), b!),
  },
  {
    name: 'conv2d 3×3 stride 2, asymmetric padding (diffusers Downsample2D)',
    inputs: [{ shape: [1, 6, 8, 2] }, { shape: [3, 2, 3, 3] }, { shape: [3] }],
    op: ([x, w, b]) => conv2d(x!, w!, b, { stride: 2, padding: [0, 1, 0, 1] }),
    ref: ([x, w, b]) => tf.add(tf.conv2d(tf.pad(x!, [[0, 0], [0, 1], [0, 1], [0, 0]]) as tf.Tensor4D, tf.transpose(w!, [2, 3, 1, 0]) as tf.Tensor4D, 2, 'valid'), b!),
  },
  {
    name: 'conv2d 1×1 and 3×3 stride 2 pad 1',
    inputs: [{ shape: [2, 5, 5, 3] }, { shape: [2, 3, 1, 1] }, { shape: [4, 2, 3, 3] }],
    op: ([x, w1, w3]) => conv2d(conv2d(x!, w1!, undefined), w3!, undefined, { stride: 2, padding: 1 }),
    ref: ([x, w1, w3]) => {
      const y = tf.conv2d(x! as tf.Tensor4D, tf.transpose(w1!, [2, 3, 1, 0]) as tf.Tensor4D, 1, 'valid');
      return tf.conv2d(tf.pad(y, [[0, 0], [1, 1], [1, 1], [0, 0]]) as tf.Tensor4D, tf.transpose(w3!, [2, 3, 1, 0]) as tf.Tensor4D, 2, 'valid');
    },
  },
  {
    name: 'conv2d 3×3 stride 2 pad 1, odd size (UNet Downsample2D)',
    inputs: [{ shape: [2, 7, 5, 3] }, { shape: [4, 3, 3, 3] }, { shape: [4] }],
    op: ([x, w, b]) => conv2d(x!, w!, b, { stride: 2, padding: 1 }),
    ref: ([x, w, b]) => tf.add(tf.conv2d(tf.pad(x!, [[0, 0], [1, 1], [1, 1], [0, 0]]) as tf.Tensor4D, tf.transpose(w!, [2, 3, 1, 0]) as tf.Tensor4D, 2, 'valid'), b!),
  },
  {
    name: 'conv2d 3×3 stride 2, asymmetric padding, odd size',
    inputs: [{ shape: [1, 5, 7, 2] }, { shape: [3, 2, 3, 3] }],
    op: ([x, w]) => conv2d(x!, w!, undefined, { stride: 2, padding: [0, 1, 0, 1] }),
    ref: ([x, w]) => tf.conv2d(tf.pad(x!, [[0, 0], [0, 1], [0, 1], [0, 0]]) as tf.Tensor4D, tf.transpose(w!, [2, 3, 1, 0]) as tf.Tensor4D, 2, 'valid'),
  },
  {
    name: 'conv2d 5×5 padding 2 (conv_in_kernel 5)',
    inputs: [{ shape: [1, 6, 6, 2] }, { shape: [3, 2, 5, 5] }],
    op: ([x, w]) => conv2d(x!, w!, undefined),
    ref: ([x, w]) => tf.conv2d(x! as tf.Tensor4D, tf.transpose(w!, [2, 3, 1, 0]) as tf.Tensor4D, 1, 'same'),
  },
  {
    name: 'groupNorm (4 groups over [B, H, W, 8])',
    inputs: [{ shape: [2, 3, 5, 8] }, { shape: [8] }, { shape: [8] }],
    op: ([x, g, b]) => groupNorm(tf.mul(x!, 3), { weight: g!, bias: b! }, 4, 1e-5),
    ref: ([x, g, b]) => {
      const y = tf.reshape(tf.mul(x!, 3), [2, 15, 4, 2]);
      const { mean, variance } = tf.moments(y, [1, 3], true);
      return tf.add(tf.mul(tf.reshape(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, 1e-5))), [2, 3, 5, 8]), g!), b!);
    },
  },
  {
    name: 'silu',
    inputs: [{ shape: [3, 9] }],
    op: ([x]) => silu(tf.mul(x!, 4)),
    ref: ([x]) => {
      const y = tf.mul(x!, 4);
      return tf.div(y, tf.add(1, tf.exp(tf.neg(y))));
    },
  },
  {
    name: 'upsampleNearest2x',
    inputs: [{ shape: [2, 3, 4, 5] }],
    op: ([x]) => upsampleNearest2x(x!),
    // (not tf.image.resizeNearestNeighbor: the cpu backend's ResizeNearestNeighborGrad is wrong for batch > 1, measured)
    ref: ([x]) => tf.gather(tf.gather(x!, tf.tensor1d([0, 0, 1, 1, 2, 2], 'int32'), 1), tf.tensor1d([0, 0, 1, 1, 2, 2, 3, 3], 'int32'), 2),
  },
  {
    name: 'upsampleNearest to a size that is not ×2',
    inputs: [{ shape: [1, 3, 4, 2] }],
    op: ([x]) => upsampleNearest(x!, [5, 9]),
    ref: ([x]) => {
      // torch nearest: src = floor(dst · in / out)
      const rows = tf.tensor1d([0, 0, 1, 1, 2], 'int32');
      const cols = tf.tensor1d([0, 0, 0, 1, 1, 2, 2, 3, 3], 'int32');
      return tf.gather(tf.gather(x!, rows, 1), cols, 2);
    },
  },
  {
    name: 'headwiseAttention (2 heads, Lq != Lk)',
    inputs: [{ shape: [2, 5, 8] }, { shape: [2, 3, 8] }, { shape: [2, 3, 8] }],
    op: ([q, k, v]) => headwiseAttention(tf.mul(q!, 2), k!, v!, 2),
    ref: ([q, k, v]) => {
      const split = (t: tf.Tensor) => t.reshape([t.shape[0]!, t.shape[1]!, 2, -1]).transpose([0, 2, 1, 3]);
      const s = tf.div(tf.matMul(split(tf.mul(q!, 2)), split(k!), false, true), Math.sqrt(4));
      return tf.matMul(tf.softmax(s), split(v!)).transpose([0, 2, 1, 3]).reshape([2, 5, 8]);
    },
  },
  {
    name: 'multiHeadAttention (self, causal + padding mask)',
    inputs: [{ shape: [2, 5, 8] }, { shape: [8, 8] }, { shape: [8, 8] }, { shape: [8, 8] }, { shape: [8, 8] }, { shape: [8] }],
    op: ([x, wq, wk, wv, wo, bo]) => {
      const mask = tf.add(causalMask(5), paddingMask(tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], [2, 5], 'int32')));
      return multiHeadAttention({ q: { weight: wq! }, k: { weight: wk! }, v: { weight: wv! }, out: { weight: wo!, bias: bo } }, x!, 2, { mask });
    },
    ref: ([x, wq, wk, wv, wo, bo]) => {
      const mask = tf.add(causalMask(5), paddingMask(tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], [2, 5], 'int32')));
      return refAttention([x!, x!, wq!, wk!, wv!, wo!, bo!], 2, mask);
    },
  },
  {
    name: 'multiHeadAttention (cross, Lq != Lk)',
    inputs: [{ shape: [2, 3, 8] }, { shape: [2, 6, 8] }, { shape: [8, 8] }, { shape: [8, 8] }, { shape: [8, 8] }, { shape: [8, 8] }, { shape: [8] }],
    op: ([x, c, wq, wk, wv, wo, bo]) =>
      multiHeadAttention({ q: { weight: wq! }, k: { weight: wk! }, v: { weight: wv! }, out: { weight: wo!, bias: bo } }, x!, 4, { context: c }),
    ref: (xs) => refAttention(xs, 4),
  },
];

export interface CaseResult {
  value: Float32Array;
  grads: Float32Array[];
}

/**
 * Runs f on the current backend: value and gradient of sum(f · r) w.r.t. every float input.
 * Reads back with await data(): dataSync() needs OffscreenCanvas on WebGPU, which Node lacks.
 */
export async function runCase(c: GradCase, useRef: boolean): Promise<CaseResult> {
  const out = tf.tidy(() => {
    const isInt = (s: InputSpec) => s.ints !== undefined || s.intMax !== undefined;
    const xs = c.inputs.map((s, i) => (isInt(s) ? tf.tensor(makeValues(s, 17 + i), s.shape, 'int32') : tf.tensor(makeValues(s, 17 + i), s.shape)));
    const f = useRef ? c.ref : c.op;
    const floatIdx = c.inputs.flatMap((s, i) => (isInt(s) ? [] : [i]));
    const value = f(xs);
    const r = tf.tensor(makeValues({ shape: value.shape }, 99), value.shape);
    const g = tf.grads((...fl: tf.Tensor[]) => {
      const all = xs.slice();
      floatIdx.forEach((k, j) => (all[k] = fl[j]!));
      return tf.sum(tf.mul(f(all), r));
    });
    return [value, ...g(floatIdx.map((k) => xs[k]!))];
  });
  const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(out);
  return { value: data[0]!, grads: data.slice(1) };
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Compares every case on `backend` against the cpu reference; returns failures (empty = pass). */
export async function compareAllWithCpu(backend: string, tol = 1e-4): Promise<string[]> {
  const failures: string[] = [];
  for (const c of GRAD_CASES) {
    await tf.setBackend('cpu');
    const ref = await runCase(c, true);
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const got = await runCase(c, false);
    const after = tf.memory().numTensors;
    if (after !== before) failures.push(`${c.name}: ${after - before} tensors leaked`);
    const scale = (a: Float32Array) => Math.max(1, ...Array.from(a, Math.abs));
    const dv = maxAbsDiff(got.value, ref.value);
    if (!(dv <= tol * scale(ref.value))) failures.push(`${c.name}: value differs by ${dv}`);
    ref.grads.forEach((rg, i) => {
      const d = maxAbsDiff(got.grads[i]!, rg);
      if (!(d <= tol * scale(rg))) failures.push(`${c.name}: gradient of input ${i} differs by ${d}`);
    });
  }
  return failures;
}
