// Image preprocessing, the one module for it. ImagePreprocessor follows a checkpoint's
// preprocessor_config.json (transformers' CLIPImageProcessor, BlipImageProcessor,
// ViTImageProcessor): convert to RGB, resize (shortest edge keeping aspect, or to height × width)
// with the named resample filter, center crop, rescale to [0, 1], normalise by mean/std, NCHW
// float32. Done with sharp (libvips) on 8-bit pixels, as PIL does it in the reference; resampling
// filters differ slightly between the two libraries. The trainers use it for every whole image
// (`resized` on the host, the normalisation on the device: tensor.ts); the region crop of Eq. 6 is
// their stated exception (tensor.ts, `regionBatch`).
import sharp from 'sharp';
import type { Metadata, OutputInfo } from 'sharp';
import * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../training/types.js';
import { readPreprocessorConfig, parsePreprocessorConfig, type ImageProcessing } from './config.js';

export {
  parsePreprocessorConfig,
  readPreprocessorConfig,
  trainerProcessing,
  describeProcessing,
  defaultProcessorConfig,
  PREPROCESSOR_CONFIG,
  type ImageProcessing,
  type Resize,
  type TrainerProcessing,
} from './config.js';
export { CLIP_NORMALIZATION, clampBox, cropRegion, imageBatch, normalizationOf, regionBatch, stretchToSquare, type Normalization } from './tensor.js';

/** The output size of transformers' shortest-edge resize: short side → size, long side scaled and truncated. */
export function shortestEdgeSize(height: number, width: number, size: number): { height: number; width: number } {
  const short = Math.min(height, width);
  const long = Math.max(height, width);
  const newLong = Math.trunc((size * long) / short);
  return height <= width ? { height: size, width: newLong } : { height: newLong, width: size };
}

const rawInput = (img: RgbImage) => sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } });

export class ImagePreprocessor {
  constructor(readonly processing: ImageProcessing) {}

  static fromDir(dir: string): ImagePreprocessor {
    const { file, raw } = readPreprocessorConfig(dir);
    return new ImagePreprocessor(parsePreprocessorConfig(raw, file));
  }

  /** What every image comes out as when that does not depend on the input (a crop or an exact resize), else null. */
  get outputSize(): { height: number; width: number } | null {
    const p = this.processing;
    if (p.crop) return { ...p.crop };
    return p.resize?.kind === 'exact' ? { height: p.resize.height, width: p.resize.width } : null;
  }

  /**
   * The resize and centre crop of 8-bit RGB: the bytes the normalisation reads. The trainers send
   * these to the device (or a tensor worker), which normalises them as `chw` does (tensor.ts).
   */
  async resized(image: RgbImage, name = 'image'): Promise<RgbImage> {
    const p = this.processing;
    let img = rawInput(image);
    let h = image.height;
    let w = image.width;
    try {
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
      const out = await img.raw().toBuffer();
      return { width: w, height: h, data: new Uint8Array(out.buffer, out.byteOffset, out.byteLength) };
    } catch (err) {
      throw new Error(`${name}: cannot resize: ${(err as Error).message}`);
    }
  }

  /** 8-bit RGB → CHW float32: (x · rescale − mean) / std per channel. */
  chw(image: RgbImage): Float32Array {
    const p = this.processing;
    const plane = image.height * image.width;
    const data = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) {
      const scale = p.rescale ?? 1;
      const mean = p.normalize ? p.mean[c]! : 0;
      const std = p.normalize ? p.std[c]! : 1;
      for (let i = 0; i < plane; i++) data[c * plane + i] = (image.data[i * 3 + c]! * scale - mean) / std;
    }
    return data;
  }

  /** One image (file path or encoded bytes) → CHW float32 and its size. */
  async pixels(input: string | Buffer, name = typeof input === 'string' ? input : 'image'): Promise<{ data: Float32Array; height: number; width: number }> {
    let meta: Metadata;
    try {
      meta = await sharp(input).metadata();
    } catch (err) {
      throw new Error(`${name}: not a readable image: ${(err as Error).message}`);
    }
    if (!meta.height || !meta.width) throw new Error(`${name}: image has no size`);
    let decoded: { data: Buffer; info: OutputInfo };
    try {
      decoded = await sharp(input, { failOn: 'error' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    } catch (err) {
      throw new Error(`${name}: cannot decode: ${(err as Error).message}`);
    }
    const rgb = { width: decoded.info.width, height: decoded.info.height, data: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength) };
    const out = await this.resized(rgb, name);
    return { data: this.chw(out), height: out.height, width: out.width };
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
