// The region crop of Eq. 6 (cropResizeBilinear): values against TensorFlow's own half-pixel bilinear
// resize of the cut box (an independent implementation), the exact adjoint (its gradient is the
// transpose of the forward map), and clear errors. The gradient against the cpu backend's built-in
// gradients of a gather formulation runs with every op in grad-cases.ts (wasm here, WebGPU in its suite).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { bilinearMatrix, cropResizeBilinear } from '../../../../main/engine/layers/index.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 78.233) * 2);

describe('cropResizeBilinear', () => {
  it('equals tf.image.resizeBilinear (half-pixel centres) of the cut box, for non-square boxes up- and down-sampled', async () => {
    const [b, c, h, w] = [3, 3, 13, 17];
    const x = tf.tensor4d(values(b * c * h * w, 1), [b, c, h, w]);
    const boxes = [
      { y0: 2, x0: 3, y1: 9, x1: 15 },
      { y0: 0, x0: 0, y1: h - 1, x1: w - 1 },
      { y0: 5, x0: 1, y1: 7, x1: 2 },
    ];
    for (const size of [[8, 8], [20, 11], [4, 31]] as [number, number][]) {
      const got = cropResizeBilinear(x, boxes, size);
      const ref = tf.tidy(() =>
        tf.concat(
          boxes.map((bx, i) => {
            const crop = tf.slice(tf.transpose(x, [0, 2, 3, 1]), [i, bx.y0, bx.x0, 0], [1, bx.y1 - bx.y0 + 1, bx.x1 - bx.x0 + 1, c]);
            return tf.transpose(tf.image.resizeBilinear(crop as tf.Tensor4D, size, false, true), [0, 3, 1, 2]);
          }),
        ),
      );
      expect(got.shape).toEqual([b, c, ...size]);
      const [g, r] = [(await got.data()) as Float32Array, (await ref.data()) as Float32Array];
      let d = 0;
      for (let i = 0; i < r.length; i++) d = Math.max(d, Math.abs(g[i]! - r[i]!));
      expect(d, `size ${size}`).toBeLessThan(1e-5);
      tf.dispose([got, ref]);
    }
    x.dispose();
  });

  it('its gradient is the exact adjoint: <dY, A x> = <Aᵀ dY, x>, and it leaks no tensors', async () => {
    const x = tf.tensor4d(values(2 * 2 * 9 * 6, 2), [2, 2, 9, 6]);
    const dy = tf.tensor4d(values(2 * 2 * 5 * 7, 3), [2, 2, 5, 7]);
    const boxes = [{ y0: 1, x0: 0, y1: 8, x1: 3 }, { y0: 4, x0: 2, y1: 6, x1: 5 }];
    const before = tf.memory().numTensors;
    const [lhs, rhs] = tf.tidy(() => {
      const y = cropResizeBilinear(x, boxes, [5, 7]);
      const g = tf.grad((t: tf.Tensor) => cropResizeBilinear(t, boxes, [5, 7]))(x, dy);
      return [tf.sum(tf.mul(dy, y)), tf.sum(tf.mul(g, x))];
    });
    const [l, r] = [(await lhs.data())[0]!, (await rhs.data())[0]!];
    expect(Math.abs(l)).toBeGreaterThan(0.1);
    expect(Math.abs(l - r)).toBeLessThan(1e-4 * Math.abs(l));
    tf.dispose([lhs, rhs]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, dy]);
  });

  it('interpolation rows sum to 1 and stay inside the box', () => {
    const m = bilinearMatrix(3, 7, 12, 9);
    for (let i = 0; i < 9; i++) {
      const row = m.subarray(i * 12, (i + 1) * 12);
      expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 6);
      row.forEach((v, j) => (j < 3 || j > 7) && expect(v).toBe(0));
    }
  });

  it('names the box and the image in errors', () => {
    const x = tf.zeros([1, 3, 8, 8]);
    expect(() => cropResizeBilinear(x, [{ y0: 2, x0: 0, y1: 8, x1: 3 }], [4, 4])).toThrow(/box 0 \(rows 2\.\.8, columns 0\.\.3\) is not inside the 8×8 image/);
    expect(() => cropResizeBilinear(x, [], [4, 4])).toThrow(/0 boxes for 1 images/);
    x.dispose();
  });
});
