// The denoising term's target per prediction type: ε for epsilon (InstructPix2Pix), the velocity
// √ᾱ ε − √(1−ᾱ) z0 for v_prediction (the tiny pixel-space editor). A model output equal to the target
// gives zero loss, x̂0 recovered from that output is z0 (what the region and global terms decode), and a
// type the trainer cannot regress on is refused by name.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../../main/engine/backend.js';
import { PixelSpace } from '../../../../../main/engine/models/vae/pixel-space.js';
import { addNoise, alphasCumprodOf, makeBetas, predictOriginal, velocity } from '../../../../../main/engine/schedulers/index.js';
import { lossFromPrediction, type EditorSchedule, type StepBatch } from '../../../../../main/engine/training/editor/step.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

const ab = alphasCumprodOf(makeBetas({ num_train_timesteps: 1000, beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02, trained_betas: null }));
const towers = { regionClip: null, blip: null, clipNorm: { mean: [0, 0, 0], std: [1, 1, 1], scale: 1 }, blipNorm: { mean: [0, 0, 0], std: [1, 1, 1], scale: 1 } } as const;
const weights = { denoise: 1, region: 0, global: 0, fusion: true, normalizer: 3 };

function batchOf(): StepBatch {
  const z0 = tf.randomUniform([3, 3, 8, 8], -1, 1, 'float32', 1);
  return { sourceLatents: tf.zerosLike(z0), targetLatents: z0, noise: tf.randomNormal([3, 3, 8, 8], 0, 1, 'float32', 2), timesteps: [5, 500, 999], textStates: tf.zeros([3, 4, 8]), boxes: [null, null, null], regionText: null, sceneText: null, gate: [1, 1, 1] };
}

async function denoise(schedule: EditorSchedule, batch: StepBatch, output: tf.Tensor): Promise<number[]> {
  const noisy = addNoise(ab, batch.targetLatents, batch.noise, batch.timesteps);
  const l = lossFromPrediction(new PixelSpace(), towers, schedule, batch, weights, noisy, output);
  const each = Array.from(await l.denoiseEach.data());
  tf.dispose([noisy, l.total, l.denoiseEach]);
  return each;
}

describe('the editor denoising target', () => {
  it('epsilon: ε itself; the velocity is not it (at t = 999, where the two differ most)', async () => {
    const b = batchOf();
    const schedule: EditorSchedule = { alphasCumprod: ab, predictionType: 'epsilon' };
    expect(Math.max(...(await denoise(schedule, b, b.noise)))).toBe(0);
    const v = velocity(ab, b.targetLatents, b.noise, b.timesteps);
    expect((await denoise(schedule, b, v))[2]!).toBeGreaterThan(0.1);
  });

  it('v_prediction: the velocity gives zero loss, ε does not, and x̂0 from it is z0', async () => {
    const b = batchOf();
    const schedule: EditorSchedule = { alphasCumprod: ab, predictionType: 'v_prediction' };
    const v = velocity(ab, b.targetLatents, b.noise, b.timesteps);
    for (const x of await denoise(schedule, b, v)) expect(x).toBeLessThan(1e-10);
    // at t = 5 the velocity is almost ε (√ᾱ ≈ 1), at t = 999 almost −z0: regressing on ε is wrong at high t
    const withNoise = await denoise(schedule, b, b.noise);
    expect(withNoise[2]!).toBeGreaterThan(0.1);
    expect(withNoise[0]!).toBeLessThan(withNoise[2]!);
    const noisy = addNoise(ab, b.targetLatents, b.noise, b.timesteps);
    const x0 = predictOriginal(ab, 'v_prediction', noisy, v, b.timesteps);
    const err = (await tf.max(tf.abs(tf.sub(x0, b.targetLatents))).data())[0]!;
    expect(err).toBeLessThan(1e-4);
  });

  it('sample prediction is refused by name', () => {
    const b = batchOf();
    expect(() => lossFromPrediction(new PixelSpace(), towers, { alphasCumprod: ab, predictionType: 'sample' }, b, weights, b.targetLatents, b.targetLatents)).toThrow(/prediction_type sample is not supported/);
  });
});
