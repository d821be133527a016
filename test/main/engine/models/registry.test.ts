// fromPretrained: config defaults as the reference library applies them, the registry, parameter
// checks, and clear errors naming the tensor or file for every kind of bad folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.js';
import { readSafetensors, writeSafetensors, type WritableTensor } from '../../../../main/engine/io/safetensors.js';
import type { ClipModel } from '../../../../main/engine/models/clip/index.js';
import { checkPretrained, fromPretrained, resolveConfig } from '../../../../main/engine/models/registry.js';
import { FIXTURES } from '../shared-dir.js';

const CLIP_A = path.join(FIXTURES, 'parity/clip/case_a');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-registry-'));
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of CLIP case_a with its weights edited by `edit`. */
function variant(name: string, edit: (w: Map<string, WritableTensor>) => void, config?: object): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'config.json'), config ? JSON.stringify(config) : fs.readFileSync(path.join(CLIP_A, 'config.json')));
  const w = new Map<string, WritableTensor>([...readSafetensors(path.join(CLIP_A, 'model.safetensors'))].map(([k, v]) => [k, { ...v, dtype: 'F32' as const }]));
  edit(w);
  writeSafetensors(path.join(dir, 'model.safetensors'), w);
  return dir;
}

describe('config defaults', () => {
  for (const c of ['parity/clip/case_a', 'parity/clip/case_b', 'metrics/vit/dino_a']) {
    it(`${c}: config.json + the class defaults == config_full.json`, () => {
      const full = JSON.parse(fs.readFileSync(path.join(FIXTURES, c, 'config_full.json'), 'utf8')) as unknown;
      expect(resolveConfig(path.join(FIXTURES, c)).full).toEqual(full);
    });
  }

  it('reads layer_norm_eps 1e-6 from the DINO config (class default 1e-12) and quick_gelu by default for CLIP', () => {
    expect((resolveConfig(path.join(FIXTURES, 'metrics/vit/dino_a')).config as { layer_norm_eps: number }).layer_norm_eps).toBe(1e-6);
    expect((resolveConfig(CLIP_A).config as { text_config: { hidden_act: string } }).text_config.hidden_act).toBe('quick_gelu');
  });
});

describe('fromPretrained', () => {
  it('loads every parameter as a variable, frozen by default, and dispose() frees them all', async () => {
    const before = tf.memory().numTensors;
    const model = await fromPretrained<ClipModel>(CLIP_A);
    expect(model.params.size).toBe(78);
    expect(model.params.numParams()).toBe(225585);
    expect(model.params.get('logit_scale').trainable).toBe(false);
    expect(model.loadReport.unexpected).toEqual([]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('saves a checkpoint that loads back to identical outputs', async () => {
    const model = await fromPretrained<ClipModel>(CLIP_A);
    const dir = path.join(tmp, 'saved');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(CLIP_A, 'config.json'), path.join(dir, 'config.json'));
    await model.params.save(path.join(dir, 'model.safetensors'));
    const again = await fromPretrained<ClipModel>(dir);
    const px = tf.randomNormal([1, 3, 32, 32], 0, 1, 'float32', 3);
    const a = model.imageFeatures(px);
    const b = again.imageFeatures(px);
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([px, a, b]);
    model.dispose();
    again.dispose();
  });

  it('loads F16 and BF16 checkpoints widened to float32, and sharded ones through model.safetensors.index.json', async () => {
    const ref = await fromPretrained<ClipModel>(CLIP_A);
    const px = tf.randomNormal([2, 3, 32, 32], 0, 1, 'float32', 5);
    const want = ref.imageFeatures(px);
    for (const dtype of ['F16', 'BF16'] as const) {
      const dir = variant(`half-${dtype}`, (w) => {
        for (const [k, v] of w) w.set(k, { ...v, dtype });
      });
      const model = await fromPretrained<ClipModel>(dir);
      const got = model.imageFeatures(px);
      const err = tf.max(tf.abs(tf.sub(got, want)));
      const scale = tf.max(tf.abs(want));
      const rel = (await err.data())[0]! / (await scale.data())[0]!;
      expect(rel, dtype).toBeLessThan(dtype === 'F16' ? 5e-3 : 5e-2);
      expect(rel, dtype).toBeGreaterThan(0);
      tf.dispose([got, err, scale]);
      model.dispose();
    }
    // two shards + index, as save_pretrained writes big checkpoints
    const sharded = path.join(tmp, 'sharded');
    fs.mkdirSync(sharded);
    fs.copyFileSync(path.join(CLIP_A, 'config.json'), path.join(sharded, 'config.json'));
    const all = [...readSafetensors(path.join(CLIP_A, 'model.safetensors'))];
    const half = Math.floor(all.length / 2);
    const weightMap: Record<string, string> = {};
    all.forEach(([k], i) => (weightMap[k] = i < half ? 'model-00001-of-00002.safetensors' : 'model-00002-of-00002.safetensors'));
    writeSafetensors(path.join(sharded, 'model-00001-of-00002.safetensors'), new Map(all.slice(0, half)));
    writeSafetensors(path.join(sharded, 'model-00002-of-00002.safetensors'), new Map(all.slice(half)));
    fs.writeFileSync(path.join(sharded, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const model = await fromPretrained<ClipModel>(sharded);
    expect(model.loadReport.weightFiles).toHaveLength(2);
    const got = model.imageFeatures(px);
    expect(Array.from(await got.data())).toEqual(Array.from(await want.data()));
    tf.dispose([got, want, px]);
    model.dispose();
    ref.dispose();
  });

  it('reports unexpected tensors, and refuses them with strict', async () => {
    const dir = variant('unexpected', (w) => w.set('extra.weight', { shape: [2], values: new Float32Array(2) }));
    const model = await fromPretrained(dir);
    expect(model.loadReport.unexpected).toEqual(['extra.weight']);
    model.dispose();
    await expect(fromPretrained(dir, { strict: true })).rejects.toThrow(/unexpected tensors: extra\.weight/);
  });

  it('loads a ViT base model out of a task checkpoint (vit. prefix, classifier head ignored)', async () => {
    const dino = path.join(FIXTURES, 'metrics/vit/dino_a');
    const dir = path.join(tmp, 'vit-task');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(dino, 'config.json'), 'utf8')), architectures: ['ViTForImageClassification'] }));
    const w = new Map<string, WritableTensor>([...readSafetensors(path.join(dino, 'model.safetensors'))].map(([k, v]) => [`vit.${k}`, v]));
    w.set('classifier.weight', { shape: [2, 48], values: new Float32Array(96) });
    w.set('classifier.bias', { shape: [2], values: new Float32Array(2) });
    writeSafetensors(path.join(dir, 'model.safetensors'), w);
    const model = await fromPretrained(dir);
    expect(model.loadReport).toMatchObject({ ok: true, unexpected: [], missing: [] });
    expect(model.params.has('embeddings.cls_token')).toBe(true);
    model.dispose();
  });

  it('ignores the position_ids buffers older CLIP checkpoints carry', () => {
    const dir = variant('posids', (w) => w.set('text_model.embeddings.position_ids', { shape: [1, 77], values: new Int32Array(77), dtype: 'I64' }));
    expect(checkPretrained(dir).unexpected).toEqual([]);
  });
});

describe('bad model folders fail naming the tensor or the file', () => {
  it('a missing tensor', async () => {
    const dir = variant('missing', (w) => w.delete('text_projection.weight'));
    await expect(fromPretrained(dir)).rejects.toThrow(/missing tensors: text_projection\.weight/);
    expect(checkPretrained(dir)).toMatchObject({ ok: false, missing: ['text_projection.weight'] });
  });

  it('a misshapen tensor', async () => {
    const dir = variant('misshapen', (w) => {
      const t = w.get('visual_projection.weight')!;
      w.set('visual_projection.weight', { ...t, shape: [64, 32] });
    });
    await expect(fromPretrained(dir)).rejects.toThrow(/visual_projection\.weight is \[64, 32\], expected \[32, 64\]/);
  });

  it('a wrong dtype', async () => {
    const dir = variant('dtype', (w) => w.set('logit_scale', { shape: [], values: new Int32Array([3]), dtype: 'I64' }));
    await expect(fromPretrained(dir)).rejects.toThrow(/wrong dtype: logit_scale is I64, expected a float/);
  });

  it('a truncated safetensors file', async () => {
    const dir = variant('truncated', () => undefined);
    const file = path.join(dir, 'model.safetensors');
    fs.truncateSync(file, fs.statSync(file).size - 1000);
    await expect(fromPretrained(dir)).rejects.toThrow(/truncated\/model\.safetensors: tensor "visual_projection\.weight": data ends at byte \d+ but the file has \d+ bytes/);
  });

  it('an unknown architecture', async () => {
    const dir = variant('unknown', () => undefined, { model_type: 'llama', architectures: ['LlamaForCausalLM'] });
    await expect(fromPretrained(dir)).rejects.toThrow(/unknown\/config\.json: unknown architecture: model_type "llama", architectures \["LlamaForCausalLM"\]; known: clip \(CLIPModel\)/);
  });

  it('no config.json, an invalid one, a bad field, no weights', async () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    await expect(fromPretrained(empty)).rejects.toThrow(/empty\/config\.json: not found/);
    fs.writeFileSync(path.join(empty, 'config.json'), '{"model_type": "clip",');
    await expect(fromPretrained(empty)).rejects.toThrow(/empty\/config\.json: invalid JSON/);
    fs.writeFileSync(path.join(empty, 'config.json'), JSON.stringify({ model_type: 'clip', vision_config: { patch_size: 'big' } }));
    await expect(fromPretrained(empty)).rejects.toThrow(/empty\/config\.json: field "vision_config\.patch_size"/);
    fs.writeFileSync(path.join(empty, 'config.json'), JSON.stringify({ model_type: 'clip' }));
    await expect(fromPretrained(empty)).rejects.toThrow(/empty: no model\.safetensors/);
  });
});
