// The token-wise convolutions of Eq. 12 when their input needs no gradient: in phase 1 the CLIP
// tokens e_r, e_f are constants (CLIP frozen), so the gradient with respect to the im2col columns
// — a matmul as large as the forward one — is thrown away. tf.customGrad computes every input's
// gradient eagerly, so this variant returns zeros for it instead of computing it: in a ViT-B/16-sized
// fusion step that is ~22 of ~89 GFLOP. Same forward as layers/conv.ts (im2col, one plain matmul).
import * as tf from '@tensorflow/tfjs';
import { customGrad2 } from '../../layers/custom-grad.js';

// y = x wᵀ; dw = dyᵀ x (explicit transpose, plain matmul); dx = 0 (the caller promises x is constant).
const matMulWeightTConstantX = customGrad2((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  const wT = tf.transpose(w);
  const value = tf.matMul(x as tf.Tensor2D, wT as tf.Tensor2D);
  wT.dispose();
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs] = saved as [tf.Tensor2D];
      const dyT = tf.transpose(dy);
      const dw = tf.matMul(dyT as tf.Tensor2D, xs);
      dyT.dispose();
      return [tf.zerosLike(xs), dw];
    },
  };
});

/**
 * conv1d (stride 1, zero padding k // 2) of a constant x [B, L, Cin] with a Conv1d weight
 * [Cout, Cin, k] → [B, L, Cout], as the sum of k shifted linear maps Σ_j x_{·+j−p} W_jᵀ. Per tap, the
 * weight gradient dyᵀ x_j is a [Cout, B·L]·[B·L, Cin] product; wasm's XNNPACK ran that shape at
 * ~1.7× the rate of the single im2col product [Cout, B·L]·[B·L, k·Cin] (profiled on a ViT-B/16-sized
 * step), and no k-fold concatenated copy of the input is made.
 */
export function conv1dConstantInput(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [b, l, cin] = x.shape as [number, number, number];
    const [cout, , k] = weight.shape as [number, number, number];
    const pad = Math.floor(k / 2);
    const xp = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [0, 0]]) : x;
    // [Cout, Cin, k] → k contiguous [Cout, Cin] taps.
    const taps = tf.unstack(tf.transpose(weight, [2, 0, 1]));
    let y: tf.Tensor | null = null;
    for (let j = 0; j < k; j++) {
      const view = tf.reshape(tf.slice(xp, [0, j, 0], [b, l, cin]), [b * l, cin]);
      const term = matMulWeightTConstantX(view, taps[j]!);
      y = y ? tf.add(y, term) : term;
    }
    return tf.reshape(tf.add(y!, bias), [b, l, cout]);
  });
}
