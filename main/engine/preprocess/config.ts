// preprocessor_config.json as transformers reads it (CLIPImageProcessor, BlipImageProcessor,
// ViTImageProcessor), with each processor class's defaults: the recipe ImagePreprocessor follows,
// and the statistics the trainers normalise with (tensor.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { KernelEnum } from 'sharp';
import { z } from 'zod';

export const PREPROCESSOR_CONFIG = 'preprocessor_config.json';

export type Kernel = Extract<keyof KernelEnum, string>;

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

export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
export const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

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

/** A model folder's preprocessor_config.json, parsed as JSON; errors name the file. */
export function readPreprocessorConfig(dir: string): { file: string; raw: unknown } {
  const file = path.join(dir, PREPROCESSOR_CONFIG);
  try {
    return { file, raw: JSON.parse(fs.readFileSync(file, 'utf8')) as unknown };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${file}: ${e.code === 'ENOENT' ? 'not found' : `invalid JSON: ${e.message}`}`);
  }
}

/**
 * The processor a trainer's base model gets when its folder has no preprocessor_config.json (the
 * tiny presets, a folder copied without it): the reference class's recipe at the model's input size —
 * CLIPImageProcessor (shortest edge, centre crop) or BlipImageProcessor (exact size) — bicubic, CLIP's
 * statistics. Written into every checkpoint, so the folder says how it was fed.
 */
export function defaultProcessorConfig(kind: 'clip' | 'blip', imageSize: number): Record<string, unknown> {
  const common = { do_resize: true, resample: 3, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: CLIP_MEAN, image_std: CLIP_STD, do_convert_rgb: true };
  return kind === 'clip'
    ? { image_processor_type: 'CLIPImageProcessor', ...common, size: { shortest_edge: imageSize }, do_center_crop: true, crop_size: { height: imageSize, width: imageSize } }
    : { image_processor_type: 'BlipImageProcessor', ...common, size: { height: imageSize, width: imageSize } };
}

export interface TrainerProcessing {
  /** The preprocessor_config.json content (read, or the default): written into checkpoints. */
  raw: Record<string, unknown>;
  processing: ImageProcessing;
  /** The file it came from, or null for the default. */
  file: string | null;
}

/**
 * The whole-image recipe of a trainer's model folder, checked to produce the model's square input:
 * a processor whose output is not image_size × image_size is refused naming the file.
 */
export function trainerProcessing(dir: string | null, kind: 'clip' | 'blip', imageSize: number): TrainerProcessing {
  const found = dir !== null && fs.existsSync(path.join(dir, PREPROCESSOR_CONFIG));
  const { file, raw } = found ? readPreprocessorConfig(dir) : { file: null, raw: defaultProcessorConfig(kind, imageSize) };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: not a JSON object`);
  const processing = parsePreprocessorConfig(raw, file ?? `the default ${kind} processor`);
  const out = processing.crop ?? (processing.resize?.kind === 'exact' ? { height: processing.resize.height, width: processing.resize.width } : null);
  if (!out || out.height !== imageSize || out.width !== imageSize) {
    const got = out ? `${out.height}×${out.width}` : 'images of varying size (a shortest-edge resize without a centre crop)';
    throw new Error(`${file}: it makes ${got}, but the model's vision_config.image_size is ${imageSize}: set crop_size (or size) to ${imageSize}`);
  }
  return { raw: raw as Record<string, unknown>, processing, file };
}

/** A recipe in a few words, for run logs: "via preprocessor_config.json (shortest edge 224 cubic, centre crop 224×224, …)". */
export function describeProcessing(t: TrainerProcessing): string {
  const p = t.processing;
  const parts = [
    p.resize ? (p.resize.kind === 'exact' ? `resize to ${p.resize.height}×${p.resize.width} ${p.kernel}` : `shortest edge ${p.resize.size} ${p.kernel}`) : 'no resize',
    ...(p.crop ? [`centre crop ${p.crop.height}×${p.crop.width}`] : []),
    p.normalize ? `mean ${p.mean.map((x) => x.toFixed(3)).join('/')} std ${p.std.map((x) => x.toFixed(3)).join('/')}` : 'not normalised',
  ];
  return `via ${t.file ?? `the default ${String(t.raw['image_processor_type'])} (no preprocessor_config.json)`} (${parts.join(', ')})`;
}
