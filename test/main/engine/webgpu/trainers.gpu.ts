// The two embedding trainers on WebGPU (SwiftShader): a few steps of the tiny Region-CLIP (phase
// "fusion" on cached CLIP tokens, then "joint" with CLIP's encoders checkpointed) and of the tiny
// BLIP, with validation and a checkpoint — the loop reads every value asynchronously (no dataSync,
// which WebGPU in Node lacks). Each loss curve equals the cpu backend's run of the same config.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backendOptionsFromEnv, initBackend } from '../../../../main/engine/backend.js';
import { blipPreset, mergeConfig, parseBlipTrainingConfig, parseRegionClipConfig, regionClipPreset, trainBlip, trainRegionClip } from '../../../../main/engine/training/index.js';
import type { TrainingResult } from '../../../../main/engine/training/index.js';
import { shapesPairs } from '../training/shapes-pairs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-gpu-train-'));
beforeAll(async () => {
  const report = await initBackend(backendOptionsFromEnv());
  expect(report.active, JSON.stringify(report.probes)).toBe('webgpu');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const { region, scene } = shapesPairs(12, 7);
const short = { batch_size: 4, micro_batch_size: 2, eval_batch_size: 16, max_steps: 3, keep_checkpoints: 1, gradient_checkpointing: 'on' };

async function onBoth(run: (backend: string) => Promise<TrainingResult>, steps = 3) {
  await tf.setBackend('webgpu');
  const before = tf.memory().numTensors;
  const gpu = await run('webgpu');
  expect(tf.memory().numTensors).toBe(before);
  await tf.setBackend('cpu');
  const cpu = await run('cpu');
  await tf.setBackend('webgpu');
  expect(gpu.steps).toBe(steps);
  expect(gpu.losses).toHaveLength(cpu.losses.length);
  gpu.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i]!), `step ${i + 1}: webgpu ${l} vs cpu ${cpu.losses[i]}`).toBeLessThan(1e-3));
  expect(gpu.validation?.val_r1).toBeCloseTo(cpu.validation!.val_r1!, 5);
  expect(fs.existsSync(path.join(gpu.finalCheckpoint!, 'trainer_state.json'))).toBe(true);
}

it('tiny Region-CLIP: fusion then joint steps on WebGPU match the cpu backend', async () => {
  const phases = [
    { name: 'fusion', epochs: 1, lr: 5e-3 },
    { name: 'joint', epochs: 1, lr: 2e-3 },
  ];
  const seen = new Set<number>();
  await onBoth(async (backend) => {
    const config = parseRegionClipConfig(mergeConfig(mergeConfig(regionClipPreset('tiny'), short), { phases, max_steps: 4 }));
    return trainRegionClip({ config, pairs: region, outputDir: path.join(tmp, `rc-${backend}`), callbacks: { onMetrics: (_s, v) => void (v.phase !== undefined && seen.add(v.phase)) } });
  }, 4);
  // Both phases ran: cached tokens (fusion) and back-propagation through checkpointed CLIP (joint).
  expect([...seen].sort()).toEqual([0, 1]);
});

it('tiny BLIP: steps on WebGPU match the cpu backend', async () => {
  await onBoth(async (backend) => {
    // Full batches only (issue 12): the train split makes 2 batches of 4 an epoch, so two epochs
    // give the 3 steps max_steps allows.
    const config = parseBlipTrainingConfig(mergeConfig(mergeConfig(blipPreset('tiny'), short), { phases: [{ name: 'blip', epochs: 2, lr: 2e-3 }] }));
    return trainBlip({ config, pairs: scene, outputDir: path.join(tmp, `blip-${backend}`) });
  });
});
