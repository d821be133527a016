import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../../../../main/engine/io/safetensors.js';
import { blipConfigDefaults, BlipForImageTextRetrieval, parseBlipConfig } from '../../../../../main/engine/models/blip/index.js';
import { applyConfigDefaults, fromPretrained } from '../../../../../main/engine/models/registry.js';
import { FIXTURES } from '../../shared-dir.js';

const load = (dir: string, strict = false) => fromPretrained<BlipForImageTextRetrieval>(dir, { strict });

const CASE = path.join(FIXTURES, 'parity', 'blip_itr');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-blip-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the fixture with its weights changed by `edit`. */
function variant(name: string, edit: (m: Map<string, { shape: number[]; values: Float32Array | Int32Array; dtype?: 'F32' | 'I64' }>) => void): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(CASE, 'config.json'), path.join(dir, 'config.json'));
  const tensors = new Map([...readSafetensors(path.join(CASE, 'model.safetensors'))].map(([k, v]) => [k, { shape: v.shape, values: v.values }]));
  edit(tensors as never);
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  return dir;
}

describe('BlipForImageTextRetrieval loading', () => {
  it('applies the transformers defaults for omitted config values', () => {
    const c = parseBlipConfig({});
    expect(c.image_text_hidden_size).toBe(256);
    expect(c.text_config).toMatchObject({ vocab_size: 30524, hidden_size: 768, num_attention_heads: 8, layer_norm_eps: 1e-12, max_position_embeddings: 512 });
    expect(c.vision_config).toMatchObject({ image_size: 384, patch_size: 16, num_attention_heads: 12, layer_norm_eps: 1e-5 });
  });

  it('rebuilds the reference library\'s full config (config_full.json) from the saved one', () => {
    const raw = JSON.parse(fs.readFileSync(path.join(CASE, 'config.json'), 'utf8'));
    const full = JSON.parse(fs.readFileSync(path.join(CASE, 'config_full.json'), 'utf8'));
    const ours = applyConfigDefaults(raw, blipConfigDefaults) as Record<string, Record<string, unknown>>;
    for (const sub of ['text_config', 'vision_config']) {
      for (const [k, v] of Object.entries(full[sub] as Record<string, unknown>)) expect(ours[sub]![k], `${sub}.${k}`).toEqual(v);
    }
    for (const k of ['projection_dim', 'image_text_hidden_size', 'logit_scale_init_value']) expect(ours[k]).toEqual(full[k]);
  });

  it('names a missing tensor', async () => {
    const dir = variant('missing', (m) => m.delete('itm_head.bias'));
    await expect(load(dir)).rejects.toThrow(/missing tensors: itm_head\.bias/);
  });

  it('names a misshapen tensor and an unexpected one', async () => {
    const dir = variant('misshapen', (m) => {
      m.set('text_proj.weight', { shape: [24, 16], values: new Float32Array(24 * 16) });
      m.set('text_encoder.pooler.dense.weight', { shape: [1], values: new Float32Array(1) });
    });
    await expect(load(dir)).rejects.toThrow(/text_proj\.weight is \[24, 16\], expected \[24, 32\]/);
    const ok = variant('unexpected', (m) => m.set('text_encoder.pooler.dense.weight', { shape: [1], values: new Float32Array(1) }));
    await expect(load(ok, true)).rejects.toThrow(/unexpected tensors: text_encoder\.pooler\.dense\.weight/);
    const lenient = await load(ok);
    expect(lenient.loadReport.unexpected).toEqual(['text_encoder.pooler.dense.weight']);
    lenient.dispose();
  });

  it('names a tensor of the wrong dtype', async () => {
    const dir = variant('dtype', (m) => m.set('itm_head.bias', { shape: [2], values: new Int32Array([1, 2]), dtype: 'I64' }));
    await expect(load(dir)).rejects.toThrow(/itm_head\.bias is I64/);
  });

  it('rejects another architecture', async () => {
    const dir = path.join(tmp, 'arch');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'blip', architectures: ['BlipForConditionalGeneration'] }));
    await expect(load(dir)).rejects.toThrow(/BlipForConditionalGeneration.*only BlipForImageTextRetrieval/);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ architectures: ['BlipForQuestionAnswering'] }));
    await expect(load(dir)).rejects.toThrow(/unknown architecture.*BlipForQuestionAnswering/);
  });

  it('save → load gives identical outputs', async () => {
    const a = await load(CASE);
    const dir = path.join(tmp, 'saved');
    await a.save(dir);
    const b = await load(dir, true);
    const pixels = tf.randomNormal([2, 3, 32, 32], 0, 1, 'float32', 4);
    const ids = tf.tensor2d([[101, 5, 6, 102], [101, 7, 102, 0]], undefined, 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 0]], undefined, 'int32');
    expect(Array.from(b.itmLogits(pixels, ids, mask).dataSync())).toEqual(Array.from(a.itmLogits(pixels, ids, mask).dataSync()));
    expect(Array.from(b.cosineSimilarity(pixels, ids, mask).dataSync())).toEqual(Array.from(a.cosineSimilarity(pixels, ids, mask).dataSync()));
    a.dispose();
    b.dispose();
  });
});
