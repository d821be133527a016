// CLIP beyond the parity outputs: token-level features for the fusion module, and a training
// step on wasm — every parameter gets a gradient equal to the cpu backend's, no tensor leaks.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_KERNELS, initBackend, missingKernels } from '../../../../../main/engine/backend.js';
import { readSafetensors } from '../../../../../main/engine/io/safetensors.js';
import type { ClipModel } from '../../../../../main/engine/models/clip/index.js';
import { fromPretrained } from '../../../../../main/engine/models/registry.js';
import type { VitModel } from '../../../../../main/engine/models/vit/index.js';
import { FIXTURES } from '../../shared-dir.js';

const CASE_B = path.join(FIXTURES, 'parity/clip/case_b');
const inputs = readSafetensors(path.join(CASE_B, 'inputs.safetensors'));
const t = (name: string) => {
  const h = inputs.get(name)!;
  return tf.tensor(h.values, h.shape, h.dtype);
};

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

/** Loss of a contrastive-style step touching both towers and the token features. */
function stepLoss(model: ClipModel, px: tf.Tensor, ids: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  const out = model.forward({ pixelValues: px, inputIds: ids, attentionMask: mask });
  const tokens = model.visionTokens(px);
  return tf.add(tf.mean(tf.square(out.logitsPerImage)), tf.mean(tf.square(tokens))) as tf.Scalar;
}

async function gradsOn(backend: string): Promise<Map<string, Float32Array>> {
  await tf.setBackend(backend);
  const model = await fromPretrained<ClipModel>(CASE_B, { trainable: true });
  const [px, ids, mask] = [t('pixel_values'), t('input_ids'), t('attention_mask')];
  const { value, grads } = tf.variableGrads(() => stepLoss(model, px, ids, mask), model.params.variables());
  const out = new Map<string, Float32Array>();
  const byId = new Map(model.params.names().map((n) => [model.params.get(n).name, n]));
  for (const [varName, g] of Object.entries(grads)) out.set(byId.get(varName)!, (await g.data()) as Float32Array);
  tf.dispose([value, px, ids, mask, ...Object.values(grads)]);
  model.dispose();
  return out;
}

describe('CLIP', () => {
  it('visionTokens: post-layernormed tokens whose class token is the pooled output', async () => {
    const model = await fromPretrained<ClipModel>(CASE_B);
    const px = t('pixel_values');
    const tokens = model.visionTokens(px);
    expect(tokens.shape).toEqual([2, 17, 48]);
    const cls = tf.squeeze(tf.slice(tokens, [0, 0, 0], [-1, 1, -1]), [1]);
    const { embeddings, lastHiddenState, pooled } = model.encodeImage(px);
    const d = tf.max(tf.abs(tf.sub(cls, pooled)));
    expect(await d.data()).toEqual(new Float32Array([0]));
    tf.dispose([px, tokens, cls, embeddings, lastHiddenState, pooled, d]);
    model.dispose();
  });

  it('a training step on wasm: all 78 gradients match the cpu backend, tensor count flat', async () => {
    const wasm = await gradsOn('wasm');
    const cpu = await gradsOn('cpu');
    await tf.setBackend('wasm');
    expect(wasm.size).toBe(78);
    for (const [name, g] of cpu) {
      const w = wasm.get(name)!;
      const scale = Math.max(1e-3, ...Array.from(g, Math.abs));
      const diff = Math.max(...Array.from(g, (x, i) => Math.abs(x - w[i]!)));
      expect(diff / scale, name).toBeLessThan(1e-3);
    }
    // repeated steps leak nothing
    const model = await fromPretrained<ClipModel>(CASE_B, { trainable: true });
    const [px, ids, mask] = [t('pixel_values'), t('input_ids'), t('attention_mask')];
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(() => stepLoss(model, px, ids, mask));
      tf.dispose([value, ...Object.values(grads)]);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    tf.dispose([px, ids, mask]);
    model.dispose();
  });

  it('kernel coverage: ENGINE_KERNELS lists every kernel a CLIP and ViT step runs, and wasm has them all', async () => {
    await tf.setBackend('cpu');
    const clip = await fromPretrained<ClipModel>(CASE_B, { trainable: true });
    const vit = await fromPretrained<VitModel>(path.join(FIXTURES, 'metrics/vit/dino_a'), { trainable: true });
    const [px, ids, mask] = [t('pixel_values'), t('input_ids'), t('attention_mask')];
    const vpx = tf.randomNormal([1, 3, 32, 32]);
    const used = new Set<string>();
    for (const f of [() => stepLoss(clip, px, ids, mask), () => tf.sum(vit.classToken(vpx)) as tf.Scalar]) {
      const info = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(f);
        tf.dispose([value, ...Object.values(grads)]);
      });
      info.kernelNames.filter((k) => k !== 'unnamed scope').forEach((k) => used.add(k));
    }
    expect([...used].filter((k) => !ENGINE_KERNELS.includes(k))).toEqual([]);
    await tf.setBackend('wasm');
    expect(missingKernels(ENGINE_KERNELS)).toEqual([]);
    // and the check can fail: the built-in gather gradient's kernel is absent on wasm
    expect(missingKernels(['UnsortedSegmentSum', 'Conv2DBackpropFilter'])).toEqual(['UnsortedSegmentSum', 'Conv2DBackpropFilter']);
    tf.dispose([px, ids, mask, vpx]);
    clip.dispose();
    vit.dispose();
  });
});
