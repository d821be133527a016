// The contrastive loop's guarantees, on tiny Region-CLIP and BLIP models and a few ShapesEdit pairs:
// micro-batches give the full batch's gradient, a resumed run continues the same loss curve,
// checkpoints load back (fromPretrained) to identical outputs, and the tensor count stays flat.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegionClip } from '../../../../main/engine/models/fusion/region-clip.js';
import { BlipForImageTextRetrieval } from '../../../../main/engine/models/blip/index.js';
import { fromPretrained } from '../../../../main/engine/models/registry.js';
import {
  blipPreset,
  mergeConfig,
  parseBlipTrainingConfig,
  parseRegionClipConfig,
  cropRegion,
  regionBatch,
  CLIP_NORMALIZATION,
  readTrainerState,
  regionClipPreset,
  trainBlip,
  trainRegionClip,
} from '../../../../main/engine/training/index.js';
import { shapesPairs } from './shapes-pairs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-trainer-'));
beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const { region, scene } = shapesPairs(48, 3);
const small = { batch_size: 16, eval_batch_size: 64, keep_checkpoints: 0 };

function regionConfig(over: Record<string, unknown>) {
  return parseRegionClipConfig(mergeConfig(mergeConfig(regionClipPreset('tiny'), small), over));
}

describe('Region-CLIP trainer mechanics', () => {
  it('micro-batches (gradient caching) follow the full-batch loss curve in both phases', async () => {
    const phases = [
      { name: 'fusion', epochs: 1, lr: 3e-3 },
      { name: 'joint', epochs: 1, lr: 1e-3 },
    ];
    const full = await trainRegionClip({ config: regionConfig({ phases, checkpoint_every_epochs: 10 }), pairs: region, outputDir: path.join(tmp, 'full') });
    const micro = await trainRegionClip({ config: regionConfig({ phases, micro_batch_size: 5, checkpoint_every_epochs: 10 }), pairs: region, outputDir: path.join(tmp, 'micro') });
    console.log('full-batch losses ', full.losses.map((l) => l.toFixed(6)).join(' '));
    console.log('micro-batch losses', micro.losses.map((l) => l.toFixed(6)).join(' '));
    expect(micro.losses).toHaveLength(full.losses.length);
    expect(full.losses.length).toBeGreaterThanOrEqual(4);
    micro.losses.forEach((l, i) => expect(Math.abs(l - full.losses[i]!), `step ${i + 1}`).toBeLessThan(2e-4));
  });

  it('resumes from a checkpoint on the same loss curve, and keeps the tensor count flat', async () => {
    // 43 training pairs in batches of 16: 2 steps an epoch (the last 11 pairs are left out each epoch).
    const phases = [
      { name: 'fusion', epochs: 2, lr: 3e-3 },
      { name: 'joint', epochs: 2, lr: 1e-3 },
    ];
    const counts: [number, number][] = [];
    const atStart = tf.memory().numTensors;
    const straight = await trainRegionClip({
      config: regionConfig({ phases, checkpoint_every_steps: 2, micro_batch_size: 8 }),
      pairs: region,
      outputDir: path.join(tmp, 'straight'),
      callbacks: { onMetrics: (_step, v) => void (v.loss !== undefined && counts.push([v.phase!, tf.memory().numTensors])) },
    });
    // Tensor count: the same after every step of a phase (the first step of each phase creates the moments).
    for (const phase of [0, 1]) {
      const inPhase = counts.filter(([p]) => p === phase).map(([, n]) => n);
      expect(inPhase.length).toBeGreaterThanOrEqual(3);
      expect(new Set(inPhase.slice(1)).size, `phase ${phase} numTensors per step: ${inPhase.join(', ')}`).toBe(1);
    }

    expect(tf.memory().numTensors, 'tensors left after a whole run').toBe(atStart);
    const ckpt = path.join(tmp, 'straight', 'checkpoint-000002');
    // Step 2 ends the first epoch: the epoch-end checkpoint of that step says "next: epoch 2, batch 1".
    expect(readTrainerState(ckpt)).toMatchObject({ step: 2, phaseIndex: 0, epoch: 1, batch: 0 });
    const beforeResume = tf.memory().numTensors;
    const resumed = await trainRegionClip({ config: regionConfig({ phases, micro_batch_size: 8 }), pairs: region, outputDir: path.join(tmp, 'resumed'), resumeFrom: ckpt });
    expect(tf.memory().numTensors, 'tensors left after a resumed run').toBe(beforeResume);
    console.log('straight', straight.losses.map((l) => l.toFixed(6)).join(' '));
    console.log('resumed ', resumed.losses.map((l) => l.toFixed(6)).join(' '));
    expect(resumed.losses).toHaveLength(straight.losses.length);
    resumed.losses.forEach((l, i) => expect(Math.abs(l - straight.losses[i]!), `step ${i + 1}`).toBeLessThan(1e-5));
    expect(resumed.validation!.val_r1).toBeCloseTo(straight.validation!.val_r1!, 5);
  });

  it('writes checkpoints that load back (fromPretrained) to identical outputs', async () => {
    const out = path.join(tmp, 'ckpt');
    let saved: string | null = null;
    const r = await trainRegionClip({ config: regionConfig({ max_steps: 2 }), pairs: region, outputDir: out, callbacks: { onCheckpoint: (c) => void (saved = c.dir) } });
    expect(saved).toBe(r.finalCheckpoint);
    const dir = r.finalCheckpoint!;
    for (const f of ['clip/config.json', 'clip/model.safetensors', 'clip/tokenizer.json', 'fusion/config.json', 'fusion/model.safetensors', 'optimizer.safetensors', 'trainer_state.json']) {
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    }
    const a = await RegionClip.load(dir);
    const again = path.join(tmp, 'ckpt-again');
    await a.save(again);
    const b = await RegionClip.load(again);
    const pair = region[0]!;
    const img = pair.target as { width: number; height: number; data: Uint8Array };
    const crop = regionBatch([cropRegion(img, pair.box)], 32, CLIP_NORMALIZATION);
    const whole = regionBatch([img], 32, CLIP_NORMALIZATION);
    expect(Array.from(b.regionEmbedding(crop, whole).dataSync())).toEqual(Array.from(a.regionEmbedding(crop, whole).dataSync()));
    a.dispose();
    b.dispose();
  });
});

describe('BLIP trainer mechanics', () => {
  it('checkpoints a BlipForImageTextRetrieval folder that fromPretrained loads and resumes from', async () => {
    const config = parseBlipTrainingConfig(mergeConfig(mergeConfig(blipPreset('tiny'), small), { phases: [{ name: 'blip', epochs: 2, lr: 2e-3 }], checkpoint_every_steps: 2, micro_batch_size: 6 }));
    const straight = await trainBlip({ config, pairs: scene, outputDir: path.join(tmp, 'blip') });
    const ckpt = path.join(tmp, 'blip', 'checkpoint-000002');
    const model = await fromPretrained<BlipForImageTextRetrieval>(ckpt, { strict: true });
    expect(model.config.text_config.vocab_size).toBeGreaterThan(10);
    model.dispose();
    const resumed = await trainBlip({ config, pairs: scene, outputDir: path.join(tmp, 'blip-resumed'), resumeFrom: ckpt });
    console.log('BLIP straight', straight.losses.map((l) => l.toFixed(6)).join(' '));
    console.log('BLIP resumed ', resumed.losses.map((l) => l.toFixed(6)).join(' '));
    resumed.losses.forEach((l, i) => expect(Math.abs(l - straight.losses[i]!), `step ${i + 1}`).toBeLessThan(1e-5));
  });
});
