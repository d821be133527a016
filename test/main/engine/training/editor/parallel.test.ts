// The editor trainer on tensor workers (issue 13): a tiny pixel-space UNet with random frozen towers
// (all three terms of Eq. 10) trained 3 steps on one thread and on 2 workers — the same per-step
// losses, gradient norms and checkpoint weights, up to the order of float32 sums; a 2-worker run
// resumes on one thread; the workers' tensors are freed after.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shapesEditorPairs } from '../../../../../main/data/shapes-pairs.js';
import { readSafetensors } from '../../../../../main/engine/io/safetensors.js';
import { TensorPool } from '../../../../../main/engine/parallel/index.js';
import { planEditorWorkers, trainEditor } from '../../../../../main/engine/training/editor/index.js';
import type { MetricValues } from '../../../../../main/engine/training/types.js';
import { TINY_EDITOR_SIZE, tinyEditorConfig } from '../../../../helpers/tiny-editor.js';
import { writeRandomTowers } from './towers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-editor-dp-'));
const SIZE = TINY_EDITOR_SIZE;
const pairs = shapesEditorPairs({ seed: 3, count: 6, size: SIZE }).map((p) => ({ ...p, split: 'train' as const }));
let towers: { regionclip: string; blip: string };
let pool: TensorPool;

beforeAll(async () => {
  await tf.setBackend('wasm');
  towers = await writeRandomTowers(path.join(tmp, 'towers'), pairs.flatMap((p) => [p.regionText, p.sceneText]), 5);
  pool = await TensorPool.start({ workers: 2, backend: 'wasm' });
}, 60_000);
afterAll(async () => {
  await pool?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// Batch 5 on 2 workers with micro-batches of 2: worker 0 takes samples 0–3 in two micro-batches,
// worker 1 sample 4 — uneven shares and a sum inside a worker's region are both exercised.
const config = () =>
  tinyEditorConfig(towers, { batch_size: 5, steps: 3, checkpoint_every: 2, conditioning_dropout: 0.2, lambda_region: 4, lambda_global: 4, validation: { samples: 0, metric_samples: 0, loss_samples: 0 } });

async function run(dir: string, workers: 1 | 2, resumeFrom: string | null = null) {
  const metrics = new Map<number, MetricValues>();
  const logs: string[] = [];
  const result = await trainEditor({
    config: config(),
    pairs,
    outputDir: path.join(tmp, dir),
    resumeFrom,
    workers: workers === 1 ? { workers: 1, reason: 'test: one thread', backend: null } : { workers: 2, reason: 'test', backend: 'wasm' },
    pool: workers === 2 ? pool : undefined,
    callbacks: {
      onMetrics: (step, v) => void metrics.set(step, { ...metrics.get(step), ...v }),
      onLog: (_level, m) => void logs.push(m),
    },
  });
  return { result, metrics, logs };
}

const unetWeights = (ckpt: string) => readSafetensors(path.join(ckpt, 'unet', 'diffusion_pytorch_model.safetensors'));

describe('editor trainer on tensor workers (tiny, wasm)', () => {
  it('gives the single-thread numbers on 2 workers, resumes on one thread, frees the workers', { timeout: 240_000 }, async () => {
    const before = (await pool.memory()).map((m) => m.numTensors);
    const one = await run('one', 1);
    const two = await run('two', 2);
    expect(two.logs.join('\n')).toMatch(/tensor workers: 2 on wasm/);
    expect(one.logs.join('\n')).toMatch(/tensor workers: none/);
    // Per step: the loss, each term's mean and the gradient norm agree to float32 summation order
    // (measured differences ≤ ~1e-6 relative; 1e-4 leaves room, far below a real change of the step).
    let worstMetric = 0;
    for (let step = 1; step <= 3; step++) {
      const a = one.metrics.get(step)!;
      const b = two.metrics.get(step)!;
      for (const k of ['loss', 'loss_denoise', 'loss_region', 'loss_global', 'grad_norm']) {
        worstMetric = Math.max(worstMetric, Math.abs(a[k]! - b[k]!) / Math.abs(a[k]!));
        expect(Number.isFinite(a[k]), `${k} at step ${step}`).toBe(true);
        expect(Math.abs(a[k]! - b[k]!), `${k} at step ${step}: ${a[k]} vs ${b[k]}`).toBeLessThanOrEqual(1e-4 * Math.abs(a[k]!) + 1e-7);
      }
    }
    // The checkpoint's UNet weights after 2 AdamW steps: within 1e-4 of (1 + |w|) (Adam divides by
    // √v, so a last-bit difference in a tiny gradient moves a weight by up to ~lr; lr is 2e-3 here).
    const wa = unetWeights(path.join(tmp, 'one', 'checkpoint-000002'));
    const wb = unetWeights(path.join(tmp, 'two', 'checkpoint-000002'));
    expect([...wb.keys()].sort()).toEqual([...wa.keys()].sort());
    let worst = 0;
    for (const [name, t] of wa) {
      const u = wb.get(name)!;
      expect(u.shape, name).toEqual(t.shape);
      for (let i = 0; i < t.values.length; i++) worst = Math.max(worst, Math.abs(t.values[i]! - u.values[i]!) / (1 + Math.abs(t.values[i]!)));
    }
    console.log(`1 vs 2 workers: metrics within ${worstMetric.toExponential(2)} relative, checkpoint weights within ${worst.toExponential(2)} of 1 + |w|`);
    expect(worst).toBeLessThan(1e-4);
    // A 2-worker checkpoint continues on one thread: step 3 as the 2-worker run took it.
    const resumed = await run('two', 1, path.join(tmp, 'two', 'checkpoint-000002'));
    expect(Math.abs(resumed.result.losses[2]! - two.result.losses[2]!)).toBeLessThanOrEqual(1e-4 * Math.abs(two.result.losses[2]!));
    // The workers' editors are released after each run.
    expect((await pool.memory()).map((m) => m.numTensors)).toEqual(before);
  });

  it('plans from the config, then $RIC_ENGINE_WORKERS, then Settings; never more workers than samples', () => {
    const c = config();
    expect(planEditorWorkers({ ...c, workers: 2 }, 'wasm', null, {})).toMatchObject({ workers: 2, backend: 'wasm' });
    expect(planEditorWorkers({ ...c, workers: 'auto' }, 'wasm', null, { RIC_ENGINE_WORKERS: '1' }, 4)).toMatchObject({ workers: 1, backend: null });
    expect(planEditorWorkers({ ...c, workers: 'auto' }, 'wasm', null, {}, 3)).toMatchObject({ workers: 3 });
    expect(planEditorWorkers({ ...c, workers: 8 }, 'wasm', null, {})).toMatchObject({ workers: 5, reason: /at most the batch size 5/ });
    expect(planEditorWorkers({ ...c, workers: 4 }, 'webgpu', null, {})).toMatchObject({ workers: 1, backend: null });
  });
});
