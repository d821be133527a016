// The Inception Score (Salimans et al. 2016): exp(E_x KL(p(y|x) ‖ p(y))), computed per split of the
// samples and reported as mean ± std over the splits — the original code's convention: contiguous
// splits with boundaries ⌊i·N/splits⌋ (no sample dropped), softmax of the logits, population std.
// Float64 throughout.

export interface InceptionScore {
  mean: number;
  /** population std over the splits (np.std) */
  std: number;
  perSplit: number[];
  n: number;
  splits: number;
}

/** Softmax of each logit row in float64 (max-shifted). */
export function softmaxRows(logits: readonly ArrayLike<number>[]): Float64Array[] {
  return logits.map((row) => {
    let max = -Infinity;
    for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!);
    const p = new Float64Array(row.length);
    let sum = 0;
    for (let i = 0; i < row.length; i++) sum += p[i] = Math.exp(row[i]! - max);
    for (let i = 0; i < row.length; i++) p[i]! /= sum;
    return p;
  });
}

/** IS from class probabilities p(y|x), one row per sample. */
export function inceptionScoreFromProbabilities(probs: readonly ArrayLike<number>[], splits: number): InceptionScore {
  const n = probs.length;
  if (!(Number.isInteger(splits) && splits >= 1)) throw new Error(`inception score: splits must be a positive integer, got ${splits}`);
  if (n < splits) throw new Error(`inception score: ${n} samples cannot be cut into ${splits} splits`);
  const k = probs[0]!.length;
  if (probs.some((p) => p.length !== k)) throw new Error('inception score: every row needs the same number of classes');
  const perSplit: number[] = [];
  for (let s = 0; s < splits; s++) {
    const lo = Math.floor((s * n) / splits);
    const hi = Math.floor(((s + 1) * n) / splits);
    const py = new Float64Array(k);
    for (let i = lo; i < hi; i++) for (let c = 0; c < k; c++) py[c]! += probs[i]![c]!;
    for (let c = 0; c < k; c++) py[c]! /= hi - lo;
    let kl = 0;
    for (let i = lo; i < hi; i++) {
      const p = probs[i]!;
      // 0 · log 0 = 0: a class with p = 0 adds nothing.
      for (let c = 0; c < k; c++) if (p[c]! > 0) kl += p[c]! * (Math.log(p[c]!) - Math.log(py[c]!));
    }
    perSplit.push(Math.exp(kl / (hi - lo)));
  }
  const mean = perSplit.reduce((a, b) => a + b, 0) / splits;
  const std = Math.sqrt(perSplit.reduce((a, b) => a + (b - mean) ** 2, 0) / splits);
  return { mean, std, perSplit, n, splits };
}

/** IS from Inception logits (softmax first). */
export function inceptionScore(logits: readonly ArrayLike<number>[], splits: number): InceptionScore {
  return inceptionScoreFromProbabilities(softmaxRows(logits), splits);
}
