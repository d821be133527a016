// Numbers that do not mislead (issue 12): every step's contrastive loss is over a full batch (the
// last, smaller batch of an epoch is left out, CLIP's drop_last — no dip at each epoch's end), each
// epoch reports its mean loss, a split smaller than one batch still trains (all of it every step),
// and the best checkpoint by validation recall stays whatever keep_checkpoints says.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { batchesOf, blipPreset, mergeConfig, parseBlipTrainingConfig, readTrainerState, splitPairs, trainBlip, type CheckpointInfo } from '../../../../main/engine/training/index.js';
import { shapesPairs } from './shapes-pairs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-honest-'));
beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const { scene } = shapesPairs(48, 3);
const config = (over: Record<string, unknown>) => parseBlipTrainingConfig(mergeConfig(mergeConfig(blipPreset('tiny'), { eval_batch_size: 64, keep_checkpoints: 0 }), over));

it('an epoch is full batches only: the remainder is left out, not trained as a tiny batch', () => {
  expect(batchesOf([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
  expect(batchesOf([0, 1, 2, 3], 4)).toEqual([[0, 1, 2, 3]]);
});

it('every step sees batch_size pairs, and each epoch reports the mean of its steps', async () => {
  const train = splitPairs(scene, 0.1, 0).train.length;
  const batch = 10;
  expect(train % batch).toBeGreaterThan(0); // a remainder that the old loop trained as its own batch
  const steps: { loss: number; pairs: number }[] = [];
  const epochLoss: number[] = [];
  const logs: string[] = [];
  const r = await trainBlip({
    config: config({ batch_size: batch, micro_batch_size: 5, phases: [{ name: 'blip', epochs: 2, lr: 2e-3 }] }),
    pairs: scene,
    outputDir: path.join(tmp, 'full'),
    callbacks: {
      onMetrics: (_s, v) => {
        if (v.loss !== undefined) steps.push({ loss: v.loss, pairs: Math.round((v.samples_per_s! * v.step_time_ms!) / 1000) });
        if (v.epoch_loss !== undefined) epochLoss.push(v.epoch_loss);
      },
      onLog: (_l, m) => logs.push(m),
    },
  });
  const perEpoch = Math.floor(train / batch);
  expect(steps).toHaveLength(2 * perEpoch);
  expect(steps.map((s) => s.pairs)).toEqual(steps.map(() => batch));
  expect(logs).toContain(`each epoch leaves out ${train % batch} of ${train} training pairs (the last, smaller batch; the order is reshuffled every epoch)`);
  expect(epochLoss).toHaveLength(2);
  for (let e = 0; e < 2; e++) {
    const mine = steps.slice(e * perEpoch, (e + 1) * perEpoch).map((s) => s.loss);
    expect(epochLoss[e]).toBeCloseTo(mine.reduce((a, b) => a + b, 0) / mine.length, 6);
  }
  // No step is a near-zero remainder: with 10 pairs a batch, chance-level loss is ln 10 ≈ 2.3.
  expect(Math.min(...steps.map((s) => s.loss))).toBeGreaterThan(0.5);
  expect(r.losses).toHaveLength(steps.length);
});

it('a training split smaller than one batch trains on all of it every step, and says so', async () => {
  const few = scene.slice(0, 9).map((p, i) => ({ ...p, split: i < 2 ? ('val' as const) : ('train' as const) }));
  const logs: string[] = [];
  const r = await trainBlip({ config: config({ batch_size: 32, phases: [{ name: 'blip', epochs: 3, lr: 2e-3 }] }), pairs: few, outputDir: path.join(tmp, 'few'), callbacks: { onLog: (_l, m) => logs.push(m) } });
  expect(r.losses).toHaveLength(3);
  expect(logs).toContain('only 7 training pairs, fewer than batch_size 32: every step uses all 7 (the loss has 6 negatives per pair, not 31)');
});

it('keeps the best checkpoint by validation recall@1 whatever keep_checkpoints says', async () => {
  const out = path.join(tmp, 'best');
  const seen: CheckpointInfo[] = [];
  // Learning, then a phase whose learning rate is too small to change a float32 weight: its
  // checkpoints are newer with the same recall, so the best stays an older one (ties keep the first).
  const r = await trainBlip({
    config: config({ batch_size: 14, keep_checkpoints: 1, phases: [{ name: 'learn', epochs: 3, lr: 2e-3 }, { name: 'still', epochs: 2, lr: 1e-12 }] }),
    pairs: scene,
    outputDir: out,
    callbacks: { onCheckpoint: (c) => void seen.push(c) },
  });
  expect(seen).toHaveLength(5);
  const scores = seen.map((c) => c.validationScore!);
  expect(scores.every((s) => typeof s === 'number')).toBe(true);
  const bestScore = Math.max(...scores);
  const best = seen[scores.indexOf(bestScore)]!;
  expect(best.step).toBeLessThan(seen.at(-1)!.step);
  expect(r.bestCheckpoint).toBe(best.dir);
  // Left: the newest (keep_checkpoints: 1) and the best.
  expect(fs.readdirSync(out).filter((n) => n.startsWith('checkpoint-')).sort()).toEqual([path.basename(best.dir), path.basename(seen.at(-1)!.dir)].sort());
  expect(seen.filter((c) => c.best).at(-1)!.dir).toBe(best.dir);
  expect(readTrainerState(seen.at(-1)!.dir).best).toEqual({ step: best.step, score: bestScore });
});
