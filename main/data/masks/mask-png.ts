// Mask files in and out, with sharp (libvips). Stored masks are single-channel 8-bit PNGs where
// 255 marks the edit region; files from datasets come in every shape and are converted by the
// pure rules of shared/mask/convert.ts.
// sharp (libvips) loads on first use, not with the module: the Api's handlers reach this file, and
// every `ric` start paid for libvips.
import { maskFromPixels, toPolarity, type MaskBuffer, type MaskConversion, type MaskPolarity } from '../../../shared/mask/index.js';

/** Files we read as masks, by extension (lower case, with the dot). */
export const MASK_FILE_EXTENSIONS = ['.png', '.webp', '.jpg', '.jpeg'] as const;

export async function encodeMaskPng(mask: MaskBuffer, polarity: MaskPolarity = 'white'): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const data = polarity === 'white' ? mask.data : toPolarity(mask.data, polarity);
  // Level 6 with adaptive filtering off: binary masks compress almost as well, several times faster.
  return sharp(data, { raw: { width: mask.width, height: mask.height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();
}

/** A stored mask PNG back to its bytes (the first channel, whatever the file holds). */
export async function decodeMaskPng(bytes: Uint8Array): Promise<MaskBuffer> {
  const { default: sharp } = await import('sharp');
  const { data, info } = await sharp(bytes).extractChannel(0).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export interface DecodedMaskFile {
  mask: MaskBuffer;
  /** Channels of the file as decoded: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  channels: number;
  /** The file's pixels flattened to the values before polarity and threshold (for previews). */
  width: number;
  height: number;
}

/**
 * Reads a PNG/WebP/JPEG mask file and converts it (polarity, alpha, threshold). With `resizeTo`,
 * a file of another size is resized with nearest neighbour first (the threshold makes it hard).
 */
export async function decodeMaskFile(
  input: string | Uint8Array,
  conversion: MaskConversion,
  resizeTo?: { width: number; height: number },
): Promise<DecodedMaskFile> {
  const { default: sharp } = await import('sharp');
  let image = sharp(input, { failOn: 'error' });
  const meta = await image.metadata();
  if (meta.width === undefined || meta.height === undefined) throw new Error('not an image sharp can read');
  if (resizeTo && (meta.width !== resizeTo.width || meta.height !== resizeTo.height)) {
    image = image.resize(resizeTo.width, resizeTo.height, { kernel: 'nearest', fit: 'fill' });
  }
  const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return {
    mask: maskFromPixels(raw, info.width, info.height, info.channels, conversion),
    channels: meta.channels ?? info.channels,
    width: info.width,
    height: info.height,
  };
}

/** A small PNG data URI of any image file or bytes (previews of what was read). */
export async function previewPng(input: string | Uint8Array | MaskBuffer, maxSide = 192): Promise<string> {
  const { default: sharp } = await import('sharp');
  const image =
    input instanceof Uint8Array || typeof input === 'string'
      ? sharp(input)
      : sharp(input.data, { raw: { width: input.width, height: input.height, channels: 1 } });
  const png = await image
    .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true, kernel: 'nearest' })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
