// Images to model input for the embedding trainers: the region crop of Eq. 6 (the tightest box of
// the mask, cut from the target image) and the whole image, each resized to the model's square input
// and normalised with the model's mean/std, NCHW. Done with tensor ops (crop-and-resize, bilinear) —
// the same ops the editor applies to its predicted image, so Region-CLIP trains on the crops it
// will later be asked to judge.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { PixelBox, RgbImage } from './types.js';

export interface Normalization {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** OpenAI CLIP's statistics; BLIP's image processor uses the same. */
export const CLIP_NORMALIZATION: Normalization = {
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
};

/** image_mean / image_std from a model folder's preprocessor_config.json, else CLIP's. */
export function normalizationOf(modelDir: string | null): Normalization {
  if (!modelDir) return CLIP_NORMALIZATION;
  const file = path.join(modelDir, 'preprocessor_config.json');
  if (!fs.existsSync(file)) return CLIP_NORMALIZATION;
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { image_mean?: unknown; image_std?: unknown };
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

/**
 * A lower bound of the bytes the gradient tape keeps per image through a pre-norm ViT (tfjs keeps
 * every op output of the forward alive until the backward): ~30 tensors of [L, D], 5 of [L, inner]
 * and 3 attention maps [H, L, L] per layer. CLIP ViT-B/16 at 224 px: ~430 MB by this count; the wasm
 * heap was measured growing by ~2.2 GB for one such image's forward + backward.
 */
export function tapeBytesPerImage(
  v: { image_size: number; patch_size: number; hidden_size: number; intermediate_size: number; num_hidden_layers: number; num_attention_heads: number },
  opts: { checkpointing?: boolean } = {},
): number {
  const L = (v.image_size / v.patch_size) ** 2 + 1;
  const perLayer = 30 * L * v.hidden_size + 5 * L * v.intermediate_size + 3 * v.num_attention_heads * L * L;
  // Checkpointed (layers/checkpoint.ts): every layer's input [L, D] stays, and one layer's tape plus
  // its gradients exist at a time during its recomputation (3 layers' worth: measured ~100 MB per
// 224-px image at ViT-B/16, BENCHMARKS.md).
  if (opts.checkpointing) return 4 * (v.num_hidden_layers * L * v.hidden_size + 3 * perLayer);
  return 4 * v.num_hidden_layers * perLayer;
}

/** Pairs per micro-batch so the tape of `imagesPerPair` images stays under `budgetBytes` (at least 1). */
export function microBatchFor(budgetBytes: number, bytesPerImage: number, imagesPerPair: number): number {
  return Math.max(1, Math.floor(budgetBytes / (bytesPerImage * imagesPerPair)));
}

/** The tape budget: a third of the wasm backend's 4 GiB heap (the rest holds weights, moments, gradients). */
export const TAPE_BUDGET_BYTES = 1.4e9;

/** The wasm backend's heap: 4 GiB (32-bit addresses). */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;

/**
 * Pairs per micro-batch while checkpointed encoders train on the wasm heap: what is left of it after
 * the weights, both AdamW moments, the accumulated and the current micro-batch's gradients (5 × the
 * parameters) and ~0.8 GB of backward transients (embedding-table gradients, one layer's recompute).
 * CLIP ViT-B/16 (150 M parameters): 1 pair — measured peak 3.85 GB live, 4.12 GB heap (BENCHMARKS.md).
 * Kept as is with the optimiser state on the host (`optimizer_state`, host-optim.ts), where only the
 * weights and one micro-batch's gradients stay on the heap: the freed ~3 × the parameters would allow
 * larger micro-batches, but this estimate's per-image tape is not measured well enough to spend it
 * (BLIP-base: 2 images in one micro-batch measured 2.87 GB heap with host state; BENCHMARKS.md).
 */
export function checkpointedMicroBatch(numParams: number, bytesPerImage: number, imagesPerPair: number): number {
  const budget = WASM_HEAP_BYTES - 5 * 4 * numParams - 0.8e9;
  return Math.max(1, Math.floor(budget / (bytesPerImage * imagesPerPair)));
}
