// The embedding losses of Sec. 3.2: the symmetric contrastive loss that trains Region-CLIP and BLIP
// (Eq. 11), and the cosine distances the editor's region and global losses use (Eq. 8, 9).
// Every function here is pure tfjs on the caller's tensors; call it inside `tf.tidy` or a
// `variableGrads` closure so its intermediates are freed.
import * as tf from '@tensorflow/tfjs';

/** How the temperature τ of Eq. 11 is set: a fixed number, or learned (CLIP's `logit_scale`). */
export type TemperatureConfig = { kind: 'fixed'; tau: number } | { kind: 'learned'; initTau: number; maxScale?: number };

export interface ContrastiveTerms {
  /** Eq. 11: the mean of the two directions. */
  loss: tf.Scalar;
  /** −log softmax over texts for each image, averaged (the first term of Eq. 11). */
  imageToText: tf.Scalar;
  /** −log softmax over images for each text, averaged (the second term). */
  textToImage: tf.Scalar;
  /** The [N, N] similarity matrix z·tᵀ/τ, kept for accuracy metrics. */
  logits: tf.Tensor2D;
}

/** Row-wise L2 normalisation, safe at zero (the eps keeps the gradient finite). */
export function l2Normalize(x: tf.Tensor2D, eps = 1e-12): tf.Tensor2D {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(x), -1, true), eps * eps));
    return tf.div(x, norm) as tf.Tensor2D;
  });
}

/** a·bᵀ with an explicit transpose, so that wasm runs the plain (non-transposed) matmul kernel. */
function similarity(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(a, tf.transpose(b));
}

/** Mean over i of −log softmax(logits)[i, i]: cross-entropy with the identity as labels. */
function diagonalCrossEntropy(logits: tf.Tensor2D): tf.Scalar {
  const n = logits.shape[0];
  const logProbs = tf.logSoftmax(logits, -1);
  // The diagonal through a mask product rather than a gather: gather's gradient has no wasm kernel.
  const diagonal = tf.sum(tf.mul(logProbs, tf.eye(n)), -1);
  return tf.neg(tf.mean(diagonal)) as tf.Scalar;
}

/**
 * Symmetric contrastive loss of Eq. 11 over a batch of N matching pairs (z_i, t_i).
 * `z` and `t` are [N, D]; they are L2-normalised first unless `normalized` says they already are.
 * `scale` is 1/τ: a number (fixed temperature) or a scalar tensor (a learned one, see
 * `LearnedTemperature`), so the gradient reaches it.
 */
export function symmetricContrastiveLoss(
  z: tf.Tensor2D,
  t: tf.Tensor2D,
  scale: number | tf.Scalar,
  options: { normalized?: boolean } = {},
): ContrastiveTerms {
  if (z.rank !== 2 || t.rank !== 2) throw new Error(`symmetricContrastiveLoss: z and t must be [N, D], got [${z.shape}] and [${t.shape}]`);
  if (z.shape[0] !== t.shape[0] || z.shape[1] !== t.shape[1]) {
    throw new Error(`symmetricContrastiveLoss: z [${z.shape}] and t [${t.shape}] must have the same shape (N matching pairs)`);
  }
  if (z.shape[0] < 2) throw new Error('symmetricContrastiveLoss: a batch needs at least 2 pairs (N = 1 has no negatives)');
  const zn = options.normalized ? z : l2Normalize(z);
  const tn = options.normalized ? t : l2Normalize(t);
  const logits = tf.mul(similarity(zn, tn), scale) as tf.Tensor2D;
  const imageToText = diagonalCrossEntropy(logits);
  const textToImage = diagonalCrossEntropy(tf.transpose(logits));
  const loss = tf.mul(tf.add(imageToText, textToImage), 0.5) as tf.Scalar;
  return { loss, imageToText, textToImage, logits };
}

/**
 * A learned temperature kept as CLIP keeps it: `logScale = log(1/τ)`, clamped so 1/τ ≤ maxScale
 * (CLIP's 100). The value is recorded on every training step (metric `tau`).
 */
export class LearnedTemperature {
  readonly logScale: tf.Variable;
  readonly maxScale: number;

  constructor(initTau: number, maxScale = 100) {
    if (!(initTau > 0)) throw new Error(`LearnedTemperature: initTau must be > 0, got ${initTau}`);
    this.maxScale = maxScale;
    const init = tf.scalar(Math.log(1 / initTau));
    this.logScale = tf.variable(init, true);
    init.dispose(); // the variable holds its own reference to the data
  }

  /** 1/τ as a scalar tensor on the gradient tape. */
  scale(): tf.Scalar {
    return tf.exp(tf.minimum(this.logScale, Math.log(this.maxScale))) as tf.Scalar;
  }

  tau(): number {
    return this.tauOf(this.logScale.dataSync()[0] ?? 0);
  }

  /** tau() with an asynchronous read (every backend, WebGPU in Node included). */
  async readTau(): Promise<number> {
    return this.tauOf((await this.logScale.data())[0] ?? 0);
  }

  private tauOf(logScale: number): number {
    return 1 / Math.min(Math.exp(logScale), this.maxScale);
  }

  dispose(): void {
    this.logScale.dispose();
  }
}

/** 1 − cos(a_i, b_i), averaged over the batch: the distance of Eq. 8 (region) and Eq. 9 (global). */
export function cosineLoss(a: tf.Tensor2D, b: tf.Tensor2D): tf.Scalar {
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new Error(`cosineLoss: a [${a.shape}] and b [${b.shape}] must have the same shape`);
  }
  return tf.tidy(() => {
    const cos = tf.sum(tf.mul(l2Normalize(a), l2Normalize(b)), -1);
    return tf.mean(tf.sub(1, cos)) as tf.Scalar;
  });
}

/** Per-pair cosine similarity cos(a_i, b_i), [N]. */
export function pairCosine(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(l2Normalize(a), l2Normalize(b)), -1) as tf.Tensor1D);
}
