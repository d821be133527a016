// The engine's ops and their custom gradients on the wasm backend (the one every machine has)
// against the cpu backend's built-in gradients of a reference formulation.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
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

  // A tensor worker only calls initBackend before its first task: the Region-CLIP worker never ran a
  // layer that installs these kernels, so its conv taps were unstacked by the stock kernel (~140 ms a
  // phase-1 step at ViT-B/16 size, paid again by every worker — issue 13). Needs the build (dist/).
  it('initBackend installs them: a fresh process, as each tensor worker is, has them before any layer runs', () => {
    const backend = pathToFileURL(path.resolve('dist/main/engine/backend.js')).href;
    const script = `
      const tf = await import('@tensorflow/tfjs');
      await import('@tensorflow/tfjs-backend-wasm');
      const stock = Object.fromEntries(['Slice', 'Unpack', 'SplitV'].map((k) => [k, tf.getKernel(k, 'wasm').kernelFunc]));
      const { initBackend } = await import(${JSON.stringify(backend)});
      await initBackend({ prefer: 'wasm' });
      const replaced = Object.keys(stock).filter((k) => tf.getKernel(k, 'wasm').kernelFunc !== stock[k]);
      const parts = tf.unstack(tf.transpose(tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]), [2, 0, 1]));
      console.log(JSON.stringify({ backend: tf.getBackend(), replaced, parts: parts.map((t) => Array.from(t.dataSync())) }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ backend: 'wasm', replaced: ['Slice', 'Unpack', 'SplitV'], parts: [[1, 3, 5, 7], [2, 4, 6, 8]] });
  });
});
