// Exact measures against a ground-truth image (datasets whose edits have one, e.g. ShapesEdit):
// L1, L2 (mean squared error) and PSNR on 8-bit RGB scaled to [0, 1], over the whole image, the
// edit region (mask ≥ threshold) or the rest. No backbone.
import type { RgbFloatImage, RgbImage } from './resample.js';

export type PixelRegion = 'full' | 'inside' | 'outside';

/** PSNR of identical pixels is infinite; reported as this cap (dB) so it can be stored and averaged. */
export const PSNR_CAP_DB = 100;

export interface PixelErrors {
  l1: number;
  l2: number;
  psnr: number;
  /** pixels the region covers */
  pixels: number;
}

/**
 * Errors of `edited` against `reference` (same size) over a region of `mask` (one byte per pixel at
 * the images' size; null for 'full'). Null when the region has no pixel (an empty mask's inside).
 */
export function pixelErrors(edited: RgbImage | RgbFloatImage, reference: RgbImage | RgbFloatImage, mask: Uint8Array | null, region: PixelRegion, threshold = 128): PixelErrors | null {
  if (edited.width !== reference.width || edited.height !== reference.height) {
    throw new Error(`pixel errors: edited ${edited.width}×${edited.height} and reference ${reference.width}×${reference.height} differ (resize first)`);
  }
  const n = edited.width * edited.height;
  if (region !== 'full' && (!mask || mask.length !== n)) throw new Error(`pixel errors: region "${region}" needs a ${edited.width}×${edited.height} mask`);
  let abs = 0, sq = 0, count = 0;
  for (let i = 0; i < n; i++) {
    if (region !== 'full' && (mask![i]! >= threshold) !== (region === 'inside')) continue;
    count++;
    for (let c = 0; c < 3; c++) {
      const d = (edited.data[i * 3 + c]! - reference.data[i * 3 + c]!) / 255;
      abs += Math.abs(d);
      sq += d * d;
    }
  }
  if (count === 0) return null;
  const l1 = abs / (3 * count);
  const l2 = sq / (3 * count);
  const psnr = l2 <= 10 ** (-PSNR_CAP_DB / 10) ? PSNR_CAP_DB : -10 * Math.log10(l2);
  return { l1, l2, psnr, pixels: count };
}
