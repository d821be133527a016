// Nearest-neighbour upsampling (torch.nn.functional.interpolate(mode="nearest")) over channels-last
// tensors, differentiable on every backend: the ×2 case (diffusers' Upsample2D) by concatenation and
// reshape at rank ≤ 3 (WebGPU has no rank-6 shaders), any other size (a UNet whose latent is not
// divisible by 2^upsamplers) as a product with a 0/1 selection matrix, whose gradient is plain linear.
import * as tf from '@tensorflow/tfjs';
import { linear } from './linear.js';

/** x [B, H, W, C] → [B, 2H, 2W, C], each pixel repeated in a 2×2 block. */
export function upsampleNearest2x(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape as [number, number, number, number];
    if (x.rank !== 4) throw new Error(`upsampleNearest2x: wants [B, H, W, C], got [${x.shape.join(', ')}]`);
    const px = tf.reshape(x, [b * h * w, 1, c]);
    const rows = tf.reshape(tf.concat([px, px], 1), [b * h, 1, 2 * w * c]); // each pixel twice along W
    return tf.reshape(tf.concat([rows, rows], 1), [b, 2 * h, 2 * w, c]); // each row twice along H
  });
}

/** torch's nearest source index for an output size: floor(dst · in / out), clamped. */
function selection(inSize: number, outSize: number): tf.Tensor2D {
  const m = new Float32Array(outSize * inSize);
  const scale = Math.fround(inSize / outSize);
  for (let o = 0; o < outSize; o++) m[o * inSize + Math.min(Math.floor(Math.fround(o * scale)), inSize - 1)] = 1;
  return tf.tensor2d(m, [outSize, inSize]);
}

/** x [B, H, W, C] → [B, outH, outW, C] (F.interpolate(size=(outH, outW), mode="nearest")). */
export function upsampleNearest(x: tf.Tensor, size: [number, number]): tf.Tensor {
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const [oh, ow] = size;
  if (oh === 2 * h && ow === 2 * w) return upsampleNearest2x(x);
  return tf.tidy(() => {
    // Rows: [B, W, C, H] · S_hᵀ, columns: [B, oH, C, W] · S_wᵀ.
    const byRows = linear(tf.transpose(x, [0, 2, 3, 1]), { weight: selection(h, oh) }); // [B, W, C, oH]
    const byCols = linear(tf.transpose(byRows, [0, 3, 2, 1]), { weight: selection(w, ow) }); // [B, oH, C, oW]
    return tf.reshape(tf.transpose(byCols, [0, 1, 3, 2]), [b, oh, ow, c]);
  });
}
