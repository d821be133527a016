// On WebGPU (SwiftShader): the gated fusion module's gradients (both poolings, and the phase-1
// constant-input path) and a BLIP contrastive step's gradients against the cpu backend.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { backendOptionsFromEnv, initBackend } from '../../../../../main/engine/backend.js';
import type { BlipForImageTextRetrieval } from '../../../../../main/engine/models/blip/index.js';
import { GatedRegionContextFusion } from '../../../../../main/engine/models/fusion/index.js';
import { fromPretrained } from '../../../../../main/engine/models/registry.js';
import { symmetricContrastiveLoss } from '../../../../../main/engine/training/losses.js';
import { FIXTURES } from '../../shared-dir.js';

beforeAll(async () => {
  const report = await initBackend(backendOptionsFromEnv());
  expect(report.active, JSON.stringify(report.probes)).toBe('webgpu');
});

type Grads = Map<string, Float32Array>;

function expectClose(gpu: Grads, cpu: Grads, what: string) {
  expect([...gpu.keys()].sort()).toEqual([...cpu.keys()].sort());
  for (const [name, g] of cpu) {
    const w = gpu.get(name)!;
    const scale = Math.max(1e-3, ...Array.from(g, Math.abs));
    let worst = 0;
    for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(w[i]! - g[i]!) / scale);
    expect(worst, `${what}: ${name}`).toBeLessThan(1e-4);
  }
}

async function fusionGrads(backend: string, pooling: 'cls' | 'mean', constantInputs: boolean): Promise<Grads> {
  await tf.setBackend(backend);
  const fusion = GatedRegionContextFusion.random({ input_dim: 16, hidden_dim: 16, projection_dim: 8, num_heads: 4, kernel_size: 3, pooling }, 3);
  const eR = tf.randomNormal([3, 5, 16], 0, 1, 'float32', 1);
  const eF = tf.randomNormal([3, 9, 16], 0, 1, 'float32', 2);
  const text = tf.randomNormal([3, 8], 0, 1, 'float32', 3) as tf.Tensor2D;
  const { value, grads } = tf.variableGrads(() => symmetricContrastiveLoss(fusion.forward(eR, eF, { constantInputs }).regionEmbedding, text, 10).loss, fusion.variables());
  const out: Grads = new Map();
  for (const n of fusion.params.names()) out.set(n, (await grads[fusion.params.get(n).name]!.data()) as Float32Array);
  tf.dispose([value, eR, eF, text, ...Object.values(grads)]);
  fusion.dispose();
  return out;
}

it('fusion gradients of a contrastive step match the cpu backend', async () => {
  for (const [pooling, constant] of [['cls', false], ['mean', false], ['cls', true]] as const) {
    const gpu = await fusionGrads('webgpu', pooling, constant);
    const cpu = await fusionGrads('cpu', pooling, constant);
    expectClose(gpu, cpu, `${pooling}${constant ? ', constant inputs' : ''}`);
  }
  await tf.setBackend('webgpu');
});

it('BLIP ITC contrastive-step gradients match the cpu backend', async () => {
  const dir = path.join(FIXTURES, 'parity/blip_itr');
  const grads = async (backend: string): Promise<Grads> => {
    await tf.setBackend(backend);
    const model = await fromPretrained<BlipForImageTextRetrieval>(dir, { trainable: true });
    const pixels = tf.randomNormal([3, 3, 32, 32], 0, 1, 'float32', 5);
    const ids = tf.tensor2d([[101, 5, 9, 102, 0], [101, 7, 8, 11, 102], [101, 3, 102, 0, 0]], undefined, 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], undefined, 'int32');
    const { value, grads: g } = tf.variableGrads(
      () => symmetricContrastiveLoss(model.imageFeatures(model.vision(pixels).imageEmbeds), model.textFeatures(ids, mask), 1 / 0.07).loss,
      model.params.variables(),
    );
    const byId = new Map(model.params.names().map((n) => [model.params.get(n).name, n]));
    const out: Grads = new Map();
    for (const [k, v] of Object.entries(g)) out.set(byId.get(k)!, (await v.data()) as Float32Array);
    tf.dispose([value, pixels, ids, mask, ...Object.values(g)]);
    model.dispose();
    return out;
  };
  const gpu = await grads('webgpu');
  const cpu = await grads('cpu');
  await tf.setBackend('webgpu');
  // The ITC loss reaches the vision tower, the text encoder's self-attention layers and both projections (not ITM, not cross-attention).
  expect(gpu.has('itm_head.weight')).toBe(false);
  expect(gpu.has('text_encoder.encoder.layer.0.crossattention.self.query.weight')).toBe(false);
  expect(gpu.has('vision_model.embeddings.patch_embedding.weight')).toBe(true);
  expectClose(gpu, cpu, 'BLIP');
});
