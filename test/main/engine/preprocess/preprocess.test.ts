import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ImagePreprocessor, parsePreprocessorConfig, shortestEdgeSize } from '../../../../main/engine/preprocess/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-pre-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// openai/clip-vit-base-patch16's preprocessor_config.json
const CLIP_CONFIG = {
  crop_size: 224, do_center_crop: true, do_normalize: true, do_resize: true, feature_extractor_type: 'CLIPFeatureExtractor',
  image_mean: [0.48145466, 0.4578275, 0.40821073], image_std: [0.26862954, 0.26130258, 0.27577711], resample: 3, size: 224,
};
// facebook/dino-vits16's
const DINO_CONFIG = { do_normalize: true, do_resize: true, feature_extractor_type: 'ViTFeatureExtractor', image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225], resample: 2, size: 224 };
// Salesforce/blip-itm-base-coco's
const BLIP_CONFIG = { do_normalize: true, do_resize: true, image_processor_type: 'BlipImageProcessor', do_rescale: true, rescale_factor: 1 / 255, resample: 3, size: { height: 384, width: 384 }, image_mean: [0.48145466, 0.4578275, 0.40821073], image_std: [0.26862954, 0.26130258, 0.27577711] };

const png = (w: number, h: number, rgb: Uint8Array) => sharp(Buffer.from(rgb), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();

describe('preprocessor_config.json', () => {
  it('reads the three reference processors: CLIP shortest edge + crop, DINO square bilinear, BLIP square', () => {
    expect(parsePreprocessorConfig(CLIP_CONFIG)).toMatchObject({ resize: { kind: 'shortest_edge', size: 224 }, kernel: 'cubic', crop: { height: 224, width: 224 }, rescale: 1 / 255 });
    expect(parsePreprocessorConfig(DINO_CONFIG)).toMatchObject({ resize: { kind: 'exact', height: 224, width: 224 }, kernel: 'linear', crop: null, mean: [0.485, 0.456, 0.406] });
    expect(parsePreprocessorConfig(BLIP_CONFIG)).toMatchObject({ resize: { kind: 'exact', height: 384, width: 384 }, crop: null });
    expect(() => parsePreprocessorConfig({ size: 'large' }, 'x/preprocessor_config.json')).toThrow(/x\/preprocessor_config\.json: field "size"/);
  });

  it('shortest-edge sizes as transformers computes them (long side truncated)', () => {
    expect(shortestEdgeSize(480, 640, 224)).toEqual({ height: 224, width: 298 });
    expect(shortestEdgeSize(640, 480, 224)).toEqual({ height: 298, width: 224 });
    expect(shortestEdgeSize(100, 100, 224)).toEqual({ height: 224, width: 224 });
  });
});

describe('ImagePreprocessor', () => {
  it('a flat colour comes out exactly (c/255 − mean)/std at the crop size, NCHW', async () => {
    const rgb = new Uint8Array(40 * 20 * 3);
    for (let i = 0; i < 40 * 20; i++) rgb.set([200, 100, 50], i * 3);
    const pre = new ImagePreprocessor(parsePreprocessorConfig({ ...CLIP_CONFIG, size: 8, crop_size: 8 }));
    const batch = await pre.batch([await png(40, 20, rgb), await png(40, 20, rgb)]);
    expect(batch.shape).toEqual([2, 3, 8, 8]);
    const v = await batch.data();
    const want = [200, 100, 50].map((c, i) => (c / 255 - CLIP_CONFIG.image_mean[i]!) / CLIP_CONFIG.image_std[i]!);
    for (let c = 0; c < 3; c++) for (let k = 0; k < 64; k++) expect(v[c * 64 + k]).toBeCloseTo(want[c]!, 5);
    batch.dispose();
  });

  it('center crop takes the middle as transformers does: top = (H − h) // 2, left = (W − w) // 2', async () => {
    // 5 × 3 image, every pixel's red = its column × 10 + row
    const rgb = new Uint8Array(5 * 3 * 3);
    for (let y = 0; y < 3; y++) for (let x = 0; x < 5; x++) rgb[(y * 5 + x) * 3] = x * 10 + y;
    const pre = new ImagePreprocessor(parsePreprocessorConfig({ do_resize: false, do_center_crop: true, crop_size: { height: 2, width: 2 }, do_normalize: false, feature_extractor_type: 'CLIPFeatureExtractor' }));
    const { data, height, width } = await pre.pixels(await png(5, 3, rgb));
    expect([height, width]).toEqual([2, 2]);
    expect(Array.from(data.slice(0, 4), (x) => Math.round(x * 255))).toEqual([10, 20, 11, 21]);
  });

  it('resizes the shortest edge keeping the aspect ratio, then crops', async () => {
    const rgb = new Uint8Array(60 * 30 * 3).fill(128);
    const pre = new ImagePreprocessor(parsePreprocessorConfig({ ...CLIP_CONFIG, size: { shortest_edge: 10 }, do_center_crop: false }));
    const out = await pre.pixels(await png(60, 30, rgb));
    expect([out.height, out.width]).toEqual([10, 20]);
    await expect(pre.batch([await png(60, 30, rgb), await png(30, 30, rgb)])).rejects.toThrow(/image 1 came out 10×10, the first 10×20/);
  });

  it('names the file for an unreadable image or a missing preprocessor_config.json', async () => {
    const bad = path.join(tmp, 'not-an-image.png');
    fs.writeFileSync(bad, 'hello');
    const pre = new ImagePreprocessor(parsePreprocessorConfig(DINO_CONFIG));
    await expect(pre.pixels(bad)).rejects.toThrow(/not-an-image\.png: not a readable image/);
    expect(() => ImagePreprocessor.fromDir(path.join(tmp, 'nowhere'))).toThrow(/nowhere\/preprocessor_config\.json: not found/);
    fs.writeFileSync(path.join(tmp, 'preprocessor_config.json'), JSON.stringify(DINO_CONFIG));
    expect(ImagePreprocessor.fromDir(tmp).processing.resize).toEqual({ kind: 'exact', height: 224, width: 224 });
    expect(tf.memory().numTensors).toBe(0);
  });
});
