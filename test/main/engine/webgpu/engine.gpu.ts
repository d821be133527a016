// On WebGPU (SwiftShader): every layer op and custom gradient against the cpu backend, CLIP
// gradients against cpu, the metric backbones' pool and prepared-conv ops against cpu, and the
// parity runner on the CLIP, BLIP and ViT fixtures.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_KERNELS, backendOptionsFromEnv, initBackend, missingKernels } from '../../../../main/engine/backend.js';
import { readSafetensors } from '../../../../main/engine/io/safetensors.js';
import type { ClipModel } from '../../../../main/engine/models/clip/index.js';
import { fromPretrained } from '../../../../main/engine/models/registry.js';
import { formatParityTable, runParity } from '../../../../main/engine/parity/index.js';
import { compareAllWithCpu } from '../layers/grad-cases.js';
import { avgPool2d, conv2d, conv2dWeightT, maxPool2d } from '../../../../main/engine/layers/index.js';
import { FIXTURES } from '../shared-dir.js';

beforeAll(async () => {
  const report = await initBackend(backendOptionsFromEnv());
  expect(report.active, JSON.stringify(report.probes)).toBe('webgpu');
});

describe('engine on WebGPU (SwiftShader)', () => {
  it('the adapter is SwiftShader and every kernel the models train with exists', () => {
    expect(tf.getBackend()).toBe('webgpu');
    expect(missingKernels(ENGINE_KERNELS)).toEqual([]);
  });

  it('layer ops and custom gradients match the cpu reference', async () => {
    expect(await compareAllWithCpu('webgpu')).toEqual([]);
    // the metric backbones' inference ops (pools with torch padding rules, conv2d with a prepared
    // weight matrix): values against the cpu backend. The LPIPS parity case itself passes on
    // SwiftShader too (`ric model parity …/metrics/lpips --backend webgpu`) but takes ~50 s here.
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const x = tf.randomNormal([2, 9, 9, 5], 0, 1, 'float32', 21);
      const w = tf.randomNormal([6, 5, 3, 3], 0, 0.3, 'float32', 22);
      const wT = conv2dWeightT(w);
      const outs = [
        maxPool2d(x, { kernel: 3, stride: 2 }),
        maxPool2d(x, { kernel: 3, stride: 1, padding: 1 }),
        avgPool2d(x, { kernel: 3, stride: 1, padding: 1 }),
        avgPool2d(x, { kernel: 3, stride: 1, padding: 1, countIncludePad: false }),
        conv2d(x, w, undefined, { stride: 2, padding: 1, weightT: wT }),
      ];
      const values = await Promise.all(outs.map(async (t) => Array.from((await t.data()) as Float32Array)));
      tf.dispose([x, w, wT, ...outs]);
      return values;
    };
    const gpu = await run('webgpu');
    const cpu = await run('cpu');
    for (const [i, g] of gpu.entries()) expect(Math.max(...g.map((v, j) => Math.abs(v - cpu[i]![j]!))), `op ${i}`).toBeLessThan(1e-5);
    await tf.setBackend('webgpu');
  });

  it('parity: CLIP case_a, case_b, BLIP retrieval and DINO ViT pass at their tolerances', async () => {
    const results = await runParity([path.join(FIXTURES, 'parity/clip'), path.join(FIXTURES, 'parity/blip_itr'), path.join(FIXTURES, 'metrics/vit')]);
    expect(results.map((r) => `${r.family}/${r.case} ${r.status}`), formatParityTable(results)).toEqual(['clip/case_a pass', 'clip/case_b pass', 'blip_itr/main pass', 'vit/dino_a pass']);
  });

  it('CLIP gradients of a step match the cpu backend', async () => {
    const dir = path.join(FIXTURES, 'parity/clip/case_a');
    const inputs = readSafetensors(path.join(dir, 'inputs.safetensors'));
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const model = await fromPretrained<ClipModel>(dir, { trainable: true });
      const x = (n: string) => tf.tensor(inputs.get(n)!.values, inputs.get(n)!.shape, inputs.get(n)!.dtype);
      const [px, ids, mask] = [x('pixel_values'), x('input_ids'), x('attention_mask')];
      const { value, grads: g } = tf.variableGrads(() => {
        const o = model.forward({ pixelValues: px, inputIds: ids, attentionMask: mask });
        return tf.add(tf.mean(tf.square(o.logitsPerImage)), tf.mean(tf.square(model.visionTokens(px)))) as tf.Scalar;
      }, model.params.variables());
      const byId = new Map(model.params.names().map((n) => [model.params.get(n).name, n]));
      const out = new Map<string, Float32Array>();
      for (const [k, v] of Object.entries(g)) out.set(byId.get(k)!, (await v.data()) as Float32Array);
      tf.dispose([value, px, ids, mask, ...Object.values(g)]);
      model.dispose();
      return out;
    };
    const gpu = await grads('webgpu');
    const cpu = await grads('cpu');
    await tf.setBackend('webgpu');
    expect(gpu.size).toBe(78);
    for (const [name, g] of cpu) {
      const w = gpu.get(name)!;
      const scale = Math.max(1e-3, ...Array.from(g, Math.abs));
      expect(Math.max(...Array.from(g, (v, i) => Math.abs(v - w[i]!))) / scale, name).toBeLessThan(1e-3);
    }
  });
});
