// The trainers from pretrained model folders (base_model) rather than the tiny presets: the shared
// tiny CLIPModel and BlipForImageTextRetrieval fixtures, each given a tokenizer for ShapesEdit's
// words. Both phases run, the checkpoint carries the base folder's tokenizer and loads strictly.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BlipForImageTextRetrieval } from '../../../../main/engine/models/blip/index.js';
import type { ClipModel } from '../../../../main/engine/models/clip/index.js';
import { fromPretrained } from '../../../../main/engine/models/registry.js';
import { parseBlipTrainingConfig, parseRegionClipConfig, trainBlip, trainRegionClip } from '../../../../main/engine/training/index.js';
import { writeWordTokenizer } from '../../../../main/engine/training/text.js';
import { FIXTURES } from '../shared-dir.js';
import { shapesPairs } from './shapes-pairs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-pretrained-'));
beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of a fixture model folder with a word tokenizer over `texts` (ids stay below its vocabulary). */
function baseFolder(fixture: string, name: string, texts: string[], window: number): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(FIXTURES, fixture, f), path.join(dir, f));
  expect(writeWordTokenizer(dir, texts, window).vocabSize).toBeLessThan(1000);
  return dir;
}

const { region, scene } = shapesPairs(40, 5);

it('trains Region-CLIP from a CLIP folder through both phases', async () => {
  const base = baseFolder('parity/clip/case_a', 'clip', region.map((p) => p.text), 77);
  const config = parseRegionClipConfig({
    base_model: base,
    batch_size: 16,
    micro_batch_size: 16,
    fusion: { num_heads: 4 },
    phases: [
      { name: 'fusion', epochs: 1, lr: 1e-3 },
      { name: 'joint', epochs: 1, lr: 1e-4 },
    ],
  });
  const result = await trainRegionClip({ config, pairs: region, outputDir: path.join(tmp, 'rc-run') });
  expect(result.losses.every(Number.isFinite)).toBe(true);
  expect(result.validation!.val_pairs).toBeGreaterThanOrEqual(2);
  const ckpt = result.finalCheckpoint!;
  expect(fs.existsSync(path.join(ckpt, 'clip', 'tokenizer.json'))).toBe(true);
  const clip = await fromPretrained<ClipModel>(path.join(ckpt, 'clip'), { strict: true });
  expect(clip.config.vision_config.hidden_size).toBe(64);
  // Phase "joint" changed CLIP itself.
  const before = await fromPretrained<ClipModel>(base);
  const name = 'vision_model.encoder.layers.0.mlp.fc1.weight';
  const delta = tf.tidy(() => tf.max(tf.abs(tf.sub(clip.params.get(name), before.params.get(name)))).dataSync()[0]!);
  expect(delta).toBeGreaterThan(0);
  clip.dispose();
  before.dispose();
}, 120_000);

it('trains BLIP from a BlipForImageTextRetrieval folder', async () => {
  const base = baseFolder('parity/blip_itr', 'blip', scene.map((p) => p.text), 64);
  const config = parseBlipTrainingConfig({ base_model: base, batch_size: 12, micro_batch_size: 4, phases: [{ name: 'blip', epochs: 1, lr: 1e-4 }] });
  const result = await trainBlip({ config, pairs: scene, outputDir: path.join(tmp, 'blip-run') });
  expect(result.losses.every(Number.isFinite)).toBe(true);
  const model = await fromPretrained<BlipForImageTextRetrieval>(result.finalCheckpoint!, { strict: true });
  expect(model.config.image_text_hidden_size).toBe(24);
  expect(fs.existsSync(path.join(result.finalCheckpoint!, 'tokenizer.json'))).toBe(true);
  model.dispose();
}, 120_000);
