// Image preprocessing as a checkpoint's preprocessor_config.json says (transformers'
// CLIPImageProcessor, BlipImageProcessor, ViTImageProcessor): convert to RGB, resize (shortest edge
// keeping aspect, or to height × width) with the named resample filter, center crop, rescale to
// [0, 1], normalise by mean/std, NCHW float32. Done with sharp (libvips) on 8-bit pixels, as PIL
// does it in the reference; resampling filters differ slightly between the two libraries.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { KernelEnum, Metadata } from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';

type Kernel = Extract<keyof KernelEnum, string>;

// PIL resample codes → sharp kernels (PIL.Image.Resampling: NEAREST 0, LANCZOS 1, BILINEAR 2, BICUBIC 3, BOX 4, HAMMING 5).
const KERNELS: Record<number, Kernel> = { 0: 'nearest', 1: 'lanczos3', 2: 'linear', 3: 'cubic', 4: 'linear', 5: 'linear' };

const sizeSchema = z.union([
  z.number().int().positive(),
  z.object({ shortest_edge: z.number().int().positive() }),
  z.object({ height: z.number().int().positive(), width: z.number().int().positive() }),
]);

const configSchema = z.object({
  image_processor_type: z.string().optional(),
  feature_extractor_type: z.string().optional(),
  do_resize: z.boolean().default(true),
  size: sizeSchema.optional(),
  resample: z.number().int().min(0).max(5).default(3),
  do_center_crop: z.boolean().optional(),
  crop_size: z.union([z.number().int().positive(), z.object({ height: z.number().int().positive(), width: z.number().int().positive() })]).optional(),
  do_rescale: z.boolean().default(true),
  rescale_factor: z.number().positive().default(1 / 255),
  do_normalize: z.boolean().default(true),
  image_mean: z.array(z.number()).length(3).optional(),
  image_std: z.array(z.number()).length(3).optional(),
});

export type Resize = { kind: 'shortest_edge'; size: number } | { kind: 'exact'; height: number; width: number };

/** The resolved processing recipe. */
export interface ImageProcessing {
  resize: Resize | null;
  kernel: Kernel;
  crop: { height: number; width: number } | null;
  rescale: number | null;
  mean: [number, number, number];
  std: [number, number, number];
  normalize: boolean;
}

const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/** Reads preprocessor_config.json as transformers does, with each processor class's defaults. */
export function parsePreprocessorConfig(raw: unknown, source = 'preprocessor_config.json'): ImageProcessing {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'}`);
  }
  const c = parsed.data;
  const kind = `${c.image_processor_type ?? ''} ${c.feature_extractor_type ?? ''}`;
  const isClip = /CLIP/i.test(kind);
  const isBlip = /Blip/i.test(kind);
  // An integer size means the shortest edge for CLIP (default_to_square=False), a square otherwise.
  const size = c.size ?? (isClip ? { shortest_edge: 224 } : isBlip ? { height: 384, width: 384 } : { height: 224, width: 224 });
  const resize: Resize | null = !c.do_resize
    ? null
    : typeof size === 'number'
      ? isClip
        ? { kind: 'shortest_edge', size }
        : { kind: 'exact', height: size, width: size }
      : 'shortest_edge' in size
        ? { kind: 'shortest_edge', size: size.shortest_edge }
        : { kind: 'exact', height: size.height, width: size.width };
  const doCrop = c.do_center_crop ?? isClip;
  const cropSize = c.crop_size ?? 224;
  const crop = doCrop ? (typeof cropSize === 'number' ? { height: cropSize, width: cropSize } : cropSize) : null;
  const defaults = isClip || isBlip ? [CLIP_MEAN, CLIP_STD] : [IMAGENET_MEAN, IMAGENET_STD];
  return {
    resize,
    kernel: KERNELS[c.resample] ?? 'cubic',
    crop,
    rescale: c.do_rescale ? c.rescale_factor : null,
    mean: (c.image_mean as [number, number, number] | undefined) ?? defaults[0]!,
    std: (c.image_std as [number, number, number] | undefined) ?? defaults[1]!,
    normalize: c.do_normalize,
  };
}

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
    const file = path.join(dir, 'preprocessor_config.json');
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(`${file}: ${e.code === 'ENOENT' ? 'not found' : `invalid JSON: ${e.message}`}`);
    }
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
