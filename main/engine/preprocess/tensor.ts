// The trainers' image path: the region crop of Eq. 6 (the tightest box of the mask, cut from the
// target image) and the whole image, each resized to the model's square input and normalised with
// the model's mean/std, NCHW. Done with tensor ops (crop-and-resize, bilinear) — the same ops the
// editor applies to its predicted image, so Region-CLIP trains on the crops it will later be asked
// to judge.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { PixelBox, RgbImage } from '../training/types.js';
import { CLIP_MEAN, CLIP_STD, PREPROCESSOR_CONFIG, readPreprocessorConfig } from './config.js';

export interface Normalization {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** OpenAI CLIP's statistics; BLIP's image processor uses the same. */
export const CLIP_NORMALIZATION: Normalization = { mean: CLIP_MEAN, std: CLIP_STD };

/**
 * image_mean / image_std from a model folder's preprocessor_config.json, else CLIP's (also for a
 * field the file leaves out: the trainers' behaviour, which issue 12 revisits — the processor's own
 * defaults are parsePreprocessorConfig's).
 */
export function normalizationOf(modelDir: string | null): Normalization {
  if (!modelDir || !fs.existsSync(path.join(modelDir, PREPROCESSOR_CONFIG))) return CLIP_NORMALIZATION;
  const { file, raw: json } = readPreprocessorConfig(modelDir);
  const raw = (typeof json === 'object' && json !== null ? json : {}) as { image_mean?: unknown; image_std?: unknown };
  const triple = (v: unknown, field: string): [number, number, number] => {
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number')) throw new Error(`${file}: ${field} must be three numbers`);
    return v as [number, number, number];
  };
  return { mean: triple(raw.image_mean ?? CLIP_NORMALIZATION.mean, 'image_mean'), std: triple(raw.image_std ?? CLIP_NORMALIZATION.std, 'image_std') };
}

/** Clamps a box to the image and checks it is not empty (a sample whose mask is empty has no region). */
export function clampBox(box: PixelBox, width: number, height: number, sample = 'sample'): PixelBox {
  const x = Math.max(0, Math.min(width - 1, Math.floor(box.x)));
  const y = Math.max(0, Math.min(height - 1, Math.floor(box.y)));
  const w = Math.min(width - x, Math.ceil(box.w));
  const h = Math.min(height - y, Math.ceil(box.h));
  if (!(w > 0 && h > 0)) throw new Error(`${sample}: the mask box ${JSON.stringify(box)} is empty inside the ${width}×${height} image`);
  return { x, y, w, h };
}

/**
 * A batch of images (each optionally cropped to `boxes[i]`, Eq. 6) → normalised NCHW [B, 3, size, size].
 * Pixel centres map to pixel centres: the crop [x, x + w) samples from x to x + w − 1.
 */
export function pixelBatch(images: readonly RgbImage[], boxes: readonly (PixelBox | null)[], size: number, norm: Normalization): tf.Tensor4D {
  return tf.tidy(() => {
    const resized = images.map((img, i) => {
      const box = boxes[i] ?? { x: 0, y: 0, w: img.width, h: img.height };
      const image = tf.div(tf.tensor4d(img.data, [1, img.height, img.width, 3], 'int32').toFloat(), 255) as tf.Tensor4D;
      const sx = Math.max(1, img.width - 1);
      const sy = Math.max(1, img.height - 1);
      const normalized = [[box.y / sy, box.x / sx, (box.y + box.h - 1) / sy, (box.x + box.w - 1) / sx]];
      return tf.image.cropAndResize(image, normalized, [0], [size, size], 'bilinear');
    });
    const nhwc = resized.length === 1 ? resized[0]! : tf.concat(resized, 0);
    const normed = tf.div(tf.sub(nhwc, tf.tensor1d([...norm.mean])), tf.tensor1d([...norm.std]));
    return tf.transpose(normed, [0, 3, 1, 2]) as tf.Tensor4D;
  });
}
