// The editor trainer (issue 15) on a tiny pixel-space UNet, random frozen towers and ShapesEdit pairs
// at 16²: every loss term of Eq. 10 falls on the fixed validation draws, a run resumed from a
// checkpoint continues the same loss curve exactly, the frozen models get no update, the tensor
// count stays flat, and checkpoints are diffusers unet/ folders.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shapesEditorPairs } from '../../../../../main/data/shapes-pairs.js';
import { readSafetensors } from '../../../../../main/engine/io/safetensors.js';
import { readEditorState, trainEditor, type EditorPair } from '../../../../../main/engine/training/editor/index.js';
import type { MetricValues } from '../../../../../main/engine/training/types.js';
import { TINY_EDITOR_SIZE, tinyEditorConfig } from '../../../../helpers/tiny-editor.js';
import { writeRandomTowers } from './towers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-editor-'));
const SIZE = TINY_EDITOR_SIZE;
const pairs = shapesEditorPairs({ seed: 7, count: 12, size: SIZE });
let towers: { regionclip: string; blip: string };

beforeAll(async () => {
  await tf.setBackend('wasm');
  towers = await writeRandomTowers(path.join(tmp, 'towers'), pairs.flatMap((p) => [p.regionText, p.sceneText]), 11);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const config = (over: Record<string, unknown>) =>
  tinyEditorConfig(towers, { batch_size: 4, checkpoint_every: 4, conditioning_dropout: 0.05, validation: { samples: 2, metric_samples: 0, loss_samples: 4, steps: 2 }, ...over });

interface Recorded {
  metrics: Map<number, MetricValues>;
  tensors: number[];
}

async function run(outputDir: string, over: Record<string, unknown>, resumeFrom: string | null = null, data: readonly EditorPair[] = pairs) {
  const rec: Recorded = { metrics: new Map(), tensors: [] };
  const result = await trainEditor({
    config: config(over),
    pairs: data,
    outputDir,
    resumeFrom,
    callbacks: {
      onMetrics(step, values) {
        rec.metrics.set(step, { ...rec.metrics.get(step), ...values });
        if ('loss_denoise' in values) rec.tensors.push(tf.memory().numTensors);
      },
    },
  });
  return { result, rec };
}

describe('editor trainer (tiny, wasm)', () => {
  it('each loss term falls; resume continues the curve; tensor count flat', { timeout: 240_000 }, async () => {
    // Four pairs, all trained on and measured (no val split: the fixed-draw loss uses the training
    // pairs), λ_r = λ_g = 4 so that 10 steps move the region and global terms beside the denoising one.
    const four = pairs.slice(0, 4).map((p) => ({ ...p, split: 'train' as const }));
    const over = { steps: 10, checkpoint_every: 5, lambda_region: 4, lambda_global: 4 };
    const full = await run(path.join(tmp, 'a'), over, null, four);
    const start = full.rec.metrics.get(0)!;
    const end = full.rec.metrics.get(10)!;
    console.log('val losses at step 0', start, '\nat step 10', end);
    for (const k of ['val_loss_denoise', 'val_loss_region', 'val_loss_global']) {
      expect(start[k], k).toBeGreaterThan(0);
      expect(end[k]!, k).toBeLessThan(start[k]!);
    }
    // per-step training metrics of each term, lr, grad norm and step time reach the monitor
    for (const k of ['loss', 'loss_denoise', 'loss_region', 'loss_global', 'lr', 'grad_norm', 'step_time_ms']) expect(Number.isFinite(full.rec.metrics.get(3)![k]), k).toBe(true);
    expect(full.rec.tensors.slice(1).every((n) => n === full.rec.tensors[1]), `tensors per step ${full.rec.tensors.join(' ')}`).toBe(true);
    // checkpoints: a diffusers unet/ folder, AdamW moments, the trainer state
    const ckpt = path.join(tmp, 'a', 'checkpoint-000005');
    expect(JSON.parse(fs.readFileSync(path.join(ckpt, 'unet', 'config.json'), 'utf8'))._class_name).toBe('UNet2DConditionModel');
    expect(readSafetensors(path.join(ckpt, 'unet', 'diffusion_pytorch_model.safetensors')).size).toBeGreaterThan(20);
    expect(readEditorState(ckpt).step).toBe(5);
    // resumed at step 5: steps 6..10 give the same losses as the uninterrupted run
    const resumed = await run(path.join(tmp, 'a'), over, ckpt, four);
    expect(resumed.result.losses).toHaveLength(10);
    // (float32 kernels in a fresh model: equal to rounding, as the contrastive trainers' resume test)
    resumed.result.losses.forEach((l, i) => expect(Math.abs(l - full.result.losses[i]!), `step ${i + 1}`).toBeLessThan(1e-5 * Math.abs(full.result.losses[i]!)));
    expect(new Set(full.result.losses.slice(5)).size).toBe(5);
  });

  it('the region and global terms reach the UNet through the frozen decoder and towers', { timeout: 120_000 }, async () => {
    // Same seed, same draws: the first step's denoising gradient is the same in both runs, so a
    // different gradient norm is the frozen path's contribution (zero if a frozen model cut it).
    const full = await run(path.join(tmp, 'g-full'), { steps: 1, checkpoint_every: 100, validation: { samples: 0, loss_samples: 0 } });
    const base = await run(path.join(tmp, 'g-base'), { steps: 1, checkpoint_every: 100, validation: { samples: 0, loss_samples: 0 }, ablation: 'baseline' });
    const gFull = full.rec.metrics.get(1)!['grad_norm']!;
    const gBase = base.rec.metrics.get(1)!['grad_norm']!;
    expect(base.rec.metrics.get(1)!['loss_denoise']).toBe(full.rec.metrics.get(1)!['loss_denoise']);
    expect(Math.abs(gFull - gBase)).toBeGreaterThan(1e-3 * gBase);
    expect(base.rec.metrics.get(1)!['loss_region']).toBeUndefined();
  });
});
