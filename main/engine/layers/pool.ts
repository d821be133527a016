// Pooling and eval-mode batch normalisation for the metric backbones (torchvision Inception-v3,
// AlexNet / VGG16 under LPIPS), channels-last [B, H, W, C] like conv2d. Inference only: their
// gradients are tfjs's built-in ones (the metric networks are frozen), so do not train through them
// on wasm without checking the kernels first.
import * as tf from '@tensorflow/tfjs';

export interface PoolOptions {
  kernel: number;
  /** default: the kernel (torch's default for MaxPool2d / AvgPool2d) */
  stride?: number;
  /** zero padding on every side (default 0) */
  padding?: number;
}

// float32's lowest value: padding a max pool with it never wins against a real input.
const LOWEST = -3.4028234663852886e38;

function pooledSize(h: number, w: number, o: Required<PoolOptions>): [number, number] {
  const ho = Math.floor((h + 2 * o.padding - o.kernel) / o.stride) + 1;
  const wo = Math.floor((w + 2 * o.padding - o.kernel) / o.stride) + 1;
  if (ho < 1 || wo < 1) throw new Error(`pool: a ${h}×${w} input is smaller than the ${o.kernel}×${o.kernel} window`);
  if (o.padding * 2 > o.kernel) throw new Error(`pool: padding ${o.padding} is more than half the kernel ${o.kernel} (torch rejects it too)`);
  return [ho, wo];
}

function resolve(opts: PoolOptions): Required<PoolOptions> {
  return { kernel: opts.kernel, stride: opts.stride ?? opts.kernel, padding: opts.padding ?? 0 };
}

/** torch.nn.functional.max_pool2d (ceil_mode=False): padded positions never win. */
export function maxPool2d(x: tf.Tensor, opts: PoolOptions): tf.Tensor {
  const o = resolve(opts);
  if (x.rank !== 4) throw new Error(`maxPool2d: input must be channels-last [B, H, W, C], got [${x.shape.join(', ')}]`);
  pooledSize(x.shape[1]!, x.shape[2]!, o);
  return tf.tidy(() => {
    const p = o.padding;
    const xp = p > 0 ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], LOWEST) : x;
    return tf.maxPool(xp as tf.Tensor4D, o.kernel, o.stride, 'valid');
  });
}

/**
 * torch.nn.functional.avg_pool2d (ceil_mode=False). `countIncludePad` true (torch's default, and
 * torchvision Inception's branch_pool): every window divides by k², zeros of the padding included;
 * false (pytorch-fid's FID Inception blocks): each window divides by the real pixels it covers.
 */
export function avgPool2d(x: tf.Tensor, opts: PoolOptions & { countIncludePad?: boolean }): tf.Tensor {
  const o = resolve(opts);
  if (x.rank !== 4) throw new Error(`avgPool2d: input must be channels-last [B, H, W, C], got [${x.shape.join(', ')}]`);
  const [h, w] = [x.shape[1]!, x.shape[2]!];
  const [ho, wo] = pooledSize(h, w, o);
  return tf.tidy(() => {
    const p = o.padding;
    const xp = p > 0 ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) : x;
    const mean = tf.avgPool(xp as tf.Tensor4D, o.kernel, o.stride, 'valid');
    if (p === 0 || opts.countIncludePad !== false) return mean;
    // Rescale each window by k² / (real pixels in it): a constant map computed on the host.
    const scale = new Float32Array(ho * wo);
    const covered = (start: number, size: number) => Math.min(start + o.kernel, size + p) - Math.max(start, p);
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++) scale[i * wo + j] = (o.kernel * o.kernel) / (covered(i * o.stride, h) * covered(j * o.stride, w));
    }
    return tf.mul(mean, tf.tensor4d(scale, [1, ho, wo, 1]));
  });
}

/** Parameters of torch.nn.BatchNorm2d by their state-dict names (without num_batches_tracked). */
export interface BatchNormParams {
  weight: tf.Tensor;
  bias: tf.Tensor;
  runningMean: tf.Tensor;
  runningVar: tf.Tensor;
}

/** BatchNorm2d in eval mode over the last axis: (x − running_mean) / √(running_var + eps) · weight + bias. */
export function batchNorm(x: tf.Tensor, p: BatchNormParams, eps: number): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(tf.sub(x, p.runningMean), tf.div(p.weight, tf.sqrt(tf.add(p.runningVar, eps)))), p.bias));
}

/**
 * Folds an eval-mode BatchNorm2d into the convolution before it: conv(x, w)·s + (b − mean·s) with
 * s = weight / √(var + eps) equals batchNorm(conv(x, w)) up to float rounding, and saves one pass
 * over every activation. Returns new tensors (the caller disposes them).
 */
export function foldBatchNorm(convWeight: tf.Tensor, convBias: tf.Tensor | undefined, bn: BatchNormParams, eps: number): { weight: tf.Tensor; bias: tf.Tensor } {
  return tf.tidy(() => {
    const cout = convWeight.shape[0]!;
    if (bn.weight.size !== cout) throw new Error(`foldBatchNorm: batch norm has ${bn.weight.size} channels, the convolution ${cout} outputs`);
    const s = tf.div(bn.weight, tf.sqrt(tf.add(bn.runningVar, eps)));
    const weight = tf.mul(convWeight, tf.reshape(s, [cout, ...convWeight.shape.slice(1).map(() => 1)]));
    const shift = tf.sub(bn.bias, tf.mul(bn.runningMean, s));
    const bias = convBias ? tf.add(tf.mul(convBias, s), shift) : shift;
    return { weight, bias };
  });
}
