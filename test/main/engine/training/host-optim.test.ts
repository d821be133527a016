// optimizer_state 'host' (host-optim.ts): AdamW's moments and the gradient sum as Float32Arrays in the
// Node process. It must be the same optimiser as the device AdamW (to 1e-6 relative), clip the same
// way, train the same loss curve, checkpoint and resume, and leave no tensors behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW, clipGradNorm, HostAdamW, HostGradients, mergeConfig, optimizerStateFor, parseRegionClipConfig, readTrainerState, regionClipPreset, trainRegionClip } from '../../../../main/engine/training/index.js';
import { readSafetensors } from '../../../../main/engine/io/safetensors.js';
import { shapesPairs } from './shapes-pairs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-host-optim-'));
beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cfg = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
const steps: [number[][], number[]][] = [
  [[[0.5, -1], [0.25, 2]], [1, -0.5]],
  [[[0.1, 0.2], [-0.3, 0.4]], [0, 0.5]],
  [[[-0.5, 0.5], [1, -1]], [2, 1]],
];

function expectRelClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(Math.abs(expected[i]!), 1e-6);
    expect(Math.abs(actual[i]! - expected[i]!) / scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThan(rel);
  }
}

describe('HostAdamW', () => {
  it('gives the device AdamW’s parameters after 3 steps (1e-6 relative) and torch’s reference', async () => {
    const init = { p: [[1, -2], [0.5, 0]], b: [0.3, -0.1] };
    const dp = tf.variable(tf.tensor2d(init.p));
    const db = tf.variable(tf.tensor1d(init.b));
    const hp = tf.variable(tf.tensor2d(init.p));
    const hb = tf.variable(tf.tensor1d(init.b));
    const device = new AdamW([dp, db], cfg);
    const host = new HostAdamW([hp, hb], cfg);
    const before = tf.memory().numTensors;
    for (const [gp, gb] of steps) {
      const grads = { [dp.name]: tf.tensor2d(gp), [db.name]: tf.tensor1d(gb) };
      device.apply(grads, 0.1);
      tf.dispose(Object.values(grads));
      await host.apply(new Map([[hp.name, Float32Array.from(gp.flat())], [hb.name, Float32Array.from(gb)]]), 0.1);
    }
    expect(host.step).toBe(3);
    expectRelClose(hp.dataSync(), dp.dataSync(), 1e-6, 'matrix');
    expectRelClose(hb.dataSync(), db.dataSync(), 1e-6, 'bias');
    // torch 1.13.1 AdamW(lr=0.1, eps=1e-8, weight_decay=0.01; bias group weight_decay=0), as optim.test.ts.
    expectRelClose(hp.dataSync(), [0.8174266815185547, -1.8358368873596191, 0.3574879765510559, -0.20760545134544373], 1e-5, 'torch matrix');
    expectRelClose(hb.dataSync(), [0.05270034074783325, -0.05978287011384964], 1e-5, 'torch bias');
    // The moments match too (what a checkpoint stores), under the same names.
    const key = (v: tf.Variable) => (v === dp || v === hp ? 'p' : 'b');
    const hs = host.stateArrays(key);
    expect(hs.size).toBe(4);
    // (m after 3 steps is a cancellation, -5e-4 from terms of ~0.05: float32 rounding of the device's
    // separate ops shows at 1.5e-6 of it, so the moments are compared to 1e-6 of the gradients' scale.)
    for (const [k, t] of device.stateTensors(key)) {
      const d = t.dataSync();
      hs.get(k)!.values.forEach((h, i) => expect(Math.abs(h - d[i]!), `${k}[${i}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(d[i]!))));
    }
    // Device AdamW created its 4 moments; the host one nothing.
    expect(tf.memory().numTensors - before).toBe(4);
    device.dispose();
    tf.dispose([dp, db, hp, hb]);
  });

  it('restores its state and continues like an uninterrupted optimiser', async () => {
    const a = tf.variable(tf.tensor2d([[1, -2], [0.5, 0]]));
    const b = tf.variable(tf.tensor2d([[1, -2], [0.5, 0]]));
    const straight = new HostAdamW([a], cfg);
    const first = new HostAdamW([b], cfg);
    for (const [gp] of steps.slice(0, 2)) {
      await straight.apply(new Map([[a.name, Float32Array.from(gp.flat())]]), 0.1);
      await first.apply(new Map([[b.name, Float32Array.from(gp.flat())]]), 0.1);
    }
    const resumed = new HostAdamW([b], cfg);
    resumed.loadState(first.step, first.stateArrays(() => 'w'), () => 'w');
    expect(() => resumed.loadState(2, new Map([['exp_avg.w', { shape: [4], values: new Float32Array(4) }]]), () => 'w')).toThrow(/exp_avg\.w.*\[4\].*\[2,2\]/);
    resumed.loadState(first.step, first.stateArrays(() => 'w'), () => 'w');
    await straight.apply(new Map([[a.name, Float32Array.from(steps[2]![0].flat())]]), 0.1);
    await resumed.apply(new Map([[b.name, Float32Array.from(steps[2]![0].flat())]]), 0.1);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
  });
});

describe('HostGradients', () => {
  it('sums micro-batches, disposes the device gradients, and clips like clipGradNorm', async () => {
    const acc = new HostGradients();
    const before = tf.memory().numTensors;
    await acc.add({ a: tf.tensor1d([1, 0]), b: tf.tensor1d([0, 1]) });
    await acc.add({ a: tf.tensor1d([2, 0]), b: tf.tensor1d([0, 3]) });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(acc.sums.get('a')!)).toEqual([3, 0]);
    const device = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    expect(acc.clip(1)).toBeCloseTo(clipGradNorm(device, 1), 6);
    expectRelClose(acc.sums.get('a')!, device.a!.dataSync(), 1e-6, 'a');
    expectRelClose(acc.sums.get('b')!, device.b!.dataSync(), 1e-6, 'b');
    tf.dispose(Object.values(device));
    await expect(acc.add({ a: tf.tensor1d([1, 2, 3]) })).rejects.toThrow(/gradient "a" has 3 values, its sum 2/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is the default on wasm only', () => {
    expect(optimizerStateFor('auto', 'wasm')).toBe('host');
    expect(optimizerStateFor('auto', 'webgpu')).toBe('device');
    expect(optimizerStateFor('host', 'cpu')).toBe('host');
    expect(optimizerStateFor('device', 'wasm')).toBe('device');
  });
});

describe('the Region-CLIP trainer with optimizer_state host', () => {
  const { region } = shapesPairs(48, 3);
  // 43 training pairs in batches of 14: 3 steps an epoch (drop_last), micro-batches of 8 + 6.
  const phases = [
    { name: 'fusion', epochs: 2, lr: 3e-3 },
    { name: 'joint', epochs: 1, lr: 1e-3 },
  ];
  const config = (over: Record<string, unknown>) =>
    parseRegionClipConfig(mergeConfig(mergeConfig(regionClipPreset('tiny'), { batch_size: 14, eval_batch_size: 64, keep_checkpoints: 0, micro_batch_size: 8, phases }), over));

  it('follows the device optimiser’s loss curve, saves the same moments, resumes, and keeps the tensor count flat', async () => {
    const atStart = tf.memory().numTensors;
    const device = await trainRegionClip({ config: config({ optimizer_state: 'device', checkpoint_every_steps: 2 }), pairs: region, outputDir: path.join(tmp, 'device') });
    const counts: [number, number][] = [];
    const host = await trainRegionClip({
      config: config({ optimizer_state: 'host', checkpoint_every_steps: 2 }),
      pairs: region,
      outputDir: path.join(tmp, 'host'),
      callbacks: { onMetrics: (_s, v) => void (v.loss !== undefined && counts.push([v.phase!, tf.memory().numTensors])) },
    });
    expect(tf.memory().numTensors, 'tensors left after both runs').toBe(atStart);
    console.log('device', device.losses.map((l) => l.toFixed(6)).join(' '));
    console.log('host  ', host.losses.map((l) => l.toFixed(6)).join(' '));
    expect(host.losses.length).toBeGreaterThanOrEqual(6);
    expect(host.losses).toHaveLength(device.losses.length);
    host.losses.forEach((l, i) => expect(Math.abs(l - device.losses[i]!), `step ${i + 1}`).toBeLessThan(1e-5));
    // Host state holds no tensors: the count is the same after every step of a phase, the first included.
    for (const phase of [0, 1]) {
      const inPhase = counts.filter(([p]) => p === phase).map(([, n]) => n);
      expect(inPhase.length).toBeGreaterThanOrEqual(2);
      expect(new Set(inPhase).size, `phase ${phase} numTensors per step: ${inPhase.join(', ')}`).toBe(1);
    }

    const ckpt = (run: string) => path.join(tmp, run, 'checkpoint-000004');
    const dm = readSafetensors(path.join(ckpt('device'), 'optimizer.safetensors'));
    const hm = readSafetensors(path.join(ckpt('host'), 'optimizer.safetensors'));
    expect([...hm.keys()].sort()).toEqual([...dm.keys()].sort());
    expect(hm.size).toBeGreaterThan(10);
    for (const [k, h] of hm) {
      const d = dm.get(k)!;
      expect(h.shape, k).toEqual(d.shape);
      for (let i = 0; i < h.values.length; i++) expect(Math.abs(h.values[i]! - d.values[i]!), `${k}[${i}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(d.values[i]!)) + 1e-7);
    }

    expect(readTrainerState(ckpt('host'))).toMatchObject({ step: 4, phaseIndex: 0 });
    const beforeResume = tf.memory().numTensors;
    const resumed = await trainRegionClip({ config: config({ optimizer_state: 'host' }), pairs: region, outputDir: path.join(tmp, 'host-resumed'), resumeFrom: ckpt('host') });
    expect(tf.memory().numTensors, 'tensors left after a resumed run').toBe(beforeResume);
    expect(resumed.losses).toHaveLength(host.losses.length);
    resumed.losses.forEach((l, i) => expect(Math.abs(l - host.losses[i]!), `resumed step ${i + 1}`).toBeLessThan(1e-5));
    // A device-state checkpoint resumes with host state (the file format is the same).
    const crossed = await trainRegionClip({ config: config({ optimizer_state: 'host' }), pairs: region, outputDir: path.join(tmp, 'crossed'), resumeFrom: ckpt('device') });
    crossed.losses.forEach((l, i) => expect(Math.abs(l - device.losses[i]!), `crossed step ${i + 1}`).toBeLessThan(1e-5));
  });
});
