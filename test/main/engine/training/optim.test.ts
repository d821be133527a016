import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, clipGradNorm, epochOrder, learningRateAt } from '../../../../main/engine/training/optim.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('AdamW', () => {
  it('takes the hand-computed first step: p·(1 − lr·wd) − lr·m̂/(√v̂ + eps) with m̂/√v̂ = sign(g)', () => {
    const p = tf.variable(tf.tensor2d([[1, -2]]));
    const opt = new AdamW([p], { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    opt.apply({ [p.name]: tf.tensor2d([[0.5, -3]]) }, 0.1);
    expect(Array.from(p.dataSync())).toEqual([expect.closeTo(1 * 0.999 - 0.1, 6), expect.closeTo(-2 * 0.999 + 0.1, 6)]);
  });

  it('matches torch.optim.AdamW over three steps (matrix decayed, bias not)', () => {
    const p = tf.variable(tf.tensor2d([[1, -2], [0.5, 0]]));
    const b = tf.variable(tf.tensor1d([0.3, -0.1]));
    const opt = new AdamW([p, b], { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    const grads: [number[][], number[]][] = [
      [[[0.5, -1], [0.25, 2]], [1, -0.5]],
      [[[0.1, 0.2], [-0.3, 0.4]], [0, 0.5]],
      [[[-0.5, 0.5], [1, -1]], [2, 1]],
    ];
    for (const [gp, gb] of grads) opt.apply({ [p.name]: tf.tensor2d(gp), [b.name]: tf.tensor1d(gb) }, 0.1);
    // Reference: torch 1.13.1, AdamW(lr=0.1, eps=1e-8, weight_decay=0.01; bias group weight_decay=0).
    const torchP = [0.8174266815185547, -1.8358368873596191, 0.3574879765510559, -0.20760545134544373];
    const torchB = [0.05270034074783325, -0.05978287011384964];
    Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(torchP[i]!, 5));
    Array.from(b.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(torchB[i]!, 5));
    expect(opt.step).toBe(3);
  });
});

describe('clipGradNorm', () => {
  it('returns the global norm and scales down to maxNorm', () => {
    const grads: Record<string, tf.Tensor> = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    expect(clipGradNorm(grads, 1)).toBeCloseTo(5, 6);
    expect(grads.a!.dataSync()[0]).toBeCloseTo(0.6, 5);
    expect(grads.b!.dataSync()[1]).toBeCloseTo(0.8, 5);
    expect(clipGradNorm(grads, 10)).toBeCloseTo(1, 4);
    expect(grads.a!.dataSync()[0]).toBeCloseTo(0.6, 5);
  });
});

describe('learning-rate schedule', () => {
  it('warms up linearly, then follows a half cosine to the floor', () => {
    const s = { lr: 1e-4, warmupSteps: 10, totalSteps: 110, minLrRatio: 0.1 };
    expect(learningRateAt(s, 0)).toBeCloseTo(1e-5, 12);
    expect(learningRateAt(s, 9)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(s, 10)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(s, 60)).toBeCloseTo(1e-5 + 0.5 * 9e-5, 12);
    expect(learningRateAt(s, 110)).toBeCloseTo(1e-5, 12);
  });
});

describe('epochOrder', () => {
  it('is a permutation, the same for the same (seed, epoch), different across epochs', () => {
    const a = epochOrder(50, 1, 0);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(epochOrder(50, 1, 0)).toEqual(a);
    expect(epochOrder(50, 1, 1)).not.toEqual(a);
    expect(epochOrder(50, 2, 0)).not.toEqual(a);
  });
});
