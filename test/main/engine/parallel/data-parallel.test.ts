// Data-parallel training on tensor workers is the same training as one thread: tiny Region-CLIP (phase
// "fusion" on cached CLIP tokens, then "joint") and tiny BLIP on 2 workers give the single-thread
// trainer's losses and the same checkpoint files (same names, tensors within float32 summation-order
// differences); a parallel checkpoint resumes on one thread on the same curve; a worker that dies
// mid-run fails the run with its reason instead of hanging it; nothing is left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../../main/engine/io/safetensors.js';
import { partitionEntries, shareOut, TensorPool } from '../../../../main/engine/parallel/index.js';
import {
  blipPreset,
  mergeConfig,
  parseBlipTrainingConfig,
  parseRegionClipConfig,
  planTrainingWorkers,
  regionClipPreset,
  trainingParamCount,
  trainBlip,
  trainRegionClip,
  type RgbImage,
  type TrainingResult,
} from '../../../../main/engine/training/index.js';
import { FIXTURES } from '../shared-dir.js';
import { shapesPairs } from '../training/shapes-pairs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-data-parallel-'));
/** One pool for the runs after the first (which starts and stops its own, as the engine host's runs do). */
let pool: TensorPool;
beforeAll(async () => {
  await tf.setBackend('wasm');
  pool = await TensorPool.start({ workers: 2, backend: 'wasm' });
});
afterAll(async () => {
  await pool?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const { region, scene } = shapesPairs(48, 3);
const phases = [
  { name: 'fusion', epochs: 2, lr: 3e-3 },
  { name: 'joint', epochs: 1, lr: 1e-3 },
];
const regionConfig = (over: Record<string, unknown>) =>
  parseRegionClipConfig(mergeConfig(regionClipPreset('tiny'), { batch_size: 16, eval_batch_size: 64, keep_checkpoints: 0, phases, checkpoint_every_steps: 4, ...over }));

function files(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]));
}

function expectLossesClose(a: readonly number[], b: readonly number[], what: string): void {
  expect(a).toHaveLength(b.length);
  a.forEach((l, i) => expect(Math.abs(l - b[i]!), `${what}: step ${i + 1}: ${l} vs ${b[i]}`).toBeLessThan(1e-5));
}

/** Same files; every safetensors tensor within float32 summation-order differences; the same trainer state. */
function expectSameCheckpoints(one: string, two: string): number {
  const names = files(one).sort();
  expect(files(two).sort()).toEqual(names);
  let worst = 0;
  for (const f of names.filter((n) => n.endsWith('.safetensors'))) {
    const a = readSafetensors(path.join(one, f));
    const b = readSafetensors(path.join(two, f));
    expect([...b.keys()], f).toEqual([...a.keys()]);
    for (const [k, t] of a) {
      const u = b.get(k)!;
      expect(u.shape, `${f} ${k}`).toEqual(t.shape);
      for (let i = 0; i < t.values.length; i++) {
        const d = Math.abs(t.values[i]! - u.values[i]!) / (1 + Math.abs(t.values[i]!));
        worst = Math.max(worst, d);
        if (d > 5e-5) expect.fail(`${f} ${k}[${i}]: ${t.values[i]} (1 thread) vs ${u.values[i]} (2 workers)`);
      }
    }
  }
  for (const f of names.filter((n) => n.endsWith('trainer_state.json'))) {
    const strip = (file: string) => {
      const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> & { config: Record<string, unknown>; losses: number[] };
      const { losses, validation, logScale, config, ...rest } = s;
      const { workers, micro_batch_size, ...settings } = config;
      return { rest, settings, losses, validation, logScale };
    };
    const [a, b] = [strip(path.join(one, f)), strip(path.join(two, f))];
    expect(b.rest, f).toEqual(a.rest);
    expect(b.settings, f).toEqual(a.settings);
    expectLossesClose(b.losses, a.losses, f);
    expect(Math.abs((b.logScale as number) - (a.logScale as number))).toBeLessThan(1e-5);
  }
  return worst;
}

let parallelRegion: TrainingResult | null = null;

describe('data-parallel training on 2 tensor workers', () => {
  it('Region-CLIP (fusion on cached tokens, then joint): the single-thread losses, checkpoints and validation', async () => {
    const numTensors = tf.memory().numTensors;
    const one = await trainRegionClip({ config: regionConfig({ workers: 1 }), pairs: region, outputDir: path.join(tmp, 'rc-1') });
    const logs: string[] = [];
    const two = await trainRegionClip({ config: regionConfig({ workers: 2 }), pairs: region, outputDir: path.join(tmp, 'rc-2'), callbacks: { onLog: (_l, m) => logs.push(m) } });
    expect(logs.join('\n')).toMatch(/tensor workers: 2 on wasm/);
    expect(one.losses.length).toBe(9);
    expectLossesClose(two.losses, one.losses, 'Region-CLIP');
    for (const [k, v] of Object.entries(one.validation!)) expect(Math.abs(two.validation![k]! - v), k).toBeLessThan(1e-5);
    const worst = expectSameCheckpoints(path.join(tmp, 'rc-1'), path.join(tmp, 'rc-2'));
    console.log(`Region-CLIP, 1 thread vs 2 workers: largest checkpoint difference ${worst.toExponential(2)} (relative to 1 + |w|)`);
    expect(tf.memory().numTensors).toBe(numTensors);
    parallelRegion = two;
  });

  it('BLIP with several micro-batches per worker: the single-thread losses and checkpoints', async () => {
    const config = (over: Record<string, unknown>) =>
      parseBlipTrainingConfig(mergeConfig(blipPreset('tiny'), { batch_size: 16, eval_batch_size: 64, keep_checkpoints: 0, phases: [{ name: 'blip', epochs: 2, lr: 2e-3 }], ...over }));
    const one = await trainBlip({ config: config({ workers: 1 }), pairs: scene, outputDir: path.join(tmp, 'blip-1') });
    // Micro-batches of 3: 6 per batch, 3 per worker (the last held across the loss step, two re-run on the tape).
    const two = await trainBlip({ config: config({ workers: 2, micro_batch_size: 3 }), pairs: scene, outputDir: path.join(tmp, 'blip-2'), pool });
    expect(one.losses.length).toBe(6);
    expectLossesClose(two.losses, one.losses, 'BLIP');
    expectSameCheckpoints(path.join(tmp, 'blip-1'), path.join(tmp, 'blip-2'));
  });

  it('a 2-worker checkpoint resumes on one thread on the same loss curve', async () => {
    expect(parallelRegion).not.toBeNull();
    // Stopped after step 5, mid-phase (AdamW's moments are in the checkpoint), then resumed in-process.
    const first = await trainRegionClip({ config: regionConfig({ workers: 2, max_steps: 5 }), pairs: region, outputDir: path.join(tmp, 'resume'), pool });
    expect(first.stopped).toBe(true);
    const stop = path.join(tmp, 'resume', 'checkpoint-000005');
    expect(Object.keys(Object.fromEntries(readSafetensors(path.join(stop, 'optimizer.safetensors')))).length).toBeGreaterThan(0);
    const rest = await trainRegionClip({ config: regionConfig({ workers: 1 }), pairs: region, outputDir: path.join(tmp, 'resume'), resumeFrom: stop });
    expectLossesClose(first.losses, parallelRegion!.losses.slice(0, 5), 'before the stop');
    expectLossesClose(rest.losses, parallelRegion!.losses, 'resumed');
  });

  it('a worker that dies mid-step (its peer blocked at the barrier) fails the run with the reason, never hangs', async () => {
    const own = await TensorPool.start({ workers: 2, backend: 'wasm' });
    const before = (await own.memory()).map((m) => m.numTensors);
    try {
      // First a clean run on the given pool: its replicas are released after (tensors back where they were).
      await trainRegionClip({ config: regionConfig({ max_steps: 2 }), pairs: region, outputDir: path.join(tmp, 'given'), pool: own });
      expect((await own.memory()).map((m) => m.numTensors)).toEqual(before);
      // A sample that cannot be read while worker 0 already runs (it blocks at the barrier): the run fails
      // naming the sample, worker 0 is released, and the pool still works.
      let loads = 0;
      const unreadable = region.map((p) => ({
        ...p,
        target: async () => {
          if (++loads === 9) throw new Error(`sample ${p.id}: target image missing from the blob store`);
          return p.target as RgbImage;
        },
      }));
      await expect(trainRegionClip({ config: regionConfig({ max_steps: 1 }), pairs: unreadable, outputDir: path.join(tmp, 'unreadable'), pool: own })).rejects.toThrow(/sample .*: target image missing/);
      expect(own.broken).toBeNull();
      expect((await own.memory()).map((m) => m.numTensors)).toEqual(before);
      // Worker 1 is ended the moment worker 0 has handed over its embeddings in step 2's forward, i.e.
      // while worker 0 is blocked at the barrier waiting for ∂L/∂embeddings: it must be released.
      let armed = false;
      const call = own.call.bind(own);
      own.call = ((i: number, spec: Parameters<typeof call>[1], args: unknown, options?: Parameters<typeof call>[3]) =>
        call(i, spec, args as never, {
          onEvent: (e) => {
            options?.onEvent?.(e);
            if (armed && i === 0 && spec.name === 'contrastive.forward') {
              armed = false;
              void own.threads[1]!.terminate();
            }
          },
        })) as typeof own.call;
      const started = Date.now();
      const run = trainRegionClip({
        config: regionConfig({}),
        pairs: region,
        outputDir: path.join(tmp, 'crash'),
        pool: own,
        callbacks: { onMetrics: (step) => void (armed = step === 1) },
      });
      await expect(run).rejects.toThrow(/tensor worker 1 exited unexpectedly/);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(own.broken).not.toBeNull();
    } finally {
      await own.dispose();
    }
  });
});

describe('work split', () => {
  it('plans from the models’ config.json alone (the engine host asks before the trainer starts)', () => {
    const blip = path.join(FIXTURES, 'parity', 'blip_itr');
    // README.json of the fixture: 100 234 parameters.
    expect(trainingParamCount('blip', parseBlipTrainingConfig({ base_model: blip }), null)).toBe(100_234);
    expect(trainingParamCount('regionclip', regionConfig({}), null)).toBeGreaterThan(0);
    expect(planTrainingWorkers('blip', parseBlipTrainingConfig({ base_model: blip, workers: 3 }), 'wasm', null)).toMatchObject({ workers: 3, backend: 'wasm' });
    expect(planTrainingWorkers('blip', parseBlipTrainingConfig({ base_model: blip, workers: 3 }), 'webgpu', null)).toMatchObject({ workers: 1, backend: null });
  });

  it('shares micro-batches and parameter slices out evenly and in order', () => {
    expect(shareOut(6, 2)).toEqual([3, 3]);
    expect(shareOut(5, 2)).toEqual([3, 2]);
    expect(shareOut(1, 3)).toEqual([1, 0, 0]);
    const parts = partitionEntries([10, 1, 1, 1, 10, 1], 2);
    expect(parts).toEqual([[0, 3], [3, 6]]);
    expect(partitionEntries([5], 3)).toEqual([[0, 0], [0, 1], [1, 1]]);
    // Every entry in exactly one slice, in order.
    const many = partitionEntries(Array.from({ length: 97 }, (_, i) => (i * 37) % 11 + 1), 4);
    expect(many[0]![0]).toBe(0);
    many.forEach((p, i) => i > 0 && expect(p[0]).toBe(many[i - 1]![1]));
    expect(many.at(-1)![1]).toBe(97);
  });
});
