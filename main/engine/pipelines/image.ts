// An image file as the editor's input tensor: decoded with sharp (libvips), checked for the mode the
// pipeline takes (8- or 16-bit sRGB with three channels), optionally resized so each side is a multiple
// of the VAE's downscale (diffusers' VaeImageProcessor floors to multiples of 8), as [1, 3, H, W] in [0, 1].
// Anything else is an error that names the file and says what to do.
import fs from 'node:fs';
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import * as tf from '@tensorflow/tfjs';

export interface EditImageOptions {
  /** resize to exactly this size first ([height, width]) */
  size?: [number, number];
  /** floor each side to a multiple of this (default 8, Stable Diffusion's VAE) by resizing */
  multipleOf?: number;
  /** convert grayscale and flatten an alpha channel onto white instead of refusing them */
  convertToRgb?: boolean;
  /** the largest side accepted (default 4096) */
  maxSide?: number;
}

export class EditImageError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'EditImageError';
  }
}

export async function loadEditImage(file: string, opts: EditImageOptions = {}): Promise<tf.Tensor4D> {
  if (!fs.existsSync(file)) throw new EditImageError(file, 'not found');
  let img = sharp(file, { failOn: 'error' });
  let meta: Metadata;
  try {
    meta = await img.metadata();
  } catch (err) {
    throw new EditImageError(file, `not a readable image (${(err as Error).message})`);
  }
  const { width = 0, height = 0, channels = 0, space, hasAlpha } = meta;
  const maxSide = opts.maxSide ?? 4096;
  if (!width || !height) throw new EditImageError(file, 'the image has no size');
  if (width > maxSide || height > maxSide) throw new EditImageError(file, `${width}×${height} is larger than ${maxSide} pixels on a side`);
  const rgb = space === 'srgb' || space === 'rgb16' || space === 'scrgb';
  if (!opts.convertToRgb) {
    if (hasAlpha) throw new EditImageError(file, `has an alpha channel (${channels} channels): the editor takes RGB images; flatten it or pass convertToRgb`);
    if (channels !== 3 || !rgb) throw new EditImageError(file, `is ${space ?? 'unknown'} with ${channels} channel${channels === 1 ? '' : 's'}: the editor takes RGB images (3 channels); convert it or pass convertToRgb`);
  }
  if (opts.convertToRgb) img = img.flatten({ background: '#ffffff' }).toColourspace('srgb');
  const m = opts.multipleOf ?? 8;
  const [h0, w0] = opts.size ?? [height, width];
  const [h, w] = [Math.floor(h0 / m) * m, Math.floor(w0 / m) * m];
  if (h < m || w < m) throw new EditImageError(file, `${width}×${height} is smaller than ${m} pixels on a side`);
  if (h !== height || w !== width) img = img.resize(w, h, { fit: 'fill', kernel: 'lanczos3' });
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new EditImageError(file, `decoded to ${info.channels} channels, expected 3`);
  const px = new Float32Array(3 * h * w);
  for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) px[c * h * w + i] = data[i * 3 + c]! / 255;
  return tf.tensor4d(px, [1, 3, h, w]);
}

/** An edited image [1, 3, H, W] in [0, 1] as 8-bit RGB pixels (row-major, interleaved), rounded as PIL does. */
export async function imageTensorToRgb(image: tf.Tensor): Promise<{ data: Uint8Array; width: number; height: number }> {
  if (image.rank !== 4 || image.shape[0] !== 1 || image.shape[1] !== 3) throw new Error(`imageTensorToRgb: wants [1, 3, H, W], got [${image.shape.join(', ')}]`);
  const [, , height, width] = image.shape as [number, number, number, number];
  const v = (await image.data()) as Float32Array;
  const data = new Uint8Array(3 * height * width);
  // diffusers' numpy_to_pil: (image * 255).round()
  for (let i = 0; i < height * width; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.min(255, Math.max(0, Math.round(v[c * height * width + i]! * 255)));
  return { data, width, height };
}

/** Writes an edited image [1, 3, H, W] in [0, 1] as a PNG (written next to its name, then renamed into place). */
export async function saveEditImage(image: tf.Tensor, file: string): Promise<void> {
  const { data, width, height } = await imageTensorToRgb(image);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels: 3 } }).png().toFile(tmp);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
