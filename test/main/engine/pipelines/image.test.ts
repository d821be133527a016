// Image files as the editor's input: RGB decoded to [1, 3, H, W] in [0, 1] (sides floored to multiples of
// 8 by resizing), and the files it refuses — grayscale, alpha, unreadable — each named with what to do;
// widening a text-to-image UNet's input to InstructPix2Pix's 8 channels leaves its output unchanged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromPretrained } from '../../../../main/engine/models/registry.js';
import { widenUNetInput, type UNet2DConditionModel } from '../../../../main/engine/models/unet/index.js';
import { loadEditImage, saveEditImage } from '../../../../main/engine/pipelines/index.js';
import { FIXTURES } from '../shared-dir.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-editimg-'));
beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const raw = (w: number, h: number, channels: 1 | 3 | 4, f: (x: number, y: number, c: number) => number) =>
  sharp(Buffer.from(Array.from({ length: w * h * channels }, (_, i) => f(Math.floor(i / channels) % w, Math.floor(i / channels / w), i % channels))), { raw: { width: w, height: h, channels } });

describe('loadEditImage', () => {
  it('decodes RGB to [1, 3, H, W] in [0, 1], channel-first, sides floored to multiples of 8', async () => {
    const file = path.join(tmp, 'rgb.png');
    await raw(20, 17, 3, (x, y, c) => (c === 0 ? x * 10 : c === 1 ? y * 10 : 255)).png().toFile(file);
    const exact = await loadEditImage(file, { multipleOf: 1 });
    expect(exact.shape).toEqual([1, 3, 17, 20]);
    const v = await exact.data();
    expect([v[3]! * 255, v[17 * 20 + 2 * 20]! * 255, v[2 * 17 * 20]! * 255].map(Math.round)).toEqual([30, 20, 255]);
    const floored = await loadEditImage(file);
    expect(floored.shape).toEqual([1, 3, 16, 16]);
    const out = path.join(tmp, 'saved.png');
    await saveEditImage(exact, out);
    const back = await loadEditImage(out, { multipleOf: 1 });
    expect(Array.from(await back.data())).toEqual(Array.from(v));
    tf.dispose([exact, floored, back]);
  });

  it('refuses grayscale, alpha and unreadable files naming the file (or converts when asked)', async () => {
    const gray = path.join(tmp, 'gray.png');
    await raw(16, 16, 1, () => 128).toColourspace('b-w').png().toFile(gray);
    const alpha = path.join(tmp, 'alpha.png');
    await raw(16, 16, 4, (_x, _y, c) => (c === 3 ? 0 : 10)).png().toFile(alpha);
    const junk = path.join(tmp, 'junk.png');
    fs.writeFileSync(junk, 'not an image');
    await expect(loadEditImage(gray)).rejects.toThrow(/gray\.png: is b-w with 1 channel: the editor takes RGB images/);
    await expect(loadEditImage(alpha)).rejects.toThrow(/alpha\.png: has an alpha channel \(4 channels\)/);
    await expect(loadEditImage(junk)).rejects.toThrow(/junk\.png: not a readable image/);
    await expect(loadEditImage(path.join(tmp, 'none.png'))).rejects.toThrow(/none\.png: not found/);
    const flat = await loadEditImage(alpha, { convertToRgb: true });
    expect(Math.round((await flat.data())[0]! * 255)).toBe(255); // transparent over white
    const g = await loadEditImage(gray, { convertToRgb: true });
    expect(g.shape).toEqual([1, 3, 16, 16]);
    tf.dispose([flat, g]);
  });
});

describe('widenUNetInput', () => {
  it('adds zero conv_in channels: the 8-channel UNet ignores the new channels and matches the original', async () => {
    const unet = await fromPretrained<UNet2DConditionModel>(path.join(FIXTURES, 'parity/unet/case_b'));
    const wide = widenUNetInput(unet, 8, { trainable: true });
    expect(wide.config.in_channels).toBe(8);
    expect(wide.params.get('conv_in.weight').shape).toEqual([32, 8, 3, 3]);
    expect(wide.params.get('conv_in.weight').trainable).toBe(true);
    const x = tf.randomNormal([1, 4, 8, 8], 0, 1, 'float32', 1);
    const extra = tf.randomNormal([1, 4, 8, 8], 0, 1, 'float32', 2);
    const e = tf.randomNormal([1, 5, 24], 0, 1, 'float32', 3);
    const [a, b] = [unet.forward(x, 10, e), wide.forward(tf.concat([x, extra], 1), 10, e)];
    expect(Math.max(...Array.from(await tf.abs(tf.sub(a, b)).data()))).toBeLessThan(1e-5);
    expect(() => widenUNetInput(unet, 2)).toThrow(/already takes 4/);
    unet.dispose();
    wide.dispose();
  });
});
