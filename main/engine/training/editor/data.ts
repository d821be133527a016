// The editor's training data: pairs (source, target, instruction, mask, t_r, t_f) in, per-step random
// draws and micro-batch tensors out. Every random number of a step comes from one generator seeded by
// (seed, step) and is drawn for the whole batch before it is cut into micro-batches, so a resumed run
// continues on the same curve and the micro-batch size never changes what a step computes.
import * as tf from '@tensorflow/tfjs';
import type { InclusiveBox } from '../../layers/index.js';
import { SeededRandom } from '../../random.js';
import { epochOrder } from '../optim.js';
import { loadImage, type ImageSource, type RgbImage } from '../types.js';

/** One channel, row-major, 0..255 (255 = edit). */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type MaskSource = GrayImage | (() => Promise<GrayImage>);

/** One editing example as the editor trains on it. */
export interface EditorPair {
  id: string;
  split: 'train' | 'val';
  source: ImageSource;
  target: ImageSource;
  /** the edit mask (Eq. 6's box is its tight box at ≥ 0.5) */
  mask: MaskSource;
  instruction: string;
  /** the approved region description t_r (or the fallback text the user chose) */
  regionText: string;
  /** the approved scene description t_f (or the fallback) */
  sceneText: string;
}

export async function loadMask(source: MaskSource, sample: string): Promise<GrayImage> {
  const m = typeof source === 'function' ? await source() : source;
  if (m.data.length !== m.width * m.height) throw new Error(`sample ${sample}: the mask of ${m.width}×${m.height} has ${m.data.length} bytes; wants ${m.width * m.height} (one channel)`);
  return m;
}

/** What a step draws for one sample (crop, flip, timestep, conditioning dropout). */
export interface SampleDraw {
  pair: number;
  /** crop offsets as fractions of the free room (0..1) */
  cropY: number;
  cropX: number;
  flip: boolean;
  timestep: number;
  /** the text is replaced by the empty prompt's states */
  dropText: boolean;
  /** the source image latents are zeroed */
  dropImage: boolean;
}

export interface StepDraws {
  samples: SampleDraw[];
  /** ε for the whole batch, [B·c·h·w] row-major */
  noise: Float32Array;
  /** the target posterior's ε (AutoencoderKL.sample), same shape */
  posteriorNoise: Float32Array;
}

/** A step's generator: (seed, step) mixed so neighbouring steps and seeds are unrelated. */
export function stepRandom(seed: number, step: number): SeededRandom {
  return new SeededRandom((Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0);
}

/** The pairs of step `step`: sample k of the run is position k mod n of epoch ⌊k/n⌋'s seeded order. */
export function stepPairs(step: number, batch: number, n: number, seed: number): number[] {
  const out: number[] = [];
  let epoch = -1;
  let order: number[] = [];
  for (let i = 0; i < batch; i++) {
    const k = step * batch + i;
    if (Math.floor(k / n) !== epoch) {
      epoch = Math.floor(k / n);
      order = epochOrder(n, seed, epoch);
    }
    out.push(order[k % n]!);
  }
  return out;
}

/**
 * InstructPix2Pix's conditioning dropout (diffusers train_instruct_pix2pix.py): one uniform u per
 * sample; the text is dropped for u < 2p and the image latents for p ≤ u < 3p — so with probability p
 * each: text only (u < p), both (p ≤ u < 2p), image only (2p ≤ u < 3p).
 */
export function conditioningDropout(u: number, p: number): { dropText: boolean; dropImage: boolean } {
  return { dropText: u < 2 * p, dropImage: u >= p && u < 3 * p };
}

export function drawStep(opts: { seed: number; step: number; batch: number; pairs: number; latentShape: [number, number, number]; numTrainTimesteps: number; dropout: number; crop: boolean; flip: boolean }): StepDraws {
  const rng = stepRandom(opts.seed, opts.step);
  const order = stepPairs(opts.step, opts.batch, opts.pairs, opts.seed);
  const samples = order.map((pair) => {
    const cropY = opts.crop ? rng.uniform() : 0.5;
    const cropX = opts.crop ? rng.uniform() : 0.5;
    const flip = opts.flip ? rng.uniform() < 0.5 : false;
    const timestep = Math.min(opts.numTrainTimesteps - 1, Math.floor(rng.uniform() * opts.numTrainTimesteps));
    return { pair, cropY, cropX, flip, timestep, ...conditioningDropout(rng.uniform(), opts.dropout) };
  });
  const per = opts.latentShape.reduce((a, b) => a * b, 1);
  return { samples, noise: rng.normals(opts.batch * per), posteriorNoise: rng.normals(opts.batch * per) };
}

/** The crop window of an image of h×w after the shorter side is resized to round(resolution·scale). */
export function cropGeometry(h: number, w: number, resolution: number, scale: number, cropY: number, cropX: number): { rh: number; rw: number; y: number; x: number } {
  const short = Math.round(resolution * scale);
  const rh = h <= w ? short : Math.round((h * short) / w);
  const rw = h <= w ? Math.round((w * short) / h) : short;
  return { rh, rw, y: Math.min(rh - resolution, Math.floor(cropY * (rh - resolution + 1))), x: Math.min(rw - resolution, Math.floor(cropX * (rw - resolution + 1))) };
}

/** The tight box of mask ≥ 0.5 (Eq. 6), inclusive; null when the mask is empty. `threshold`: 0.5 of the mask's scale (128 for bytes). */
export function tightBox(mask: ArrayLike<number>, h: number, w: number, threshold = 128): InclusiveBox | null {
  let y0 = h;
  let x0 = w;
  let y1 = -1;
  let x1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask[y * w + x]! >= threshold) {
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
      }
    }
  }
  return y1 < 0 ? null : { y0, x0, y1, x1 };
}

/** Nearest-neighbour resize (half-pixel centres), crop and optional flip of a one-channel mask, on the host. */
function maskWindow(m: GrayImage, g: { rh: number; rw: number; y: number; x: number }, size: number, flip: boolean): Uint8Array {
  const out = new Uint8Array(size * size);
  for (let i = 0; i < size; i++) {
    const sy = Math.min(m.height - 1, Math.floor(((g.y + i + 0.5) * m.height) / g.rh));
    for (let j = 0; j < size; j++) {
      const jj = flip ? size - 1 - j : j;
      const sx = Math.min(m.width - 1, Math.floor(((g.x + jj + 0.5) * m.width) / g.rw));
      out[i * size + j] = m.data[sy * m.width + sx]!;
    }
  }
  return out;
}

/** An image resized (bilinear, half-pixel centres), cropped and flipped, in [-1, 1], NCHW [1, 3, size, size]. */
function imageWindow(img: RgbImage, g: { rh: number; rw: number; y: number; x: number }, size: number, flip: boolean): tf.Tensor {
  return tf.tidy(() => {
    let t: tf.Tensor = tf.div(tf.tensor3d(img.data, [img.height, img.width, 3], 'int32').toFloat(), 127.5);
    t = tf.sub(t, 1);
    if (g.rh !== img.height || g.rw !== img.width) t = tf.image.resizeBilinear(t as tf.Tensor3D, [g.rh, g.rw], false, true);
    if (g.y !== 0 || g.x !== 0 || g.rh !== size || g.rw !== size) t = tf.slice(t, [g.y, g.x, 0], [size, size, 3]);
    if (flip) t = tf.reverse(t, 1);
    return tf.expandDims(tf.transpose(t, [2, 0, 1]), 0);
  });
}

/** A sample's images and mask at training resolution. */
export interface PreparedSample {
  source: tf.Tensor;
  target: tf.Tensor;
  mask: Uint8Array;
  box: InclusiveBox | null;
}

export async function prepareSample(pair: EditorPair, draw: Pick<SampleDraw, 'cropY' | 'cropX' | 'flip'>, resolution: number, cropScale: number): Promise<PreparedSample> {
  const [source, target, mask] = await Promise.all([loadImage(pair.source), loadImage(pair.target), loadMask(pair.mask, pair.id)]);
  for (const [what, im] of [['target', target], ['mask', mask]] as const) {
    if (im.width !== source.width || im.height !== source.height) throw new Error(`sample ${pair.id}: the ${what} is ${im.width}×${im.height}, the source ${source.width}×${source.height}`);
  }
  const g = cropGeometry(source.height, source.width, resolution, cropScale, draw.cropY, draw.cropX);
  const m = maskWindow(mask, g, resolution, draw.flip);
  return { source: imageWindow(source, g, resolution, draw.flip), target: imageWindow(target, g, resolution, draw.flip), mask: m, box: tightBox(m, resolution, resolution) };
}
