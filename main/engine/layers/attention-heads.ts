// Scaled dot-product attention computed one (batch, head) pair at a time as plain 2-D matMuls, with
// its own gradient. The UNet attends over every latent pixel (1024 tokens at 256², 4096 at 512²):
// the wasm backend runs a batched matmul [24, 1024, 40]·[24, 40, 1024] at 0.5 GFLOP/s but the same
// products as 24 plain 2-D matMuls at ~20 GFLOP/s (measured, bench/README in unet), and tfjs's
// built-in matMul gradient uses the transposed forms that leave XNNPACK. Backward (per head, P the
// probabilities): dV = Pᵀ dO, dP = dO Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = s·dS K, dK = s·dSᵀ Q,
// every product plain with explicit transposes.
import * as tf from '@tensorflow/tfjs';
import { batchMatMul } from './linear.js';
import { fastWasmSlices } from './wasm-slice.js';

type Tensor3 = tf.Tensor3D;

/** [B, L, H·d] → [B·H, L, d] */
function splitHeads(x: tf.Tensor, heads: number): tf.Tensor {
  const [b, l, hd] = x.shape as [number, number, number];
  return tf.reshape(tf.transpose(tf.reshape(x, [b, l, heads, hd / heads]), [0, 2, 1, 3]), [b * heads, l, hd / heads]);
}

/** [B·H, L, d] → [B, L, H·d] */
function mergeHeads(x: tf.Tensor, b: number, heads: number): tf.Tensor {
  const [, l, d] = x.shape as [number, number, number];
  return tf.reshape(tf.transpose(tf.reshape(x, [b, heads, l, d]), [0, 2, 1, 3]), [b, l, heads * d]);
}

const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
const tr = (a: tf.Tensor) => tf.transpose(a);

/**
 * On q already multiplied by 1/√d (one pass over [L, d] instead of one over the [Lq, Lk] scores):
 * P = softmax(q_s kᵀ), O = P v. Backward with dS = P ⊙ (dP − rowsum(dP ⊙ P)): dq_s = dS k, dk = dSᵀ q_s.
 */
const core = tf.customGrad(((q: Tensor3, k: Tensor3, v: Tensor3, save: tf.GradSaveFunc) => {
  const qs = tf.unstack(q);
  const kTs = tf.unstack(tf.transpose(k, [0, 2, 1]));
  const vs = tf.unstack(v);
  const probs: tf.Tensor[] = [];
  const outs = qs.map((qi, i) => {
    const p = tf.tidy(() => tf.softmax(mm(qi, kTs[i]!)));
    probs.push(p);
    return mm(p, vs[i]!);
  });
  save([q, k, v, ...probs]);
  return {
    value: tf.stack(outs),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [qS, kS, vS, ...ps] = saved as [Tensor3, Tensor3, Tensor3, ...tf.Tensor[]];
      return tf.tidy(() => {
        const dys = tf.unstack(dy);
        const qh = tf.unstack(qS);
        const kh = tf.unstack(kS);
        const vTs = tf.unstack(tf.transpose(vS, [0, 2, 1]));
        const dq: tf.Tensor[] = [];
        const dk: tf.Tensor[] = [];
        const dv: tf.Tensor[] = [];
        ps.forEach((p, i) => {
          const [a, b, c] = tf.tidy(() => {
            const dO = dys[i]!;
            const dP = mm(dO, vTs[i]!);
            const dS = tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dP, p), -1, true)));
            // dK = dSᵀ q and dV = Pᵀ dO as (qᵀ dS)ᵀ and (dOᵀ P)ᵀ: transposes of [L, d], never of the [Lq, Lk]
            // matrices (a 1024² wasm transpose costs more than the product).
            return [mm(dS, kh[i]!), tr(mm(tr(qh[i]!), dS)), tr(mm(tr(dO), p))];
          });
          dq.push(a);
          dk.push(b);
          dv.push(c);
        });
        return [tf.stack(dq), tf.stack(dk), tf.stack(dv)];
      });
    },
  };
}) as Parameters<typeof tf.customGrad>[0]);

/** Without a gradient tape: the same products, each head's probabilities freed as soon as used. */
function inferenceOnly(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): tf.Tensor {
  const qs = tf.unstack(q);
  const kTs = tf.unstack(tf.transpose(k, [0, 2, 1]));
  const vs = tf.unstack(v);
  return tf.stack(qs.map((qi, i) => tf.tidy(() => mm(tf.softmax(mm(qi, kTs[i]!)), vs[i]!))));
}

/** Backends whose batched matmul is slow (wasm: 0.5 GFLOP/s) or that have no batched kernel worth it. */
const PER_HEAD_BACKENDS = new Set(['wasm', 'cpu']);

/**
 * softmax(q kᵀ / √d) v with q [B, Lq, H·d], k and v [B, Lk, H·d] (already projected) → [B, Lq, H·d].
 * Same numbers as scaledDotProductAttention (attention.ts) without a mask; use it where the token
 * count is large (diffusion models' spatial attention).
 */
export function headwiseAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, numHeads: number): tf.Tensor {
  return tf.tidy(() => {
    const [b, , hidden] = q.shape as [number, number, number];
    if (q.rank !== 3 || k.rank !== 3 || v.rank !== 3) throw new Error('headwiseAttention: q, k, v must be [B, L, H·d]');
    if (hidden % numHeads !== 0) throw new Error(`headwiseAttention: hidden size ${hidden} is not divisible by ${numHeads} heads`);
    const scale = 1 / Math.sqrt(hidden / numHeads);
    const [qh, kh, vh] = [splitHeads(tf.mul(q, scale), numHeads), splitHeads(k, numHeads), splitHeads(v, numHeads)];
    let o: tf.Tensor;
    if (PER_HEAD_BACKENDS.has(tf.getBackend())) {
      fastWasmSlices();
      o = tf.engine().state.gradientDepth > 0 ? (core(qh, kh, vh) as tf.Tensor) : inferenceOnly(qh, kh, vh);
    } else {
      // A GPU runs the batched products well; one kernel per head would only add dispatches.
      o = batchMatMul(tf.softmax(batchMatMul(qh, kh, { transposeB: true })), vh);
    }
    return mergeHeads(o, b, numHeads);
  });
}
