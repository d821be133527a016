// The tensor pool (main/engine/parallel): worker_threads with a wasm backend each. A per-item task over
// the pool gives the single-thread result (CLIP features of a batch, checked against the reference
// fixture too); a worker that fails, dies or sends garbage fails its caller with a clear message and
// never hangs it; dispose leaves no thread or handle behind. Needs the build (`npx tsc -b`): the
// workers run dist/main/engine/parallel/worker.js, as the engine host runs from dist/.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../../main/engine/io/safetensors.js';
import type { ClipModel } from '../../../../main/engine/models/clip/index.js';
import { fromPretrained } from '../../../../main/engine/models/registry.js';
import { clipImageFeatures, clipTextFeatures, planWorkers, TensorPool, workersFromEnv } from '../../../../main/engine/parallel/index.js';
import { memorySpec } from '../../../../main/engine/parallel/protocol.js';
import { FIXTURES } from '../shared-dir.js';

const CLIP = path.join(FIXTURES, 'parity', 'clip', 'case_a');
const ports = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;

let pool: TensorPool;
let portsBefore = 0;
beforeAll(async () => {
  await tf.setBackend('wasm');
  portsBefore = ports();
  pool = await TensorPool.start({ workers: 2, backend: 'wasm' });
});
afterAll(async () => {
  await pool?.dispose();
});

function seeded(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a ^ (a >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return (a / 2 ** 32) * 4 - 2;
  });
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1e-3, Math.abs(b[i]!)));
  return worst;
}

describe('tensor pool', () => {
  it('maps CLIP image and text features over 2 workers: the single-thread batch and the reference', async () => {
    const inputs = readSafetensors(path.join(CLIP, 'inputs.safetensors'));
    const ref = readSafetensors(path.join(CLIP, 'outputs.safetensors'));
    const px = inputs.get('pixel_values')!;
    const per = 3 * 32 * 32;
    // The fixture's two images and six more, in chunks of 3: both workers take several chunks.
    const items: { pixels: Float32Array }[] = [0, 1].map((i) => ({ pixels: Float32Array.from(px.values.slice(i * per, (i + 1) * per)) }));
    for (let i = 0; i < 6; i++) items.push({ pixels: seeded(per, 11 + i) });
    const before = await pool.memory();
    const got = await pool.map(items, clipImageFeatures, { models: { clip: CLIP }, chunkSize: 3 });
    expect(got).toHaveLength(8);

    const clip = await fromPretrained<ClipModel>(CLIP);
    try {
      const all = new Float32Array(items.length * per);
      items.forEach((it, i) => all.set(it.pixels, i * per));
      const t = tf.tidy(() => clip.imageFeatures(tf.tensor4d(all, [8, 3, 32, 32])));
      const single = (await t.data()) as Float32Array;
      t.dispose();
      const d = single.length / 8;
      got.forEach((row, i) => {
        expect(row).toHaveLength(d);
        expect(maxRelDiff(row, single.subarray(i * d, (i + 1) * d)), `item ${i}`).toBeLessThan(1e-6);
      });
      const refImage = ref.get('image_features')!.values;
      for (const i of [0, 1]) expect(maxRelDiff(got[i]!, refImage.slice(i * d, (i + 1) * d)), `reference image ${i}`).toBeLessThan(1e-4);

      const ids = inputs.get('input_ids')!.values;
      const mask = inputs.get('attention_mask')!.values;
      const texts = [0, 1].map((i) => ({ ids: Int32Array.from(ids.slice(i * 12, (i + 1) * 12)), mask: Int32Array.from(mask.slice(i * 12, (i + 1) * 12)) }));
      const textGot = await pool.map(texts, clipTextFeatures, { models: { clip: CLIP }, chunkSize: 1 });
      const refText = ref.get('text_features')!.values;
      for (const i of [0, 1]) expect(maxRelDiff(textGot[i]!, refText.slice(i * 32, (i + 1) * 32)), `reference text ${i}`).toBeLessThan(1e-4);
    } finally {
      clip.dispose();
    }
    // Each worker keeps its CLIP (loaded once) and nothing else between calls.
    const again = await pool.map(items.slice(0, 4), clipImageFeatures, { models: { clip: CLIP }, chunkSize: 2 });
    expect(maxRelDiff(again[3]!, got[3]!)).toBe(0);
    const after = await pool.memory();
    const grown = after.map((m, i) => m.numTensors - before[i]!.numTensors);
    await pool.map(items, clipImageFeatures, { models: { clip: CLIP }, chunkSize: 3 });
    expect((await pool.memory()).map((m, i) => m.numTensors - before[i]!.numTensors)).toEqual(grown);
    expect(await pool.releaseModels()).toBeGreaterThanOrEqual(1);
    expect((await pool.memory()).map((m) => m.numTensors)).toEqual(before.map((m) => m.numTensors));
  });

  it('fails a call with the worker’s message (a bad folder, a bad item) and keeps working', async () => {
    await expect(pool.map([{ pixels: seeded(3 * 32 * 32, 1) }], clipImageFeatures, { models: { clip: '/nonexistent/clip' } })).rejects.toThrow(/tensor worker \d: task.run: .*\/nonexistent\/clip/);
    await expect(pool.map([{ pixels: seeded(10, 1) }], clipImageFeatures, { models: { clip: CLIP } })).rejects.toThrow(/pixels has 10 values; this CLIP wants 3 × 32 × 32/);
    // An item that is not what the task takes is refused in the worker, naming it.
    await expect(pool.map([{ pixels: [1, 2, 3] } as unknown as { pixels: Float32Array }], clipImageFeatures, { models: { clip: CLIP } })).rejects.toThrow(/item 0 of clip.imageFeatures: malformed/);
    await expect(pool.map([{ pixels: seeded(3 * 32 * 32, 2) }], clipImageFeatures, { models: {} })).rejects.toThrow(/needs model folders for clip/);
    expect(pool.broken).toBeNull();
    expect(await pool.map([{ pixels: seeded(3 * 32 * 32, 3) }], clipImageFeatures, { models: { clip: CLIP } })).toHaveLength(1);
  });

  it('dispose ends every thread and handle', async () => {
    const p = await TensorPool.start({ workers: 2, backend: 'wasm' });
    expect(ports()).toBe(portsBefore + 4);
    const exits = p.threads.map((w) => new Promise<number>((r) => w.once('exit', r)));
    await p.dispose();
    await Promise.all(exits);
    await new Promise((r) => setImmediate(r));
    expect(ports()).toBe(portsBefore + 2);
    await expect(p.call(0, memorySpec, {})).rejects.toThrow(/disposed/);
    await p.dispose();
  });
});

describe('a tensor worker that dies or misbehaves', () => {
  it('fails the pending call and every later one with the reason, never hangs', async () => {
    const p = await TensorPool.start({ workers: 2, backend: 'wasm' });
    try {
      let brokenWith: Error | null = null;
      p.onBroken((e) => (brokenWith = e));
      const pending = p.map(Array.from({ length: 64 }, (_, i) => ({ pixels: seeded(3 * 32 * 32, i) })), clipImageFeatures, { models: { clip: CLIP }, chunkSize: 1 });
      await new Promise((r) => setTimeout(r, 50));
      await p.threads[1]!.terminate();
      await expect(pending).rejects.toThrow(/tensor worker 1 exited unexpectedly \(code 1\)/);
      expect(brokenWith).not.toBeNull();
      expect(p.broken?.message).toMatch(/tensor worker 1 exited unexpectedly/);
      await expect(p.call(0, memorySpec, {})).rejects.toThrow(/tensor worker 1 exited unexpectedly/);
    } finally {
      await p.dispose();
    }
  });

  it('treats a message that does not parse as a broken worker', async () => {
    const p = await TensorPool.start({ workers: 1, backend: 'wasm' });
    try {
      const pending = p.call(0, memorySpec, {});
      // A test double of a corrupt reply: the real Worker object emits it as if the thread had sent it.
      p.threads[0]!.emit('message', { type: 'result', id: 'not a number' });
      await expect(pending).rejects.toThrow(/a message from tensor worker 0: malformed \(field "id"/);
      expect(p.broken).not.toBeNull();
    } finally {
      await p.dispose();
    }
  });

  it('refuses to start when a worker cannot come up, naming it, and leaves no thread', async () => {
    const before = ports();
    // 1 MB of young generation and 4 MB of old: tfjs cannot even load.
    await expect(TensorPool.start({ workers: 1, backend: 'wasm', resourceLimits: { maxOldGenerationSizeMb: 4, maxYoungGenerationSizeMb: 1 } })).rejects.toThrow(/tensor worker 0 (failed to start|exited \(code \d+\) while starting)/);
    await new Promise((r) => setTimeout(r, 50));
    expect(ports()).toBe(before);
  });
});

describe('worker count', () => {
  it('is the config’s, else $RIC_ENGINE_WORKERS, else the cores as memory allows; 1 on a GPU backend', () => {
    expect(planWorkers('auto', 'wasm', { env: {}, cores: 8 })).toMatchObject({ workers: 8, backend: 'wasm' });
    expect(planWorkers('auto', 'wasm', { env: { RIC_ENGINE_WORKERS: '3' }, cores: 8 })).toMatchObject({ workers: 3 });
    expect(planWorkers(2, 'wasm', { env: { RIC_ENGINE_WORKERS: '3' }, cores: 8 })).toMatchObject({ workers: 2 });
    expect(planWorkers(4, 'webgpu', { cores: 8 })).toMatchObject({ workers: 1, backend: null });
    // Settings → tensor workers: after the config and the environment, before the cores.
    expect(planWorkers('auto', 'wasm', { env: {}, cores: 8, fallback: 3 })).toMatchObject({ workers: 3, reason: 'Settings → tensor workers = 3' });
    expect(planWorkers('auto', 'wasm', { env: {}, cores: 8, fallback: 'auto' })).toMatchObject({ workers: 8 });
    expect(planWorkers('auto', 'wasm', { env: { RIC_ENGINE_WORKERS: '2' }, cores: 8, fallback: 3 })).toMatchObject({ workers: 2 });
    expect(planWorkers(4, 'wasm', { env: {}, cores: 8, fallback: 1 })).toMatchObject({ workers: 4 });
    expect(planWorkers('auto', 'wasm', { env: {}, cores: 8, fallback: 1 })).toMatchObject({ workers: 1, backend: null });
    expect(planWorkers('auto', 'tensorflow', { cores: 8 }).reason).toMatch(/one device/);
    // BLIP-base sized: 4.1 GB a worker, 3.6 GB shared, 16 GB of RAM → 2.
    expect(planWorkers('auto', 'wasm', { env: {}, cores: 16, memory: { perWorkerBytes: 4.1e9, sharedBytes: 3.6e9 }, totalMemoryBytes: 16e9 })).toMatchObject({ workers: 2 });
    expect(planWorkers('auto', 'wasm', { env: {}, cores: 16, memory: { perWorkerBytes: 4.1e9, sharedBytes: 3.6e9 }, totalMemoryBytes: 8e9 })).toMatchObject({ workers: 1, backend: null });
    expect(workersFromEnv({ RIC_ENGINE_WORKERS: 'auto' })).toBe('auto');
    expect(() => workersFromEnv({ RIC_ENGINE_WORKERS: 'two' })).toThrow(/RIC_ENGINE_WORKERS=two: expected auto or a whole number/);
    expect(() => workersFromEnv({ RIC_ENGINE_WORKERS: '0' })).toThrow(/RIC_ENGINE_WORKERS=0/);
  });
});
