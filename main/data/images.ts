// Decoding, checking and thumbnailing images during import, and normalising masks to the one stored
// form: a single-channel PNG where white (255) marks the edit region (what Eq. 6's tight box reads).
import type { Metadata, OutputInfo } from 'sharp';
import type { Box, MaskPolarity } from '../../shared/api/index.js';
// Area and tight box (Eq. 6) by the one rule of shared/mask: a pixel is edit at ≥ 128 (DESIGN §4).
import { maskStats } from '../../shared/mask/index.js';

export const THUMB_MAX = 256;

/** A problem with one field of one sample; the import records it and goes on. */
export class SampleFieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SampleFieldError';
  }
}

export interface DecodedImage {
  bytes: Uint8Array;
  width: number;
  height: number;
  channels: number;
  format: string;
  thumb: Uint8Array;
}

function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]?.trim() || 'unknown error';
}

/**
 * Reads the header and decodes every pixel (a truncated file fails here, not later in training),
 * and makes the WebP thumbnail. The original bytes are kept as they are.
 */
export async function decodeImage(bytes: Uint8Array, field: string): Promise<DecodedImage> {
  if (bytes.byteLength === 0) throw new SampleFieldError(field, 'the image is empty (0 bytes)');
  // sharp (libvips) loads on first use: the Api's handlers import this module, and every `ric` start paid for it.
  const { default: sharp } = await import('sharp');
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    throw new SampleFieldError(field, `not a readable image: ${reasonOf(err)}`);
  }
  if (!meta.width || !meta.height) throw new SampleFieldError(field, 'the image has no dimensions');
  let thumb: Buffer;
  try {
    // failOn 'truncated' is sharp's default 'warning' minus noise: truncated or corrupt data fails.
    thumb = await sharp(bytes, { failOn: 'truncated' })
      .rotate()
      .resize(THUMB_MAX, THUMB_MAX, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
  } catch (err) {
    throw new SampleFieldError(field, `the image is corrupt or truncated: ${reasonOf(err)}`);
  }
  return { bytes, width: meta.width, height: meta.height, channels: meta.channels ?? 3, format: meta.format ?? 'unknown', thumb };
}

export interface MaskOptions {
  /** Which value marks the edit region in the file. */
  polarity: MaskPolarity;
  /** For masks with an alpha channel: transparent pixels mark the edit (MagicBrush test set). */
  alphaMarksEdit: boolean;
  /** Grey level that separates edit from keep (after polarity), 0–255. */
  threshold: number;
}

export interface NormalisedMask {
  png: Uint8Array;
  width: number;
  height: number;
  area: number;
  box: Box | null;
  /** The binary mask, 255 = edit, width×height. */
  pixels: Uint8Array;
}

/** Encodes raw single-channel pixels (white = edit) as the stored PNG, with their area and tight box. */
export async function encodeMask(pixels: Uint8Array, width: number, height: number): Promise<NormalisedMask> {
  const { default: sharp } = await import('sharp');
  const png = await sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 6 })
    .toBuffer();
  const { area, box } = maskStats({ width, height, data: pixels });
  return { png, width, height, area, box, pixels };
}

/**
 * Any mask file -> the stored form. Grey, grey+alpha, RGB and RGBA are read; a colour image whose
 * channels disagree is refused (it is not a mask), and so is one whose size differs from the source.
 */
export async function normaliseMask(
  bytes: Uint8Array,
  options: MaskOptions,
  expected?: { width: number; height: number },
  field = 'mask',
): Promise<NormalisedMask> {
  if (bytes.byteLength === 0) throw new SampleFieldError(field, 'the mask is empty (0 bytes)');
  const { default: sharp } = await import('sharp');
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(bytes, { failOn: 'truncated' }).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new SampleFieldError(field, `the mask is corrupt or not an image: ${reasonOf(err)}`);
  }
  const { width, height, channels } = raw.info;
  if (expected && (width !== expected.width || height !== expected.height)) {
    throw new SampleFieldError(field, `the mask is ${width}×${height} but the source image is ${expected.width}×${expected.height}`);
  }
  const data = raw.data;
  const n = width * height;
  const hasAlpha = channels === 2 || channels === 4;
  const colourChannels = channels >= 3 ? 3 : 1;
  const out = new Uint8Array(n);
  let disagreeing = 0;
  const useAlpha = hasAlpha && options.alphaMarksEdit;
  if (channels === 1) {
    // Plain grey masks (most datasets): one pass, no per-pixel branching on the format.
    const invert = options.polarity === 'black';
    let unchanged = !invert;
    for (let i = 0; i < n; i++) {
      const v = data[i] as number;
      const o = (invert ? 255 - v : v) >= options.threshold ? 255 : 0;
      out[i] = o;
      if (o !== v) unchanged = false;
    }
    // Already the stored form (an 8-bit grey PNG of 0 and 255, white = edit): keep its bytes
    // rather than re-encoding the same pixels.
    if (unchanged && raw.info.size === n && bytes[0] === 0x89 && bytes[1] === 0x50) {
      const { area, box } = maskStats({ width, height, data: out });
      return { png: bytes, width, height, area, box, pixels: out };
    }
    return encodeMask(out, width, height);
  }
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    let value: number;
    if (useAlpha) {
      // Transparent = edit: the alpha channel alone decides.
      value = 255 - (data[o + channels - 1] as number);
    } else {
      value = data[o] as number;
      if (colourChannels === 3) {
        const g = data[o + 1] as number;
        const b = data[o + 2] as number;
        if (Math.abs(value - g) > 32 || Math.abs(value - b) > 32) disagreeing++;
        value = Math.round((value + g + b) / 3);
      }
      if (options.polarity === 'black') value = 255 - value;
    }
    out[i] = value >= options.threshold ? 255 : 0;
  }
  if (disagreeing > n * 0.01) {
    throw new SampleFieldError(
      field,
      `the mask has ${channels} channels whose values disagree in ${((100 * disagreeing) / n).toFixed(1)}% of pixels: a colour image, not a mask`,
    );
  }
  if (channels < 1 || channels > 4) throw new SampleFieldError(field, `the mask has ${channels} channels; expected 1–4`);
  return encodeMask(out, width, height);
}

/** A small PNG data URI of an image, for previews (at most `max` pixels on a side). */
export async function previewDataUri(bytes: Uint8Array, max = 256): Promise<string> {
  const { default: sharp } = await import('sharp');
  const png = await sharp(bytes).resize(max, max, { fit: 'inside', withoutEnlargement: true }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
