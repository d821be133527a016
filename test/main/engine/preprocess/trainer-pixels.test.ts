// One preprocessing path (issue 12): the trainers feed every whole image exactly as the model folder's
// preprocessor_config.json says (ImagePreprocessor: shortest-edge resize, centre crop, rescale,
// mean/std), checked on a non-square image; the stated exception — Region-CLIP's crop of Eq. 6,
// stretched to the square input — matches the ric_step reference fixture's crop pixels; and a tensor
// worker's device, built from the task's replica, makes the same pixels from the same inputs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../../main/engine/io/safetensors.js';
import { BlipForImageTextRetrieval } from '../../../../main/engine/models/blip/index.js';
import { RegionClip } from '../../../../main/engine/models/fusion/region-clip.js';
import { CLIP_NORMALIZATION, ImagePreprocessor, parsePreprocessorConfig, stretchToSquare, trainerProcessing } from '../../../../main/engine/preprocess/index.js';
import { buildDevice } from '../../../../main/engine/training/devices.js';
import { BlipTask, RegionClipTask, tinyBlipConfig, tinyClipConfig, type RgbImage } from '../../../../main/engine/training/index.js';
import { writeWordTokenizer, folderTextEncoder } from '../../../../main/engine/training/text.js';
import type { RegionBatch } from '../../../../main/engine/training/regionclip-device.js';
import type { SceneBatch } from '../../../../main/engine/training/blip-device.js';
import { FIXTURES } from '../shared-dir.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-trainer-pixels-'));
beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** 50 × 30, every pixel different (a resize or crop that goes wrong shows). */
function nonSquare(width = 50, height = 30): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([(x * 5) % 256, (y * 8) % 256, (x * y) % 256], (y * width + x) * 3);
  return { width, height, data };
}
const png = (img: RgbImage) => sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** A model folder with a tokenizer and the given preprocessor_config.json. */
function sideFolder(name: string, processor: Record<string, unknown>): string {
  const dir = path.join(tmp, name);
  writeWordTokenizer(dir, ['a red circle', 'a blue square'], 32);
  fs.writeFileSync(path.join(dir, 'preprocessor_config.json'), JSON.stringify(processor));
  return dir;
}

// openai/clip-vit-base-patch16's recipe at the tiny model's 32 px.
const CLIP_PROCESSOR = {
  feature_extractor_type: 'CLIPFeatureExtractor', do_resize: true, size: 32, resample: 3, do_center_crop: true, crop_size: 32, do_normalize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073], image_std: [0.26862954, 0.26130258, 0.27577711],
};

describe('the trainers feed whole images as preprocessor_config.json says', () => {
  it('Region-CLIP: shortest-edge resize and centre crop of a non-square image, then the crop of Eq. 6 stretched', async () => {
    const dir = sideFolder('clip', CLIP_PROCESSOR);
    const model = RegionClip.random({ ...tinyClipConfig(8) }, { num_heads: 2 }, 1);
    const task = new RegionClipTask(model, folderTextEncoder(dir, 32, 0), dir, { maxTextTokens: 32, processing: trainerProcessing(dir, 'clip', 32), featureCacheBytes: 0 });
    task.setPhase({ name: 'joint', epochs: 1, lr: 1e-3 });
    const image = nonSquare();
    const box = { x: 7, y: 4, w: 30, h: 11 };
    const pair = { id: 's1', split: 'train' as const, target: image, box, text: 'a red circle' };
    const { inputs } = await task.inputs([pair, { ...pair, id: 's2' }], 'train');
    const batch = (await task.device.batch(inputs)) as RegionBatch;
    try {
      // The whole image: what ImagePreprocessor makes of the same picture (decoded from a PNG file).
      const reference = await ImagePreprocessor.fromDir(dir).pixels(await png(image), 'non-square.png');
      expect([reference.height, reference.width]).toEqual([32, 32]);
      const full = await batch.full!.data();
      expect(maxDiff(full.subarray(0, 3 * 32 * 32), reference.data)).toBeLessThan(1e-5);
      // It is the centre crop, not the image squeezed: the left and right edges are cut off.
      const squeezed = tf.tidy(() => stretchToSquare(tf.tensor4d(image.data, [1, 30, 50, 3], 'int32').toFloat() as tf.Tensor4D, 32));
      const squeezedRed = (await squeezed.data())[0]!;
      squeezed.dispose();
      expect(Math.abs(reference.data[0]! - (squeezedRed / 255 - CLIP_PROCESSOR.image_mean[0]!) / CLIP_PROCESSOR.image_std[0]!)).toBeGreaterThan(0.1);

      // The stated exception: rows 4..14 and columns 7..36 stretched to 32 × 32, aspect not kept.
      const want = tf.tidy(() => {
        const cut = tf.slice(tf.tensor4d(image.data, [1, 30, 50, 3], 'int32').toFloat(), [0, box.y, box.x, 0], [1, box.h, box.w, 3]) as tf.Tensor4D;
        const x = tf.div(tf.sub(tf.div(stretchToSquare(cut, 32), 255), tf.tensor1d(CLIP_PROCESSOR.image_mean)), tf.tensor1d(CLIP_PROCESSOR.image_std));
        return tf.transpose(x, [0, 3, 1, 2]);
      });
      expect(maxDiff((await batch.crop!.data()).subarray(0, 3 * 32 * 32), await want.data())).toBeLessThan(1e-5);
      want.dispose();

      // A tensor worker's device, built from the task's replica, makes the same pixels from the same inputs.
      const built = buildDevice(await task.replica());
      built.device.setPhase({ name: 'joint', epochs: 1, lr: 1e-3 });
      const there = (await built.device.batch(built.inputs.parse(structuredClone(inputs)))) as RegionBatch;
      expect(Array.from(await there.full!.data())).toEqual(Array.from(full));
      expect(Array.from(await there.crop!.data())).toEqual(Array.from(await batch.crop!.data()));
      there.dispose();
      built.dispose();
    } finally {
      batch.dispose();
      model.dispose();
    }
  });

  it('BLIP: BlipImageProcessor resizes to exactly 32 × 32 (its own stretch), the same on a worker', async () => {
    const processor = { image_processor_type: 'BlipImageProcessor', do_resize: true, size: { height: 32, width: 32 }, resample: 3, do_normalize: true, image_mean: CLIP_PROCESSOR.image_mean, image_std: CLIP_PROCESSOR.image_std };
    const dir = sideFolder('blip', processor);
    const model = BlipForImageTextRetrieval.random(tinyBlipConfig(8), 1);
    const task = new BlipTask(model, folderTextEncoder(dir, 32, 0), dir, { maxTextTokens: 32, processing: trainerProcessing(dir, 'blip', 32) });
    const image = nonSquare(30, 50);
    const { inputs } = await task.inputs([{ id: 's1', split: 'train', target: image, text: 'a red circle' }]);
    const batch = (await task.device.batch(inputs)) as SceneBatch;
    try {
      const reference = await new ImagePreprocessor(parsePreprocessorConfig(processor)).pixels(await png(image));
      expect(maxDiff(await batch.pixels.data(), reference.data)).toBeLessThan(1e-5);
      const built = buildDevice(await task.replica());
      const there = (await built.device.batch(built.inputs.parse(structuredClone(inputs)))) as SceneBatch;
      expect(Array.from(await there.pixels.data())).toEqual(Array.from(await batch.pixels.data()));
      there.dispose();
      built.dispose();
    } finally {
      batch.dispose();
      model.dispose();
    }
  });

  it('a folder without preprocessor_config.json gets the reference class recipe at the model size; a mismatched one is refused', () => {
    expect(trainerProcessing(null, 'clip', 224).processing).toMatchObject({ resize: { kind: 'shortest_edge', size: 224 }, crop: { height: 224, width: 224 }, kernel: 'cubic' });
    expect(trainerProcessing(null, 'blip', 384).processing).toMatchObject({ resize: { kind: 'exact', height: 384, width: 384 }, crop: null });
    const dir = sideFolder('mismatch', { ...CLIP_PROCESSOR, crop_size: 224, size: 224 });
    expect(() => trainerProcessing(dir, 'clip', 32)).toThrow(/mismatch\/preprocessor_config\.json: it makes 224×224, but the model's vision_config\.image_size is 32/);
  });
});

describe('the region crop of Eq. 6 as the ric_step fixture makes it', () => {
  it('rows y0..y1 and columns x0..x1 of the image, bilinear with half-pixel centres to CLIP size, CLIP mean/std', async () => {
    const dir = path.join(FIXTURES, 'parity', 'ric_step', 'a');
    const out = readSafetensors(path.join(dir, 'outputs.safetensors'));
    const image = out.get('image_hat')!;
    const boxes = out.get('boxes')!;
    const want = out.get('crop_pixel_values')!;
    const [n, , h, w] = image.shape as [number, number, number, number];
    const size = want.shape[2]!;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const [y0, x0, y1, x1] = Array.from(boxes.values.slice(i * 4, i * 4 + 4));
      const got = tf.tidy(() => {
        const nhwc = tf.transpose(tf.div(tf.add(tf.tensor4d(image.values as Float32Array, image.shape as [number, number, number, number]), 1), 2), [0, 2, 3, 1]);
        const cut = tf.slice(nhwc, [i, y0!, x0!, 0], [1, y1! - y0! + 1, x1! - x0! + 1, 3]) as tf.Tensor4D;
        const x = tf.div(tf.sub(stretchToSquare(cut, size), tf.tensor1d([...CLIP_NORMALIZATION.mean])), tf.tensor1d([...CLIP_NORMALIZATION.std]));
        return tf.transpose(x, [0, 3, 1, 2]);
      });
      const per = 3 * size * size;
      worst = Math.max(worst, maxDiff(await got.data(), want.values.subarray(i * per, (i + 1) * per)));
      got.dispose();
    }
    expect([h, w]).toEqual([64, 64]);
    expect(worst).toBeLessThan(1e-4);
  });
});
