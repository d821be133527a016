// Pooling (torch semantics: count_include_pad, padding that never wins a max) and eval-mode batch
// norm, folded or applied, on the wasm backend, against values worked out by hand.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { avgPool2d, batchNorm, conv2d, foldBatchNorm, maxPool2d } from '../../../../main/engine/layers/index.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const values = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync(), (x) => +x.toFixed(6));
  t.dispose();
  return v;
};

describe('pool layers', () => {
  it('avg pool 3×3 / 1 / pad 1 on ones: torch count_include_pad=True divides borders by 9, False by the real pixels', () => {
    const x = tf.ones([1, 3, 3, 1]);
    expect(values(avgPool2d(x, { kernel: 3, stride: 1, padding: 1 }))).toEqual([4 / 9, 6 / 9, 4 / 9, 6 / 9, 1, 6 / 9, 4 / 9, 6 / 9, 4 / 9].map((v) => +v.toFixed(6)));
    expect(values(avgPool2d(x, { kernel: 3, stride: 1, padding: 1, countIncludePad: false }))).toEqual(Array(9).fill(1));
    // two channels, a ramp: the centre averages all nine, a corner (excluding padding) its four
    const r = tf.tensor4d(Array.from({ length: 18 }, (_, i) => (i % 2 ? -1 : 1) * Math.floor(i / 2)), [1, 3, 3, 2]);
    const ex = values(avgPool2d(r, { kernel: 3, stride: 1, padding: 1, countIncludePad: false }));
    expect([ex[0], ex[1], ex[8], ex[9]]).toEqual([(0 + 1 + 3 + 4) / 4, -(0 + 1 + 3 + 4) / 4, 4, -4]);
    tf.dispose([x, r]);
  });

  it('max pool: 3×3 stride 2 without padding (torchvision maxpool1), and padding that never wins', () => {
    const ramp = tf.tensor4d(Array.from({ length: 25 }, (_, i) => i), [1, 5, 5, 1]);
    expect(values(maxPool2d(ramp, { kernel: 3, stride: 2 }))).toEqual([12, 14, 22, 24]);
    const neg = tf.fill([1, 2, 2, 1], -5);
    expect(values(maxPool2d(neg, { kernel: 3, stride: 1, padding: 1 }))).toEqual([-5, -5, -5, -5]);
    expect(() => maxPool2d(tf.zeros([1, 2, 2, 1]), { kernel: 3, stride: 2 })).toThrow(/smaller than the 3×3 window/);
    tf.dispose([ramp, neg]);
  });

  it('batch norm folded into the convolution equals conv → batch norm (eval)', () => {
    const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1);
    const w = tf.randomNormal([4, 3, 3, 3], 0, 0.5, 'float32', 2);
    const bn = { weight: tf.tensor1d([1.1, 0.9, 1, 2]), bias: tf.tensor1d([0.1, -0.2, 0.3, 0]), runningMean: tf.tensor1d([0.5, -1, 0, 2]), runningVar: tf.tensor1d([0.04, 2, 1, 9]) };
    const applied = batchNorm(conv2d(x, w, undefined, { padding: 1 }), bn, 1e-3);
    const f = foldBatchNorm(w, undefined, bn, 1e-3);
    const folded = conv2d(x, f.weight, f.bias, { padding: 1 });
    const diff = tf.max(tf.abs(tf.sub(applied, folded))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-5);
    // and by hand for one output: (y − mean)/√(var + eps)·w + b
    const y = conv2d(x, w, undefined, { padding: 1 });
    const y0 = y.dataSync()[0]!;
    expect(applied.dataSync()[0]).toBeCloseTo(((y0 - 0.5) / Math.sqrt(0.041)) * 1.1 + 0.1, 4);
    tf.dispose([x, w, applied, folded, y, f.weight, f.bias, ...Object.values(bn)]);
  });
});
