// The trainers with gradient checkpointing (layers/checkpoint.ts) on and off: the same loss curve
// (the gradients are identical, so every step is), in Region-CLIP's joint phase — CLIP's encoders
// recomputed in the backward — and in BLIP fine-tuning, with micro-batches (gradient caching) and a
// flat tensor count; `auto` turns it on with wasm only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blipPreset, checkpointingFor, mergeConfig, parseBlipTrainingConfig, parseRegionClipConfig, regionClipPreset, trainBlip, trainRegionClip } from '../../../../main/engine/training/index.js';
import { checkpointedMicroBatch, tapeBytesPerImage } from '../../../../main/engine/training/memory.js';
import { shapesPairs } from './shapes-pairs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-ckpt-'));
beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const { region, scene } = shapesPairs(24, 5);
const short = { batch_size: 8, micro_batch_size: 3, eval_batch_size: 64, keep_checkpoints: 1, checkpoint_every_epochs: 10 };

function expectSameCurve(on: number[], off: number[]) {
  expect(on.length).toBeGreaterThanOrEqual(2);
  expect(on).toHaveLength(off.length);
  on.forEach((l, i) => expect(Math.abs(l - off[i]!), `step ${i + 1}: ${l} vs ${off[i]}`).toBeLessThan(1e-5));
}

describe('trainers with gradient checkpointing', () => {
  it('auto means on with wasm only', () => {
    expect(checkpointingFor('auto', 'wasm')).toBe(true);
    expect(checkpointingFor('auto', 'webgpu')).toBe(false);
    expect(checkpointingFor('on', 'cpu')).toBe(true);
    expect(checkpointingFor('off', 'wasm')).toBe(false);
    expect(parseRegionClipConfig(regionClipPreset('tiny')).gradient_checkpointing).toBe('auto');
  });

  it('sizes checkpointed micro-batches from the wasm heap left after weights, moments and gradients', () => {
    const vitB = { image_size: 224, patch_size: 16, hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12 };
    // Checkpointed: ~1/10 of the full tape per image (measured ~0.1 GB vs ~2.2 GB at ViT-B/16).
    expect(tapeBytesPerImage(vitB, { checkpointing: true }) / tapeBytesPerImage(vitB)).toBeLessThan(0.3);
    // CLIP ViT-B/16 + fusion (~156 M parameters): one pair, as measured (BENCHMARKS.md); a tiny model: many.
    expect(checkpointedMicroBatch(156e6, tapeBytesPerImage(vitB, { checkpointing: true }), 2)).toBe(1);
    const tiny = { image_size: 32, patch_size: 8, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2 };
    expect(checkpointedMicroBatch(1e5, tapeBytesPerImage(tiny, { checkpointing: true }), 2)).toBeGreaterThan(1000);
  });

  it('Region-CLIP joint phase: the same losses with and without, tensor count flat', async () => {
    const run = async (setting: string) => {
      const before = tf.memory().numTensors;
      const logs: string[] = [];
      const config = parseRegionClipConfig(mergeConfig(mergeConfig(regionClipPreset('tiny'), short), { phases: [{ name: 'joint', epochs: 1, lr: 1e-3 }], gradient_checkpointing: setting }));
      const r = await trainRegionClip({ config, pairs: region, outputDir: path.join(tmp, `rc-${setting}`), callbacks: { onLog: (_l, m) => logs.push(m) } });
      expect(tf.memory().numTensors).toBe(before);
      expect(logs.some((m) => m.includes('gradient checkpointing on'))).toBe(setting === 'on');
      return r.losses;
    };
    expectSameCurve(await run('on'), await run('off'));
  });

  it('BLIP: the same losses with and without, tensor count flat', async () => {
    const run = async (setting: string) => {
      const before = tf.memory().numTensors;
      const config = parseBlipTrainingConfig(mergeConfig(mergeConfig(blipPreset('tiny'), short), { phases: [{ name: 'blip', epochs: 1, lr: 1e-3 }], gradient_checkpointing: setting }));
      const r = await trainBlip({ config, pairs: scene, outputDir: path.join(tmp, `blip-${setting}`) });
      expect(tf.memory().numTensors).toBe(before);
      return r.losses;
    };
    expectSameCurve(await run('on'), await run('off'));
  });
});
