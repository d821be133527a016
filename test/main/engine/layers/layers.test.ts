// The engine's ops and their custom gradients on the wasm backend (the one every machine has)
// against the cpu backend's built-in gradients of a reference formulation.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { batchMatMul, embedding, linear } from '../../../../main/engine/layers/index.js';
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
});
