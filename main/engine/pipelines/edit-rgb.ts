// One InstructPix2Pix edit from 8-bit RGB pixels to 8-bit RGB pixels: the unit of work of an edit
// job, run the same way on the engine's thread and in a tensor worker (edit-worker.ts), so a result
// does not depend on where it ran. The source is already at the size it is edited at.
import * as tf from '@tensorflow/tfjs';
import { imageTensorToRgb } from './image.js';
import type { InstructPix2PixPipeline } from './instruct-pix2pix.js';

export interface RgbPixels {
  width: number;
  height: number;
  /** row-major, interleaved RGB */
  data: Uint8Array;
}

export interface EditItem {
  source: RgbPixels;
  prompt: string;
  seed: number;
  steps: number;
  guidanceScale: number;
  imageGuidanceScale: number;
  /** decode x̂0 every k steps for a preview (0: none) */
  previewEvery: number;
}

export interface EditHooks {
  onProgress?: (step: number, total: number) => void | Promise<void>;
  onPreview?: (step: number, total: number, image: RgbPixels) => void | Promise<void>;
  signal?: AbortSignal;
  shouldStop?: () => boolean;
}

/** [1, 3, H, W] in [0, 1] from interleaved RGB bytes (what loadEditImage makes of a file). */
export function rgbToImageTensor(p: RgbPixels): tf.Tensor4D {
  const { width: w, height: h, data } = p;
  if (data.length !== w * h * 3) throw new Error(`an RGB image of ${w}×${h} needs ${w * h * 3} bytes, got ${data.length}`);
  const px = new Float32Array(3 * h * w);
  for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) px[c * h * w + i] = data[i * 3 + c]! / 255;
  return tf.tensor4d(px, [1, 3, h, w]);
}

export async function editRgb(pipeline: InstructPix2PixPipeline, item: EditItem, hooks: EditHooks = {}): Promise<{ image: RgbPixels; seconds: number }> {
  const image = rgbToImageTensor(item.source);
  let total = item.steps;
  try {
    const result = await pipeline.edit({
      image,
      prompt: item.prompt,
      steps: item.steps,
      guidanceScale: item.guidanceScale,
      imageGuidanceScale: item.imageGuidanceScale,
      seed: item.seed,
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
      onProgress: async (p) => {
        total = p.total;
        await hooks.onProgress?.(p.step, p.total);
      },
      ...(hooks.onPreview && item.previewEvery > 0
        ? { previewEvery: item.previewEvery, onPreview: async (step: number, x0: tf.Tensor) => hooks.onPreview!(step, total, await imageTensorToRgb(x0)) }
        : {}),
    });
    try {
      return { image: await imageTensorToRgb(result.image), seconds: result.seconds };
    } finally {
      tf.dispose([result.image, result.latents]);
    }
  } finally {
    image.dispose();
  }
}
