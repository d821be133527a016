// Image resampling as PIL's Image.resize does it (the resize every reference metric script runs
// before its backbone: torchvision transforms on PIL images, transformers' image processors): a
// separable filter whose support widens by the scale when shrinking (antialias), taps cut at the
// border and renormalised. With antialias off it is torch's F.interpolate(align_corners=False)
// (pytorch-fid's resize to 299). Like PIL on 8-bit images, each pass clips to [0, 255] (bicubic
// overshoots); unlike PIL it does not round to integers between and after the passes, so results
// differ from PIL's by about one 8-bit level at most.

/** 'bicubic' is PIL's (Keys, a = −0.5); torch's tensor bicubic (a = −0.75) is not offered. */
export type ResampleFilter = 'nearest' | 'box' | 'bilinear' | 'bicubic';

/** An 8-bit RGB image, row-major, channels interleaved (what sharp's raw output gives). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The same with float samples (0…255 scale), between pipeline steps. */
export interface RgbFloatImage {
  width: number;
  height: number;
  data: Float32Array;
}

const SUPPORT: Record<Exclude<ResampleFilter, 'nearest'>, number> = { box: 0.5, bilinear: 1, bicubic: 2 };

function kernel(filter: Exclude<ResampleFilter, 'nearest'>, x: number): number {
  if (filter === 'box') return x > -0.5 && x <= 0.5 ? 1 : 0;
  const ax = Math.abs(x);
  if (filter === 'bilinear') return ax < 1 ? 1 - ax : 0;
  const a = -0.5;
  if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
  if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * a;
  return 0;
}

/** Per output pixel: the first input index and its normalised weights. */
export interface Taps {
  start: Int32Array;
  weights: Float64Array[];
}

export function resampleTaps(inSize: number, outSize: number, filter: ResampleFilter, antialias: boolean): Taps {
  if (!(inSize >= 1 && outSize >= 1 && Number.isInteger(inSize) && Number.isInteger(outSize))) throw new Error(`resample: sizes must be positive integers (${inSize} → ${outSize})`);
  const scale = inSize / outSize;
  const start = new Int32Array(outSize);
  const weights: Float64Array[] = [];
  if (filter === 'nearest') {
    for (let i = 0; i < outSize; i++) {
      start[i] = Math.min(inSize - 1, Math.floor((i + 0.5) * scale));
      weights.push(Float64Array.of(1));
    }
    return { start, weights };
  }
  const filterScale = antialias ? Math.max(scale, 1) : 1;
  const support = SUPPORT[filter] * filterScale;
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    const w = new Float64Array(Math.max(1, hi - lo));
    let sum = 0;
    for (let j = lo; j < hi; j++) sum += w[j - lo] = kernel(filter, (j + 0.5 - center) / filterScale);
    if (sum === 0) {
      // Can only happen for a box filter between pixel centres: take the nearest pixel.
      w.fill(0);
      w[0] = 1;
      sum = 1;
    }
    for (let k = 0; k < w.length; k++) w[k]! /= sum;
    start[i] = lo;
    weights.push(w);
  }
  return { start, weights };
}

const clip8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** Resizes an RGB image to width × height (horizontal pass, then vertical, as PIL). */
export function resizeRgb(img: RgbImage | RgbFloatImage, width: number, height: number, filter: ResampleFilter, antialias: boolean): RgbFloatImage {
  const { width: w0, height: h0, data } = img;
  if (data.length !== w0 * h0 * 3) throw new Error(`resize: ${w0}×${h0} RGB needs ${w0 * h0 * 3} samples, got ${data.length}`);
  const tx = resampleTaps(w0, width, filter, antialias);
  const ty = resampleTaps(h0, height, filter, antialias);
  const mid = new Float32Array(width * h0 * 3);
  for (let y = 0; y < h0; y++) {
    const row = y * w0 * 3;
    for (let x = 0; x < width; x++) {
      const w = tx.weights[x]!;
      let r = 0, g = 0, b = 0;
      for (let k = 0, s = row + tx.start[x]! * 3; k < w.length; k++, s += 3) {
        r += w[k]! * data[s]!;
        g += w[k]! * data[s + 1]!;
        b += w[k]! * data[s + 2]!;
      }
      const o = (y * width + x) * 3;
      mid[o] = clip8(r);
      mid[o + 1] = clip8(g);
      mid[o + 2] = clip8(b);
    }
  }
  const out = new Float32Array(width * height * 3);
  const stride = width * 3;
  for (let y = 0; y < height; y++) {
    const w = ty.weights[y]!;
    const base = ty.start[y]! * stride;
    const o = y * stride;
    for (let k = 0; k < w.length; k++) {
      const wk = w[k]!;
      const s = base + k * stride;
      for (let i = 0; i < stride; i++) out[o + i]! += wk * mid[s + i]!;
    }
    for (let i = 0; i < stride; i++) out[o + i] = clip8(out[o + i]!);
  }
  return { width, height, data: out };
}

/** A pixel rectangle [x, x + width) × [y, y + height) of an RGB image. */
export function cropRgb<T extends RgbImage | RgbFloatImage>(img: T, box: { x: number; y: number; width: number; height: number }): T {
  const { x, y, width, height } = box;
  if (!(x >= 0 && y >= 0 && width >= 1 && height >= 1 && x + width <= img.width && y + height <= img.height)) {
    throw new Error(`crop: box ${JSON.stringify(box)} is not inside the ${img.width}×${img.height} image`);
  }
  const out = new (img.data.constructor as Uint8ArrayConstructor | Float32ArrayConstructor)(width * height * 3);
  for (let r = 0; r < height; r++) out.set(img.data.subarray(((y + r) * img.width + x) * 3, ((y + r) * img.width + x + width) * 3), r * width * 3);
  return { width, height, data: out } as T;
}
