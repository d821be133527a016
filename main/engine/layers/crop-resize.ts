// The region crop of Eq. 6 as the editor's losses need it: cut rows y0..y1 and columns x0..x1
// (inclusive) of each image and resize them bilinearly to the tower's input size, with half-pixel
// centres and no antialiasing (torch's F.interpolate(mode="bilinear", align_corners=False)). The
// predicted image is a function of the UNet, so this op must carry a gradient: tf.image.cropAndResize
// has none, and the cpu backend's resizeBilinear gradient fails on non-square inputs. Bilinear
// resizing is linear and separable, so each image's crop-and-resize is exactly Y = R_y · X · R_xᵀ per
// channel with two small interpolation matrices (R_y [oh, H] and R_x [ow, W], zero outside the box):
// two plain matMuls forward, and the exact gradient dX = R_yᵀ · dY · R_x, two more — no gather, no
// transposed matmul, the same on every backend.
import * as tf from '@tensorflow/tfjs';

/** An inclusive pixel box: rows y0..y1, columns x0..x1 (Eq. 6's tight box of the mask). */
export interface InclusiveBox {
  y0: number;
  x0: number;
  y1: number;
  x1: number;
}

/**
 * The interpolation matrix [out, full] that samples `out` points from the source range start..end
 * (inclusive) of an axis of length `full`, as torch's upsample_bilinear2d (align_corners=False, no
 * antialias) does on the cropped axis: src = (i + ½)·(in/out) − ½, clamped at 0; weights 1−λ, λ on
 * floor(src) and the next index (the last index repeats). Computed in float32 as torch does.
 */
export function bilinearMatrix(start: number, end: number, full: number, out: number): Float32Array {
  const f = Math.fround;
  const size = end - start + 1;
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end < full && size >= 1)) throw new Error(`bilinearMatrix: range ${start}..${end} is not inside 0..${full - 1}`);
  if (!(Number.isInteger(out) && out >= 1)) throw new Error(`bilinearMatrix: output size ${out}`);
  const m = new Float32Array(out * full);
  const scale = f(size / out);
  for (let i = 0; i < out; i++) {
    const src = Math.max(0, f(f(scale * f(i + 0.5)) - 0.5));
    const i0 = Math.floor(src);
    const step = i0 < size - 1 ? 1 : 0;
    const lambda1 = Math.min(Math.max(f(src - i0), 0), 1);
    const lambda0 = f(1 - lambda1);
    m[i * full + start + i0] = (m[i * full + start + i0] ?? 0) + lambda0;
    m[i * full + start + i0 + step] = (m[i * full + start + i0 + step] ?? 0) + lambda1;
  }
  return m;
}

function transposeHost(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c]!;
  return t;
}

/** A · X · Bᵀ for every channel of one image X [C, H, W]: A [p, H], bT = Bᵀ [W, q] → [C, p, q]. */
function sandwich(x: tf.Tensor, a: tf.Tensor2D, bT: tf.Tensor2D): tf.Tensor {
  return tf.tidy(() => {
    const [c, h, w] = x.shape as [number, number, number];
    const p = a.shape[0];
    const q = bT.shape[1];
    const right = tf.reshape(tf.matMul(tf.reshape(x, [c * h, w]) as tf.Tensor2D, bT), [c, h, q]); // X·Bᵀ per channel
    const rows = tf.reshape(tf.transpose(right, [1, 0, 2]), [h, c * q]); // H leading, for one product with A
    return tf.transpose(tf.reshape(tf.matMul(a, rows as tf.Tensor2D), [p, c, q]), [1, 0, 2]);
  });
}

/**
 * images [B, C, H, W] (NCHW), one inclusive box per image → [B, C, size[0], size[1]], differentiable
 * with respect to the images (the boxes are data). A box covering the whole image is a plain resize.
 */
export function cropResizeBilinear(images: tf.Tensor, boxes: readonly InclusiveBox[], size: readonly [number, number]): tf.Tensor {
  if (images.rank !== 4) throw new Error(`cropResizeBilinear: images must be [B, C, H, W], got [${images.shape.join(', ')}]`);
  const [b, , h, w] = images.shape as [number, number, number, number];
  if (boxes.length !== b) throw new Error(`cropResizeBilinear: ${boxes.length} boxes for ${b} images`);
  const [oh, ow] = size;
  // Host matrices once per call: R_y, R_yᵀ, R_x, R_xᵀ of each image.
  const mats = boxes.map((box, i) => {
    if (!(box.y0 <= box.y1 && box.x0 <= box.x1 && box.y0 >= 0 && box.x0 >= 0 && box.y1 < h && box.x1 < w)) {
      throw new Error(`cropResizeBilinear: box ${i} (rows ${box.y0}..${box.y1}, columns ${box.x0}..${box.x1}) is not inside the ${h}×${w} image`);
    }
    const ry = bilinearMatrix(box.y0, box.y1, h, oh);
    const rx = bilinearMatrix(box.x0, box.x1, w, ow);
    return { ry, ryT: transposeHost(ry, oh, h), rx, rxT: transposeHost(rx, ow, w) };
  });
  const op = tf.customGrad(((x: tf.Tensor) => {
    const value = tf.tidy(() => {
      const parts = tf.unstack(x).map((xi, i) => sandwich(xi, tf.tensor2d(mats[i]!.ry, [oh, h]), tf.tensor2d(mats[i]!.rxT, [w, ow])));
      return tf.stack(parts);
    });
    const gradFunc = (dy: tf.Tensor) =>
      tf.tidy(() => tf.stack(tf.unstack(dy).map((gi, i) => sandwich(gi, tf.tensor2d(mats[i]!.ryT, [h, oh]), tf.tensor2d(mats[i]!.rx, [ow, w])))));
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(images);
}
