// From a decoded image file (greyscale, grey+alpha, RGB or RGBA) to a stored mask, and from a
// stored mask to a file in either polarity. Datasets disagree: HumanEdit marks the edit in black,
// MagicBrush's test masks mark it by transparency, painted masks are anti-aliased — so polarity,
// alpha handling and the threshold are explicit choices, shown in a live preview before import.
import { MASK_OFF, MASK_ON, MASK_THRESHOLD, type MaskBuffer } from './types.js';

export type MaskPolarity = 'white' | 'black';
/**
 * composite: the colour composited over black (transparent = 0) — a painted RGBA layer;
 * ignore: the colour alone; alpha: the alpha channel alone (opaque = 255, transparent = 0).
 */
export type AlphaHandling = 'composite' | 'ignore' | 'alpha';

export interface MaskConversion {
  /** Which end marks the edit region in the file: white (high values, default) or black. */
  polarity: MaskPolarity;
  alpha: AlphaHandling;
  /** After polarity: values ≥ threshold become 255 (edit), the rest 0. 1..255. */
  threshold: number;
}

export const defaultMaskConversion: MaskConversion = { polarity: 'white', alpha: 'composite', threshold: MASK_THRESHOLD };

/** Rec. 601 luma, in integers so every platform rounds the same way. */
function luma(r: number, g: number, b: number): number {
  return ((299 * r + 587 * g + 114 * b + 500) / 1000) | 0;
}

/** One value per pixel before polarity and threshold: 0..255. */
export function intensityOf(raw: Uint8Array, channels: number, alpha: AlphaHandling): Uint8Array {
  if (channels < 1 || channels > 4) throw new Error(`a mask image must have 1 to 4 channels, this one has ${channels}`);
  const n = raw.length / channels;
  if (!Number.isInteger(n)) throw new Error(`pixel data length ${raw.length} is not a multiple of ${channels} channels`);
  const out = new Uint8Array(n);
  const hasAlpha = channels === 2 || channels === 4;
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    const colour = channels >= 3 ? luma(raw[j]!, raw[j + 1]!, raw[j + 2]!) : raw[j]!;
    if (!hasAlpha || alpha === 'ignore') out[i] = colour;
    else {
      const a = raw[j + channels - 1]!;
      out[i] = alpha === 'alpha' ? a : ((colour * a + 127) / 255) | 0;
    }
  }
  return out;
}

/** A decoded image's pixels → a hard stored mask (255 = edit). */
export function maskFromPixels(raw: Uint8Array, width: number, height: number, channels: number, conversion: MaskConversion): MaskBuffer {
  if (raw.length !== width * height * channels) {
    throw new Error(`pixel data has ${raw.length} bytes, a ${width}×${height} image with ${channels} channels needs ${width * height * channels}`);
  }
  const t = conversion.threshold;
  if (!Number.isInteger(t) || t < 1 || t > 255) throw new Error(`threshold must be an integer from 1 to 255, got ${t}`);
  const data = intensityOf(raw, channels, conversion.alpha);
  const black = conversion.polarity === 'black';
  for (let i = 0; i < data.length; i++) {
    const v = black ? 255 - data[i]! : data[i]!;
    data[i] = v >= t ? MASK_ON : MASK_OFF;
  }
  return { width, height, data };
}

/** A stored mask's bytes in the requested polarity (a copy; soft values mirror). */
export function toPolarity(data: Uint8Array, polarity: MaskPolarity): Uint8Array {
  if (polarity === 'white') return data.slice();
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = 255 - data[i]!;
  return out;
}
