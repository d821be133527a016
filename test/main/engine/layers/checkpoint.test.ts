// Gradient checkpointing (layers/checkpoint.ts) changes memory, never numbers: every parameter's
// gradient of CLIP, BLIP (ITC and the cross-attending ITM path) and ViT with checkpointed encoder
// layers equals the plain tape's, on cpu and wasm, the same parameters get gradients (frozen and
// unused ones none), and repeated checkpointed steps leave no tensors behind.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../../main/engine/io/safetensors.js';
import type { BlipForImageTextRetrieval } from '../../../../main/engine/models/blip/index.js';
import type { ClipModel } from '../../../../main/engine/models/clip/index.js';
import type { ParamStore } from '../../../../main/engine/models/params.js';
import { fromPretrained } from '../../../../main/engine/models/registry.js';
import type { VitModel } from '../../../../main/engine/models/vit/index.js';
import { FIXTURES } from '../shared-dir.js';

type Grads = Map<string, Float32Array>;

function inputsOf(dir: string) {
  const inputs = readSafetensors(path.join(dir, 'inputs.safetensors'));
  return (n: string) => {
    const h = inputs.get(n)!;
    return tf.tensor(h.values, h.shape, h.dtype === 'float32' ? 'float32' : 'int32');
  };
}

/** Gradients of `loss` over every trainable parameter, by HF name; also checks the step leaks nothing. */
function gradsOf(params: ParamStore, loss: () => tf.Scalar): Grads {
  const run = () => {
    const { value, grads } = tf.variableGrads(loss, params.variables().filter((v) => v.trainable));
    const byId = new Map(params.names().map((n) => [params.get(n).name, n]));
    const out: Grads = new Map();
    for (const [k, g] of Object.entries(grads)) out.set(byId.get(k)!, g.dataSync() as Float32Array);
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  };
  const before = tf.memory().numTensors;
  const out = run();
  expect(tf.memory().numTensors).toBe(before);
  run();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

function expectSame(withCkpt: Grads, plain: Grads, what: string) {
  expect([...withCkpt.keys()].sort(), what).toEqual([...plain.keys()].sort());
  for (const [name, g] of plain) {
    const c = withCkpt.get(name)!;
    const scale = Math.max(1e-6, ...Array.from(g, Math.abs));
    let worst = 0;
    for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(c[i]! - g[i]!) / scale);
    expect(worst, `${what}: ${name}`).toBeLessThan(1e-5);
  }
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['cpu', 'wasm'])('gradient checkpointing on %s', (backend) => {
  it('CLIP: both towers, every parameter, identical gradients; frozen vision tower stays frozen', async () => {
    await tf.setBackend(backend);
    const dir = path.join(FIXTURES, 'parity/clip/case_a');
    const x = inputsOf(dir);
    const [px, ids, mask] = [x('pixel_values'), x('input_ids'), x('attention_mask')];
    const model = await fromPretrained<ClipModel>(dir, { trainable: true });
    const loss = () => {
      const o = model.forward({ pixelValues: px, inputIds: ids, attentionMask: mask });
      return tf.add(tf.mean(tf.square(o.logitsPerImage)), tf.mean(tf.square(model.visionTokens(px)))) as tf.Scalar;
    };
    const plain = gradsOf(model.params, loss);
    model.gradientCheckpointing = true;
    const ckpt = gradsOf(model.params, loss);
    expect(plain.size).toBe(model.params.size);
    expectSame(ckpt, plain, 'CLIP');
    // Phase-like freezing: the vision tower's variables are constants of the recomputation.
    model.params.setTrainable(false, ['vision_model.']);
    const frozenCkpt = gradsOf(model.params, loss);
    model.gradientCheckpointing = false;
    const frozenPlain = gradsOf(model.params, loss);
    expectSame(frozenCkpt, frozenPlain, 'CLIP, vision frozen');
    expect([...frozenCkpt.keys()].some((k) => k.startsWith('vision_model.'))).toBe(false);
    tf.dispose([px, ids, mask]);
    model.dispose();
  });

  it('BLIP: ITC features (cross-attention unused, so no gradient) and the ITM path through cross-attention', async () => {
    await tf.setBackend(backend);
    const dir = path.join(FIXTURES, 'parity/blip_itr');
    const x = inputsOf(dir);
    const [px, ids, mask] = [x('pixel_values'), x('input_ids'), x('attention_mask')];
    const model = await fromPretrained<BlipForImageTextRetrieval>(dir, { trainable: true });
    const itc = () => tf.mean(tf.square(model.cosineSimilarity(px, ids, mask))) as tf.Scalar;
    const itm = () => tf.mean(tf.square(model.itmLogits(px, ids, mask))) as tf.Scalar;
    for (const [what, loss] of [['ITC', itc], ['ITM', itm]] as const) {
      model.gradientCheckpointing = false;
      const plain = gradsOf(model.params, loss);
      model.gradientCheckpointing = true;
      const ckpt = gradsOf(model.params, loss);
      expectSame(ckpt, plain, `BLIP ${what}`);
      const cross = [...ckpt.keys()].filter((k) => k.includes('crossattention'));
      if (what === 'ITC') expect(cross).toEqual([]);
      else expect(cross.length).toBeGreaterThan(0);
    }
    tf.dispose([px, ids, mask]);
    model.dispose();
  });

  it('ViT (DINO): identical gradients', async () => {
    await tf.setBackend(backend);
    const dir = path.join(FIXTURES, 'metrics/vit/dino_a');
    const px = inputsOf(dir)('pixel_values');
    const model = await fromPretrained<VitModel>(dir, { trainable: true });
    const loss = () => tf.mean(tf.square(model.classToken(px))) as tf.Scalar;
    const plain = gradsOf(model.params, loss);
    model.gradientCheckpointing = true;
    expectSame(gradsOf(model.params, loss), plain, 'ViT');
    px.dispose();
    model.dispose();
  });
});
