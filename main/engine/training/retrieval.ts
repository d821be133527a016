// Retrieval recall@k: the validation measure of both embedding trainers (Sec. 3.2.1).
// For each query, its match's rank among all candidates. Ties count against the match, so a
// collapsed embedding (every score equal) scores 0 rather than a lucky 1. Datasets repeat texts
// ("a red circle" in many scenes), so candidates may carry a group key (the text itself): any
// candidate of the query's own group is a hit, and only other groups compete.

export interface RetrievalRecall {
  /** image → text: each image (row) retrieves its text among all texts. */
  imageToText: { r1: number; r5: number };
  /** text → image: each text (column) retrieves its image. */
  textToImage: { r1: number; r5: number };
  /** The mean of the two directions' recall@1 / recall@5. */
  r1: number;
  r5: number;
  n: number;
}

/** Rank (0 = best) of query `i`'s group: how many other-group candidates score ≥ its best same-group one. */
function rankOf(scores: ArrayLike<number>, i: number, groups: ArrayLike<string | number>): number {
  let best = -Infinity;
  for (let j = 0; j < scores.length; j++) if (groups[j] === groups[i]) best = Math.max(best, scores[j] ?? -Infinity);
  let rank = 0;
  for (let j = 0; j < scores.length; j++) if (groups[j] !== groups[i] && (scores[j] ?? -Infinity) >= best) rank++;
  return rank;
}

/**
 * `similarity` is row-major [n, n]: row i = image i against every text. `groups[i]` (optional) names
 * pair i's text; pairs with equal keys are interchangeable matches.
 */
export function retrievalRecall(similarity: ArrayLike<number>, n: number, groups?: ArrayLike<string | number>): RetrievalRecall {
  if (n === 0) throw new Error('retrievalRecall: no validation pairs');
  if (similarity.length !== n * n) throw new Error(`retrievalRecall: expected ${n}×${n} scores, got ${similarity.length}`);
  if (groups && groups.length !== n) throw new Error(`retrievalRecall: ${groups.length} group keys for ${n} pairs`);
  const keys = groups ?? Array.from({ length: n }, (_, i) => i);
  let i2t1 = 0, i2t5 = 0, t2i1 = 0, t2i5 = 0;
  const row = new Float32Array(n);
  const column = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      row[j] = similarity[i * n + j] ?? Number.NaN;
      column[j] = similarity[j * n + i] ?? Number.NaN;
    }
    const r = rankOf(row, i, keys);
    if (r < 1) i2t1++;
    if (r < 5) i2t5++;
    const c = rankOf(column, i, keys);
    if (c < 1) t2i1++;
    if (c < 5) t2i5++;
  }
  const imageToText = { r1: i2t1 / n, r5: i2t5 / n };
  const textToImage = { r1: t2i1 / n, r5: t2i5 / n };
  return { imageToText, textToImage, r1: (imageToText.r1 + textToImage.r1) / 2, r5: (imageToText.r5 + textToImage.r5) / 2, n };
}

/**
 * Expected recall@1 of a random ranking: query i hits when the first of n shuffled candidates is one
 * of its m_i group members, probability m_i / n. The chance level the tests compare with.
 */
export function chanceRecallAt1(n: number, groups?: ArrayLike<string | number>): number {
  if (!groups) return 1 / n;
  const counts = new Map<string | number, number>();
  for (let i = 0; i < n; i++) counts.set(groups[i] as string | number, (counts.get(groups[i] as string | number) ?? 0) + 1);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (counts.get(groups[i] as string | number) ?? 1) / n;
  return sum / n;
}
