// The engine's ops and their custom gradients on the wasm backend (the one every machine has)
// against the cpu backend's built-in gradients of a reference formulation.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { batchMatMul, embedding, fastWasmSlices, linear } from '../../../../main/engine/layers/index.js';
import { GRAD_CASES, compareAllWithCpu } from './grad-cases.js';

describe('engine layers on wasm vs cpu', () => {
  it(`all ${GRAD_CASES.length} ops: values and gradients match the cpu reference`, async () => {
    const failures = await compareAllWithCpu('wasm');
    expect(failures).toEqual([]);
  });

  it('the wasm backend really lacks the built-in gather gradient that embedding() replaces', async () => {
    await tf.setBackend('wasm');
    const table = tf.ones([4, 2]);
    const ids = tf.tensor1d([0, 2, 2], 'int32');
    expect(() => tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, ids)))(table)).toThrow(/UnsortedSegmentSum/);
    const g = tf.grad((t: tf.Tensor) => tf.sum(embedding(t, ids)))(table);
    expect(Array.from(g.dataSync())).toEqual([1, 1, 0, 0, 2, 2, 0, 0]);
    tf.dispose([table, ids, g]);
  });

  it('names the problem in shape errors', async () => {
    await tf.setBackend('wasm');
    expect(() => linear(tf.zeros([2, 3]), { weight: tf.zeros([4, 5]) })).toThrow(/last axis is 3.*\[4, 5\]/);
    expect(() => batchMatMul(tf.zeros([2, 3, 4]), tf.zeros([1, 4, 3]))).toThrow(/tile/);
    expect(() => embedding(tf.zeros([4, 2]), tf.zeros([3]))).toThrow(/int32/);
  });

  it('the wasm Slice/Unpack/SplitV kernels that copy only the slice give the same values as the stock ones', async () => {
    const shapes: [number[], number[], number[]][] = [
      [[7], [2], [4]],
      [[5, 6], [1, 0], [3, 6]],
      [[5, 6], [0, 2], [5, 3]],
      [[2, 3, 4, 5], [0, 1, 1, 0], [2, 2, 3, 5]],
      [[2, 3, 4, 5], [1, 0, 0, 0], [1, 3, 4, 5]],
      [[2, 3, 4, 5], [0, 2, 0, 0], [2, 1, 4, 5]],
      [[2, 3, 4, 5, 2], [1, 1, 0, 2, 0], [1, 2, 4, 3, 2]],
    ];
    const cases = async () => {
      const out: number[][] = [];
      for (const [shape, begin, size] of shapes) {
        const n = shape.reduce((a, b) => a * b, 1);
        const x = tf.tensor(Array.from({ length: n }, (_, i) => i * 0.5 - 3), shape);
        const ints = tf.cast(x, 'int32');
        const parts = [tf.slice(x, begin, size), tf.slice(ints, begin, size), ...tf.unstack(x, shape.length - 1), ...tf.split(x, [1, shape[shape.length - 1]! - 1], -1), ...tf.split(x, 1, 0)];
        for (const p of parts) out.push(Array.from(await p.data()));
        tf.dispose([x, ints, ...parts]);
      }
      return out;
    };
    await tf.setBackend('cpu');
    const reference = await cases();
    await tf.setBackend('wasm');
    fastWasmSlices();
    const before = tf.memory().numTensors;
    expect(await cases()).toEqual(reference);
    expect(tf.memory().numTensors).toBe(before);
  });
});
