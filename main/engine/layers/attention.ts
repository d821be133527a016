// Multi-head scaled dot-product attention (Vaswani et al.), in the layout HF's CLIP, ViT and BLIP
// attention modules use: separate q/k/v projections [hidden, hidden] (or a fused qkv for BLIP's
// vision tower, which callers split), heads split from the hidden axis, output projection.
// The heads are folded into the batch axis so both products are plain batched matmuls with
// explicit transposes (linear.ts: batchMatMul), which keeps their gradients on the fast path.
import * as tf from '@tensorflow/tfjs';
import { batchMatMul, linear, type LinearParams } from './linear.js';

export interface AttentionParams {
  q: LinearParams;
  k: LinearParams;
  v: LinearParams;
  out: LinearParams;
}

/** [B, L, H·d] → [B·H, L, d] */
function splitHeads(x: tf.Tensor, numHeads: number): tf.Tensor {
  const [b, l, hidden] = x.shape as [number, number, number];
  const d = hidden / numHeads;
  return tf.reshape(tf.transpose(tf.reshape(x, [b, l, numHeads, d]), [0, 2, 1, 3]), [b * numHeads, l, d]);
}

/** [B·H, L, d] → [B, L, H·d] */
function mergeHeads(x: tf.Tensor, batch: number, numHeads: number): tf.Tensor {
  const [, l, d] = x.shape as [number, number, number];
  return tf.reshape(tf.transpose(tf.reshape(x, [batch, numHeads, l, d]), [0, 2, 1, 3]), [batch, l, numHeads * d]);
}

/**
 * softmax(q kᵀ / √d + mask) v for already projected q [B, Lq, D], k and v [B, Lk, D].
 * `mask` is additive (0 to keep, a large negative number to drop) and broadcastable to
 * [B, H, Lq, Lk] — e.g. [B, 1, 1, Lk] for padding, [1, 1, Lq, Lk] for causal.
 * Returns [B, Lq, D] and, when asked, the attention probabilities [B, H, Lq, Lk].
 */
export function scaledDotProductAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  numHeads: number,
  mask?: tf.Tensor,
): tf.Tensor {
  return tf.tidy(() => {
    const [b, lq, hidden] = q.shape as [number, number, number];
    const lk = k.shape[1]!;
    if (hidden % numHeads !== 0) throw new Error(`attention: hidden size ${hidden} is not divisible by ${numHeads} heads`);
    const scale = 1 / Math.sqrt(hidden / numHeads);
    // Scale q before the product, as HF CLIP does (q_proj(h) * scale).
    const qh = splitHeads(tf.mul(q, scale), numHeads);
    const kh = splitHeads(k, numHeads);
    const vh = splitHeads(v, numHeads);
    let scores = batchMatMul(qh, kh, { transposeB: true }); // [B·H, Lq, Lk]
    if (mask) scores = tf.reshape(tf.add(tf.reshape(scores, [b, numHeads, lq, lk]), mask), [b * numHeads, lq, lk]);
    const probs = tf.softmax(scores, -1);
    return mergeHeads(batchMatMul(probs, vh), b, numHeads);
  });
}

/**
 * Attention block: out(attn(q(x), k(context), v(context))). With `context` omitted it is
 * self-attention; with it, cross-attention (queries from x, keys and values from context).
 */
export function multiHeadAttention(
  p: AttentionParams,
  x: tf.Tensor,
  numHeads: number,
  opts: { context?: tf.Tensor | undefined; mask?: tf.Tensor | undefined } = {},
): tf.Tensor {
  return tf.tidy(() => {
    const ctx = opts.context ?? x;
    const attended = scaledDotProductAttention(linear(x, p.q), linear(ctx, p.k), linear(ctx, p.v), numHeads, opts.mask);
    return linear(attended, p.out);
  });
}

/** Large negative added to dropped attention logits (finite, so a sum of two never becomes -inf). */
export const MASKED = -1e9;

/** [B, L] of 1 (token) / 0 (padding) → additive mask [B, 1, 1, L]. */
export function paddingMask(attentionMask: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [b, l] = attentionMask.shape as [number, number];
    return tf.reshape(tf.mul(tf.sub(1, tf.cast(attentionMask, 'float32')), MASKED), [b, 1, 1, l]);
  });
}

/** Causal additive mask [1, 1, L, L]: position i sees positions ≤ i. */
export function causalMask(length: number): tf.Tensor {
  return tf.tidy(() => {
    const upper = tf.sub(1, tf.linalg.bandPart(tf.ones([length, length]), -1, 0));
    return tf.reshape(tf.mul(upper, MASKED), [1, 1, length, length]);
  });
}
