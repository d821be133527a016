// Dense layers and batched matmuls with gradients that stay on the backends' fast paths.
// tfjs's built-in matMul gradient uses transposeA/transposeB, which the wasm backend runs off
// XNNPACK (1.4–3.6 GFLOP/s instead of ~42, ENVIRONMENT.md); an explicit tf.transpose followed by a
// plain matMul keeps every product on the fast path (a fusion step went from 4370 to 727 ms).
import * as tf from '@tensorflow/tfjs';
import { customGrad2 } from './custom-grad.js';

/** Parameters of a dense layer in PyTorch's layout: weight [out, in], bias [out]. */
export interface LinearParams {
  weight: tf.Tensor;
  bias?: tf.Tensor | undefined;
  /**
   * The weight already transposed, [in, out], for frozen inference (ParamStore.prepareInference):
   * skips the per-call transpose, which costs more than the matMul itself at a few hundred rows
   * (a 3072×768 weight: ~110 ms to transpose vs ~35 ms for a [100, 768] product on wasm). No
   * gradient reaches `weight` through it.
   */
  weightT?: tf.Tensor | undefined;
}

// y = x wᵀ for x [N, in], w [out, in].
//   dx = dy w        ([N,out]·[out,in], plain)
//   dw = dyᵀ x       (explicit transpose, then plain)
const matMulWeightT = customGrad2((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  const wT = tf.transpose(w);
  const value = tf.matMul(x as tf.Tensor2D, wT as tf.Tensor2D);
  wT.dispose();
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dx = tf.matMul(dy as tf.Tensor2D, ws);
      const dyT = tf.transpose(dy);
      const dw = tf.matMul(dyT as tf.Tensor2D, xs);
      dyT.dispose();
      return [dx, dw];
    },
  };
});

/** y = x Wᵀ + b over the last axis of x (any rank ≥ 1), as torch.nn.Linear. */
export function linear(x: tf.Tensor, p: LinearParams): tf.Tensor {
  return tf.tidy(() => {
    const [outDim, inDim] = p.weightT ? [p.weightT.shape[1]!, p.weightT.shape[0]!] : (p.weight.shape as [number, number]);
    const lastDim = x.shape[x.rank - 1];
    if ((p.weightT ?? p.weight).rank !== 2 || lastDim !== inDim) {
      throw new Error(`linear: input's last axis is ${lastDim} but the weight is [${p.weight.shape.join(', ')}] (expects [out, in] with in = ${lastDim})`);
    }
    const lead = x.shape.slice(0, -1);
    const x2 = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
    let y = p.weightT ? tf.matMul(x2 as tf.Tensor2D, p.weightT as tf.Tensor2D) : matMulWeightT(x2, p.weight);
    if (p.bias) y = tf.add(y, p.bias);
    return x.rank === 2 ? y : tf.reshape(y, [...lead, outDim]);
  });
}

function swapLast(t: tf.Tensor): tf.Tensor {
  return tf.transpose(t, [0, 2, 1]);
}

// c = a b for a [B, M, K], b [B, K, N] (same batch: the built-in gradient fails when the batch
// broadcasts, ENVIRONMENT.md), gradients through explicit transposes.
const bmm = customGrad2((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [as, bs] = saved as [tf.Tensor3D, tf.Tensor3D];
      return tf.tidy(() => [tf.matMul(dy as tf.Tensor3D, swapLast(bs) as tf.Tensor3D), tf.matMul(swapLast(as) as tf.Tensor3D, dy as tf.Tensor3D)]);
    },
  };
});

/**
 * Batched matmul a [B, M, K] · b [B, K, N] → [B, M, N]; with `transposeB`, b is [B, N, K] and is
 * transposed explicitly (never through matMul's flag). Batch sizes must be equal: tile, don't broadcast.
 */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor, opts: { transposeB?: boolean } = {}): tf.Tensor {
  if (a.rank !== 3 || b.rank !== 3) throw new Error(`batchMatMul: wants rank-3 tensors, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  if (a.shape[0] !== b.shape[0]) {
    throw new Error(`batchMatMul: batch sizes differ (${a.shape[0]} vs ${b.shape[0]}); tile the smaller one, broadcasting breaks the gradient`);
  }
  if (!opts.transposeB) return bmm(a, b);
  return tf.tidy(() => bmm(a, swapLast(b)));
}
