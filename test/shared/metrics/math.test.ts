// IS, PSNR/L1 and the table statistics against values worked out by hand.
import { describe, expect, it } from 'vitest';
import { inceptionScore, inceptionScoreFromProbabilities, softmaxRows } from '../../../shared/metrics/inception-score.js';
import { PSNR_CAP_DB, pixelErrors } from '../../../shared/metrics/pixels.js';
import { cosine, meanStd } from '../../../shared/metrics/stats.js';

describe('Inception Score', () => {
  it('K confident, evenly used classes give K; identical predictions give 1', () => {
    const oneHot = (k: number, K: number) => Array.from({ length: K }, (_, i) => (i === k ? 1 : 0));
    const probs = Array.from({ length: 8 }, (_, i) => oneHot(i % 4, 4));
    // one split: p(y) uniform over 4 classes, each KL = ln 4 → IS = 4
    expect(inceptionScoreFromProbabilities(probs, 1).mean).toBeCloseTo(4, 12);
    // two contiguous splits of 4 samples (classes 0–3 each): 4 ± 0
    const two = inceptionScoreFromProbabilities(probs, 2);
    expect(two.perSplit.map((v) => +v.toFixed(12))).toEqual([4, 4]);
    expect(two.std).toBe(0);
    expect(inceptionScoreFromProbabilities(Array.from({ length: 6 }, () => [0.2, 0.3, 0.5]), 3).mean).toBeCloseTo(1, 12);
  });

  it('two mirrored predictions: exp(0.8 ln 1.6 + 0.2 ln 0.4); splits use ⌊i·N/s⌋ boundaries and population std', () => {
    const kl = 0.8 * Math.log(1.6) + 0.2 * Math.log(0.4);
    expect(inceptionScoreFromProbabilities([[0.8, 0.2], [0.2, 0.8]], 1).mean).toBeCloseTo(Math.exp(kl), 12);
    // 5 samples, 2 splits → [0, 2) and [2, 5): the first split mirrored (IS e^kl), the second all alike (IS 1)
    const s = inceptionScoreFromProbabilities([[0.8, 0.2], [0.2, 0.8], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]], 2);
    expect(s.perSplit[0]).toBeCloseTo(Math.exp(kl), 12);
    expect(s.perSplit[1]).toBeCloseTo(1, 12);
    expect(s.std).toBeCloseTo(Math.abs(Math.exp(kl) - 1) / 2, 12);
    expect(() => inceptionScoreFromProbabilities([[1]], 2)).toThrow(/1 samples cannot be cut into 2 splits/);
  });

  it('from logits: softmax in float64 (shift-invariant), then the same score', () => {
    const logits = [[Math.log(0.8), Math.log(0.2)], [1000 + Math.log(0.2), 1000 + Math.log(0.8)]];
    expect(Array.from(softmaxRows(logits)[1]!)).toEqual([expect.closeTo(0.2, 12), expect.closeTo(0.8, 12)]);
    expect(inceptionScore(logits, 1).mean).toBeCloseTo(Math.exp(0.8 * Math.log(1.6) + 0.2 * Math.log(0.4)), 10);
  });
});

describe('pixel errors against ground truth', () => {
  const img = (w: number, h: number, f: (i: number) => number) => ({ width: w, height: h, data: Uint8Array.from({ length: w * h * 3 }, (_, i) => f(i)) });

  it('inside / outside / full over a 4×4 image with the edit region off by 10 levels', () => {
    const target = img(4, 4, (i) => (i * 7) % 200);
    const mask = new Uint8Array(16);
    for (const p of [5, 6, 9, 10]) mask[p] = 255;
    const edited = img(4, 4, (i) => target.data[i]! + (mask[Math.floor(i / 3)] ? 10 : 0));
    const inside = pixelErrors(edited, target, mask, 'inside')!;
    expect(inside.pixels).toBe(4);
    expect(inside.l1).toBeCloseTo(10 / 255, 12);
    expect(inside.psnr).toBeCloseTo(-10 * Math.log10((10 / 255) ** 2), 10);
    const outside = pixelErrors(edited, target, mask, 'outside')!;
    expect([outside.l1, outside.psnr, outside.pixels]).toEqual([0, PSNR_CAP_DB, 12]);
    const full = pixelErrors(edited, target, null, 'full')!;
    expect(full.l1).toBeCloseTo((4 / 16) * (10 / 255), 12);
    expect(full.l2).toBeCloseTo((4 / 16) * (10 / 255) ** 2, 12);
    expect(pixelErrors(edited, target, new Uint8Array(16), 'inside')).toBeNull();
    expect(() => pixelErrors(img(2, 2, () => 0), target, null, 'full')).toThrow(/differ/);
  });
});

describe('statistics', () => {
  it('cosine, and mean ± sample std over the values that exist', () => {
    expect(cosine([1, 0], [1, 1])).toBeCloseTo(Math.SQRT1_2, 14);
    expect(cosine([1, 2, 3], [-2, -4, -6])).toBeCloseTo(-1, 14);
    expect(meanStd([1, 2, 3, null, NaN])).toEqual({ mean: 2, std: 1, n: 3 });
    expect(meanStd([1, 3], 0)).toEqual({ mean: 2, std: 1, n: 2 });
    expect(meanStd([]).n).toBe(0);
  });
});
