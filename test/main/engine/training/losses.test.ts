import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cosineLoss, LearnedTemperature, symmetricContrastiveLoss } from '../../../../main/engine/training/losses.js';
import { chanceRecallAt1, retrievalRecall } from '../../../../main/engine/training/retrieval.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const log1pexp = (x: number) => Math.log(1 + Math.exp(x));

describe('symmetricContrastiveLoss (Eq. 11)', () => {
  it('matches the hand-computed value on an orthonormal batch', () => {
    // logits = I / τ with τ = 1: each direction is −log(e / (e + 1)) = log(1 + e^-1).
    const z = tf.tensor2d([[1, 0], [0, 1]]);
    const { loss, imageToText, textToImage } = symmetricContrastiveLoss(z, z, 1);
    expect(loss.dataSync()[0]).toBeCloseTo(log1pexp(-1), 6);
    expect(imageToText.dataSync()[0]).toBeCloseTo(log1pexp(-1), 6);
    expect(textToImage.dataSync()[0]).toBeCloseTo(log1pexp(-1), 6);
  });

  it('matches the hand-computed value on an asymmetric batch (τ = 0.5)', () => {
    // z·tᵀ = [[0.6, 0], [0.8, 1]], /τ = [[1.2, 0], [1.6, 2]].
    // image→text rows: log(1+e^-1.2), log(1+e^-0.4); text→image columns: log(1+e^0.4), log(1+e^-2).
    const z = tf.tensor2d([[1, 0], [0, 1]]);
    const t = tf.tensor2d([[0.6, 0.8], [0, 1]]);
    const terms = symmetricContrastiveLoss(z, t, 1 / 0.5);
    const i2t = (log1pexp(-1.2) + log1pexp(-0.4)) / 2;
    const t2i = (log1pexp(0.4) + log1pexp(-2)) / 2;
    expect(terms.imageToText.dataSync()[0]).toBeCloseTo(i2t, 5);
    expect(terms.textToImage.dataSync()[0]).toBeCloseTo(t2i, 5);
    expect(terms.loss.dataSync()[0]).toBeCloseTo((i2t + t2i) / 2, 5);
    expect(Array.from(terms.logits.dataSync())).toEqual([1.2, 0, 1.6, 2].map((v) => expect.closeTo(v, 5)));
  });

  it('normalises unnormalised embeddings first (scale-invariant)', () => {
    const z = tf.tensor2d([[3, 0], [0, 0.5]]);
    const t = tf.tensor2d([[6, 8], [0, 2]]);
    const a = symmetricContrastiveLoss(z, t, 2).loss.dataSync()[0];
    const b = symmetricContrastiveLoss(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[0.6, 0.8], [0, 1]]), 2).loss.dataSync()[0];
    expect(a).toBeCloseTo(b!, 6);
  });

  it('rejects mismatched or single-pair batches with a clear error', () => {
    expect(() => symmetricContrastiveLoss(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([3, 3]) as tf.Tensor2D, 1)).toThrow(/same shape/);
    expect(() => symmetricContrastiveLoss(tf.ones([1, 3]) as tf.Tensor2D, tf.ones([1, 3]) as tf.Tensor2D, 1)).toThrow(/at least 2/);
  });

  it('learns the temperature: the gradient on log(1/τ) matches a finite difference', () => {
    const temperature = new LearnedTemperature(0.07);
    expect(temperature.tau()).toBeCloseTo(0.07, 6);
    const z = tf.tensor2d([[1, 0.2], [0.1, 1], [0.5, 0.5]]);
    const t = tf.tensor2d([[0.9, 0.1], [0.3, 1], [0.2, 0.6]]);
    const f = () => symmetricContrastiveLoss(z, t, temperature.scale()).loss;
    const { grads } = tf.variableGrads(f, [temperature.logScale]);
    const analytic = grads[temperature.logScale.name]!.dataSync()[0]!;
    const h = 1e-3;
    const at = (v: number) => {
      temperature.logScale.assign(tf.scalar(v));
      return f().dataSync()[0]!;
    };
    const base = Math.log(1 / 0.07);
    const numeric = (at(base + h) - at(base - h)) / (2 * h);
    expect(Math.abs(analytic - numeric)).toBeLessThan(1e-3 * Math.max(1, Math.abs(numeric)));
    // The clamp: 1/τ never exceeds maxScale (CLIP's 100).
    temperature.logScale.assign(tf.scalar(10));
    expect(temperature.tau()).toBeCloseTo(0.01, 6);
    temperature.dispose();
  });
});

describe('cosineLoss (Eq. 8, 9)', () => {
  it('is 1 − cos averaged over the batch', () => {
    const a = tf.tensor2d([[1, 0], [0, 2]]);
    const b = tf.tensor2d([[1, 1], [0, 5]]);
    expect(cosineLoss(a, b).dataSync()[0]).toBeCloseTo((1 - Math.SQRT1_2 + 0) / 2, 6);
    expect(cosineLoss(a, tf.neg(a) as tf.Tensor2D).dataSync()[0]).toBeCloseTo(2, 6);
  });
});

describe('retrievalRecall', () => {
  it('counts ranks of the matching pair in both directions', () => {
    // 3×3: image 0 → text 0 (hit), image 1 → text 0 (miss, rank 1), image 2 → text 2 (hit).
    const sim = [0.9, 0.1, 0.0, 0.8, 0.5, 0.1, 0.0, 0.2, 0.7];
    const r = retrievalRecall(sim, 3);
    expect(r.imageToText.r1).toBeCloseTo(2 / 3);
    // text → image columns: col0 [0.9,0.8,0] hit, col1 [0.1,0.5,0.2] hit, col2 [0,0.1,0.7] hit.
    expect(r.textToImage.r1).toBe(1);
    expect(r.imageToText.r5).toBe(1);
  });

  it('scores a collapsed embedding (all ties) at zero, not chance', () => {
    expect(retrievalRecall(new Array(16).fill(0.3), 4).r1).toBe(0);
  });

  it('treats equal texts as interchangeable matches', () => {
    // Pairs 0 and 1 share the text "red circle": image 0 picking text 1 is a hit.
    const sim = [0.1, 0.9, 0.0, 0.0, 0.8, 0.1, 0.0, 0.0, 0.5];
    expect(retrievalRecall(sim, 3).imageToText.r1).toBeCloseTo(2 / 3);
    expect(retrievalRecall(sim, 3, ['red circle', 'red circle', 'blue square']).imageToText.r1).toBe(1);
    expect(chanceRecallAt1(3, ['a', 'a', 'b'])).toBeCloseTo((2 / 3 + 2 / 3 + 1 / 3) / 3);
  });
});
