// The tiny Region-CLIP preset, trained on 300 ShapesEdit samples (the dataset's own ~10% validation
// split), must retrieve validation pairs clearly better than chance. Chance recall@1 accounts for
// repeated texts (equal texts are interchangeable matches; retrieval.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, expect, it } from 'vitest';
import { trainRegionClip, parseRegionClipConfig, regionClipPreset } from '../../../../main/engine/training/index.js';
import { shapesPairs } from './shapes-pairs.js';

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-regionclip-recall-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

it('tiny Region-CLIP reaches validation recall@1 clearly above chance on ShapesEdit', async () => {
  await tf.setBackend('wasm');
  const started = Date.now();
  const result = await trainRegionClip({ config: parseRegionClipConfig(regionClipPreset('tiny')), pairs: shapesPairs(300, 1).region, outputDir: out });
  const v = result.validation!;
  const seconds = (Date.now() - started) / 1000;
  console.log(`tiny Region-CLIP: ${result.steps} steps in ${seconds.toFixed(1)} s; val recall@1 ${v.val_r1!.toFixed(3)} (image→text ${v.val_i2t_r1!.toFixed(3)}, text→image ${v.val_t2i_r1!.toFixed(3)}) vs chance ${v.val_chance_r1!.toFixed(3)}; recall@5 ${v.val_r5!.toFixed(3)}; ${v.val_pairs} validation pairs`);
  expect(v.val_r1!).toBeGreaterThanOrEqual(3 * v.val_chance_r1!);
  expect(v.val_r1! - v.val_chance_r1!).toBeGreaterThan(0.1);
  expect(v.val_r5!).toBeGreaterThan(v.val_r1!);
}, 180_000);
