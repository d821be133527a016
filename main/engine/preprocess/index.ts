// Image preprocessing, the one module for it. ImagePreprocessor follows a checkpoint's
// preprocessor_config.json (transformers' CLIPImageProcessor, BlipImageProcessor,
// ViTImageProcessor): convert to RGB, resize (shortest edge keeping aspect, or to height × width)
// with the named resample filter, center crop, rescale to [0, 1], normalise by mean/std, NCHW
// float32. Done with sharp (libvips) on 8-bit pixels, as PIL does it in the reference; resampling
// filters differ slightly between the two libraries. The trainers' tensor path (Eq. 6 crops resized
// with tensor ops, normalised with the folder's statistics) is tensor.ts.
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { readPreprocessorConfig, parsePreprocessorConfig, type ImageProcessing } from './config.js';

export { parsePreprocessorConfig, readPreprocessorConfig, PREPROCESSOR_CONFIG, type ImageProcessing, type Resize } from './config.js';
export { CLIP_NORMALIZATION, clampBox, normalizationOf, pixelBatch, type Normalization } from './tensor.js';

/** The output size of transformers' shortest-edge resize: short side → size, long side scaled and truncated. */
export function shortestEdgeSize(height: number, width: number, size: number): { height: number; width: number } {
  const short = Math.min(height, width);
  const long = Math.max(height, width);
  const newLong = Math.trunc((size * long) / short);
  return height <= width ? { height: size, width: newLong } : { height: newLong, width: size };
}

export class ImagePreprocessor {
  constructor(readonly processing: ImageProcessing) {}

  static fromDir(dir: string): ImagePreprocessor {
    const { file, raw } = readPreprocessorConfig(dir);
    return new ImagePreprocessor(parsePreprocessorConfig(raw, file));
  }

  /** One image (file path or encoded bytes) → CHW float32 and its size. */
  async pixels(input: string | Buffer, name = typeof input === 'string' ? input : 'image'): Promise<{ data: Float32Array; height: number; width: number }> {
    const p = this.processing;
    let img = sharp(input, { failOn: 'error' }).removeAlpha().toColourspace('srgb');
    let meta: Metadata;
    try {
      meta = await sharp(input).metadata();
    } catch (err) {
      throw new Error(`${name}: not a readable image: ${(err as Error).message}`);
    }
    let h = meta.height;
    let w = meta.width;
    if (!h || !w) throw new Error(`${name}: image has no size`);
    if (p.resize) {
      const target = p.resize.kind === 'exact' ? { height: p.resize.height, width: p.resize.width } : shortestEdgeSize(h, w, p.resize.size);
      img = sharp(await img.resize(target.width, target.height, { kernel: p.kernel, fit: 'fill' }).raw().toBuffer(), { raw: { width: target.width, height: target.height, channels: 3 } });
      h = target.height;
      w = target.width;
    }
    if (p.crop) {
      // transformers' center_crop: top = (H − h) // 2, left = (W − w) // 2; a smaller image is zero-padded.
      const padY = Math.max(0, p.crop.height - h);
      const padX = Math.max(0, p.crop.width - w);
      if (padY || padX) {
        img = sharp(await img.extend({ top: padY >> 1, bottom: padY - (padY >> 1), left: padX >> 1, right: padX - (padX >> 1), background: { r: 0, g: 0, b: 0 } }).raw().toBuffer(), {
          raw: { width: w + padX, height: h + padY, channels: 3 },
        });
        h += padY;
        w += padX;
      }
      img = img.extract({ top: (h - p.crop.height) >> 1, left: (w - p.crop.width) >> 1, height: p.crop.height, width: p.crop.width });
      h = p.crop.height;
      w = p.crop.width;
    }
    let raw: Buffer;
    try {
      raw = await img.raw().toBuffer();
    } catch (err) {
      throw new Error(`${name}: cannot decode: ${(err as Error).message}`);
    }
    const data = new Float32Array(3 * h * w);
    const plane = h * w;
    for (let c = 0; c < 3; c++) {
      const scale = p.rescale ?? 1;
      const mean = p.normalize ? p.mean[c]! : 0;
      const std = p.normalize ? p.std[c]! : 1;
      for (let i = 0; i < plane; i++) data[c * plane + i] = (raw[i * 3 + c]! * scale - mean) / std;
    }
    return { data, height: h, width: w };
  }

  /** Images → pixel_values [B, 3, H, W]; every image must come out the same size. */
  async batch(inputs: readonly (string | Buffer)[]): Promise<tf.Tensor4D> {
    const items = await Promise.all(inputs.map((x, i) => this.pixels(x, typeof x === 'string' ? x : `image ${i}`)));
    const first = items[0];
    if (!first) throw new Error('ImagePreprocessor.batch: no images');
    const out = new Float32Array(items.length * first.data.length);
    items.forEach((it, i) => {
      if (it.height !== first.height || it.width !== first.width) {
        throw new Error(`image ${i} came out ${it.height}×${it.width}, the first ${first.height}×${first.width}: set a crop or an exact size`);
      }
      out.set(it.data, i * first.data.length);
    });
    return tf.tensor4d(out, [items.length, 3, first.height, first.width]);
  }
}
