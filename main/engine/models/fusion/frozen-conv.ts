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

/** conv1d (stride 1, zero padding k // 2) of a constant x [B, L, Cin] with a Conv1d weight [Cout, Cin, k] → [B, L, Cout]. */
export function conv1dConstantInput(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [b, l, cin] = x.shape as [number, number, number];
    const [cout, , k] = weight.shape as [number, number, number];
    const pad = Math.floor(k / 2);
    const xp = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [0, 0]]) : x;
    const views = Array.from({ length: k }, (_, j) => tf.slice(xp, [0, j, 0], [b, l, cin]));
    const cols = tf.reshape(k === 1 ? views[0]! : tf.concat(views, 2), [b * l, k * cin]);
    const w2 = tf.reshape(tf.transpose(weight, [0, 2, 1]), [cout, k * cin]);
    return tf.reshape(tf.add(matMulWeightTConstantX(cols, w2), bias), [b, l, cout]);
  });
}
