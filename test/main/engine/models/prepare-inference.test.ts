// ParamStore.prepareInference: a frozen model keeps transposed dense weights so linear() skips its
// per-call transpose; outputs stay the same, trainable models are refused, unfreezing drops them.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.js';
import type { ClipModel } from '../../../../main/engine/models/clip/index.js';
import { fromPretrained } from '../../../../main/engine/models/registry.js';
import { FIXTURES } from '../shared-dir.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('prepareInference', () => {
  it('same CLIP image and text features with the prepared transposes; refused when trainable; dropped on unfreeze', async () => {
    const model = await fromPretrained<ClipModel>(path.join(FIXTURES, 'parity/clip/case_a'));
    const px = tf.randomNormal([2, 3, 32, 32], 0, 1, 'float32', 5);
    const ids = tf.tensor2d([[5, 9, 2, 0], [7, 2, 0, 0]], [2, 4], 'int32');
    const run = async () => {
      const [a, b] = tf.tidy(() => [model.imageFeatures(px), model.textFeatures(ids)]);
      const out = [...((await a!.data()) as Float32Array), ...((await b!.data()) as Float32Array)];
      tf.dispose([a!, b!]);
      return out;
    };
    const before = await run();
    const tensors = tf.memory().numTensors;
    model.params.prepareInference();
    expect(model.params.linear('visual_projection').weightT?.shape).toEqual([64, 32]);
    expect(tf.memory().numTensors).toBeGreaterThan(tensors);
    const after = await run();
    expect(Math.max(...after.map((v, i) => Math.abs(v - before[i]!)))).toBeLessThan(1e-5);
    model.params.setTrainable(true);
    expect(model.params.linear('visual_projection').weightT).toBeUndefined();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(() => model.params.prepareInference()).toThrow(/trainable parameters/);
    tf.dispose([px, ids]);
    model.dispose();
  });
});
