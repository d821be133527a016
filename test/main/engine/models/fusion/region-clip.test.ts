// Region-CLIP built on a pretrained CLIP folder (the shared tiny CLIPModel fixture): the new fusion
// module starts at CLIP's own image embedding of the crop (initFromClip), and the pair saves/loads as
// two fromPretrained folders.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RegionClip } from '../../../../../main/engine/models/fusion/region-clip.js';
import { FIXTURES } from '../../shared-dir.js';

const CLIP = path.join(FIXTURES, 'parity/clip/case_a');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-regionclip-'));
beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('starts f_r at CLIP\'s image embedding of the crop when the gate is closed', async () => {
  const model = await RegionClip.fromClip(CLIP, { num_heads: 4, kernel_size: 3 }, 1);
  expect(model.fusion.config).toMatchObject({ input_dim: 64, hidden_dim: 64, projection_dim: 32 });
  // Close the gate completely: z = ẽ_r = e_r, LayerNorm = post_layernorm, projection = visual_projection.
  model.fusion.params.get('gate.bias').assign(tf.fill([64], -1e4));
  const crop = tf.randomNormal([2, 3, 32, 32], 0, 1, 'float32', 7);
  const full = tf.randomNormal([2, 3, 32, 32], 0, 1, 'float32', 8);
  const fr = model.regionEmbedding(crop, full).dataSync();
  const clip = model.clip.imageFeatures(crop).dataSync();
  for (let i = 0; i < clip.length; i++) expect(Math.abs(fr[i]! - clip[i]!)).toBeLessThan(1e-5 + 1e-5 * Math.abs(clip[i]!));
  model.dispose();
});

it('saves clip/ and fusion/ folders that load back to the same region embedding', async () => {
  const model = await RegionClip.fromClip(CLIP, { num_heads: 2, kernel_size: 5, pooling: 'mean' }, 2);
  const dir = path.join(tmp, 'rc');
  await model.save(dir);
  const again = await RegionClip.load(dir);
  expect(again.fusion.config).toMatchObject({ kernel_size: 5, num_heads: 2, pooling: 'mean' });
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'clip', 'config.json'), 'utf8'))).toMatchObject({ model_type: 'clip', projection_dim: 32 });
  const crop = tf.randomNormal([1, 3, 32, 32], 0, 1, 'float32', 3);
  const full = tf.randomNormal([1, 3, 32, 32], 0, 1, 'float32', 4);
  expect(Array.from(again.regionEmbedding(crop, full).dataSync())).toEqual(Array.from(model.regionEmbedding(crop, full).dataSync()));
  model.dispose();
  again.dispose();
});
