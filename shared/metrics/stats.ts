// Small statistics the metrics and the tables share: cosine similarity, mean ± std, in float64.

/** Cosine similarity of two vectors (scipy's 1 − spatial.distance.cosine). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`cosine: vectors of ${a.length} and ${b.length} values`);
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 || nb === 0) return NaN;
  return dot / Math.sqrt(na * nb);
}

export interface MeanStd {
  mean: number;
  /** sample standard deviation (n − 1) unless said otherwise; 0 for one value */
  std: number;
  n: number;
}

/**
 * Mean and standard deviation of the finite values (NaN / null — a sample a metric could not score,
 * e.g. "inside" for an empty mask — are left out and not counted). `ddof` 1 (sample, the default:
 * seeds of one configuration) or 0 (population, as numpy's np.std and the IS splits use).
 */
export function meanStd(values: readonly (number | null | undefined)[], ddof: 0 | 1 = 1): MeanStd {
  const xs = values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  const std = n - ddof > 0 ? Math.sqrt(ss / (n - ddof)) : 0;
  return { mean, std, n };
}
