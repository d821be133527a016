// The device half of the trainers' image path, as tensor ops on 8-bit RGB the host prepared:
// - whole images, already resized and centre-cropped by ImagePreprocessor (the model folder's
//   preprocessor_config.json), are normalised exactly as ImagePreprocessor.chw does: `imageBatch`;
// - the region crop of Eq. 6 (the tight box of the mask, cut from the full-resolution target by
//   `cropRegion`) is stretched to the model's square input — bilinear with half-pixel centres, no
//   antialias, aspect ratio not kept, as the paper and the ric_step fixture crop it (torch's
//   F.interpolate, align_corners=False) — then normalised the same way: `regionBatch`.
// Both run on the trainer's thread and, unchanged, in every tensor worker: the same bytes in give
// the same pixels out.
import * as tf from '@tensorflow/tfjs';
import type { PixelBox, RgbImage } from '../training/types.js';
import { CLIP_MEAN, CLIP_STD, type ImageProcessing } from './config.js';

/** (x · scale − mean) / std per channel, x the 8-bit value. */
export interface Normalization {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  scale: number;
}

/** OpenAI CLIP's statistics (BLIP's image processor uses the same), rescaled by 1/255. */
export const CLIP_NORMALIZATION: Normalization = { mean: CLIP_MEAN, std: CLIP_STD, scale: 1 / 255 };

/** The normalisation a processing recipe applies after its resize and crop. */
export function normalizationOf(p: ImageProcessing): Normalization {
  return { mean: p.normalize ? p.mean : [0, 0, 0], std: p.normalize ? p.std : [1, 1, 1], scale: p.rescale ?? 1 };
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

/** Rows y … y+h−1 and columns x … x+w−1 of an image (Eq. 6's crop, before any resize), 8-bit. */
export function cropRegion(image: RgbImage, box: PixelBox): RgbImage {
  const data = new Uint8Array(box.w * box.h * 3);
  for (let r = 0; r < box.h; r++) {
    const from = ((box.y + r) * image.width + box.x) * 3;
    data.set(image.data.subarray(from, from + box.w * 3), r * box.w * 3);
  }
  return { width: box.w, height: box.h, data };
}

/** NHWC float images → [N, size, size, C], bilinear with half-pixel centres and no antialias. */
export function stretchToSquare(nhwc: tf.Tensor4D, size: number): tf.Tensor4D {
  return tf.image.resizeBilinear(nhwc, [size, size], false, true);
}

function normalizeNchw(nhwc: tf.Tensor4D, norm: Normalization): tf.Tensor4D {
  const x = tf.div(tf.sub(tf.mul(nhwc, norm.scale), tf.tensor1d([...norm.mean])), tf.tensor1d([...norm.std]));
  return tf.transpose(x, [0, 3, 1, 2]) as tf.Tensor4D;
}

const floatImage = (img: RgbImage) => tf.tensor4d(img.data, [1, img.height, img.width, 3], 'int32').toFloat() as tf.Tensor4D;

/** Whole images already at the model's input size (ImagePreprocessor.resized) → normalised NCHW [B, 3, H, W]. */
export function imageBatch(images: readonly RgbImage[], norm: Normalization): tf.Tensor4D {
  const first = images[0];
  if (!first) throw new Error('imageBatch: no images');
  for (const [i, img] of images.entries()) {
    if (img.width !== first.width || img.height !== first.height) throw new Error(`imageBatch: image ${i} is ${img.width}×${img.height}, the first ${first.width}×${first.height}`);
  }
  return tf.tidy(() => {
    const all = new Uint8Array(images.length * first.data.length);
    images.forEach((img, i) => all.set(img.data, i * first.data.length));
    return normalizeNchw(tf.tensor4d(all, [images.length, first.height, first.width, 3], 'int32').toFloat() as tf.Tensor4D, norm);
  });
}

/** Region crops (cropRegion) of any sizes → each stretched to size × size, normalised NCHW [B, 3, size, size]. */
export function regionBatch(crops: readonly RgbImage[], size: number, norm: Normalization): tf.Tensor4D {
  if (crops.length === 0) throw new Error('regionBatch: no crops');
  return tf.tidy(() => {
    const resized = crops.map((c) => stretchToSquare(floatImage(c), size));
    return normalizeNchw(resized.length === 1 ? resized[0]! : (tf.concat(resized, 0) as tf.Tensor4D), norm);
  });
}
