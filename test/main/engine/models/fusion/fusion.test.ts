import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { GatedRegionContextFusion } from '../../../../../main/engine/models/fusion/index.js';
import { fromPretrained } from '../../../../../main/engine/models/registry.js';
import { AdamW, clipGradNorm } from '../../../../../main/engine/training/optim.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-fusion-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const config = { input_dim: 8, hidden_dim: 8, projection_dim: 6, num_heads: 2, kernel_size: 3 } as const;

function inputs(seed: number) {
  return {
    eR: tf.randomNormal([2, 5, 8], 0, 1, 'float32', seed),
    eF: tf.randomNormal([2, 7, 8], 0, 1, 'float32', seed + 1),
    dir: tf.randomNormal([2, 6], 0, 1, 'float32', seed + 2),
  };
}

/** A scalar probe of the output: Σ f_r ⊙ dir, whose gradient is the vector-Jacobian product with dir. */
function probe(fusion: GatedRegionContextFusion, x: ReturnType<typeof inputs>) {
  return () => tf.sum(tf.mul(fusion.forward(x.eR, x.eF).regionEmbedding, x.dir)) as tf.Scalar;
}

describe('gated region-context fusion (Eq. 12–16)', () => {
  for (const pooling of ['cls', 'mean'] as const) {
    it(`has gradients equal to finite differences (${pooling} pooling, cpu backend)`, async () => {
      await tf.setBackend('cpu');
      const fusion = GatedRegionContextFusion.random({ ...config, pooling }, 7);
      const x = inputs(3);
      const f = probe(fusion, x);
      const { grads } = tf.variableGrads(f);
      const h = 1e-2;
      let checked = 0;
      let worst = 0;
      for (const name of fusion.params.names()) {
        const v = fusion.params.get(name);
        const analytic = grads[v.name]!.dataSync();
        const values = v.dataSync().slice();
        // Three entries per parameter, spread over the tensor.
        for (const idx of [0, Math.floor(values.length / 2), values.length - 1]) {
          const at = (delta: number) => {
            const copy = values.slice();
            copy[idx] = values[idx]! + delta;
            v.assign(tf.tensor(copy, v.shape));
            return f().dataSync()[0]!;
          };
          const numeric = (at(h) - at(-h)) / (2 * h);
          v.assign(tf.tensor(values, v.shape));
          const err = Math.abs(numeric - analytic[idx]!);
          worst = Math.max(worst, err / (1e-2 + Math.abs(numeric)));
          expect(err, `${name}[${idx}]: analytic ${analytic[idx]} vs numeric ${numeric}`).toBeLessThan(2e-3 + 1e-2 * Math.abs(numeric));
          checked++;
        }
      }
      console.log(`fusion (${pooling}): ${checked} finite-difference checks, worst relative error ${worst.toExponential(2)}`);
      tf.dispose(grads);
      fusion.dispose();
    });
  }

  it('computes the same outputs and gradients on wasm (fast path) as on cpu, after save → load', async () => {
    await tf.setBackend('cpu');
    const dir = path.join(tmp, 'fusion-a');
    const a = GatedRegionContextFusion.random(config, 11);
    await a.save(dir);
    const x = inputs(5);
    const xs = { eR: x.eR.arraySync(), eF: x.eF.arraySync(), dir: x.dir.arraySync() };
    const cpuOut = a.forward(x.eR, x.eF).regionEmbedding.dataSync();
    const cpuGrads = tf.variableGrads(probe(a, x)).grads;
    const cpuByKey = new Map(a.params.names().map((k) => [k, cpuGrads[a.params.get(k).name]!.dataSync()]));

    await tf.setBackend('wasm');
    const b = await fromPretrained<GatedRegionContextFusion>(dir, { strict: true, trainable: true });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))).toMatchObject({ kernel_size: 3, num_heads: 2, pooling: 'cls' });
    const y = { eR: tf.tensor(xs.eR), eF: tf.tensor(xs.eF), dir: tf.tensor(xs.dir) };
    const wasmOut = b.forward(y.eR, y.eF).regionEmbedding.dataSync();
    for (let i = 0; i < cpuOut.length; i++) expect(Math.abs(wasmOut[i]! - cpuOut[i]!)).toBeLessThan(1e-5);
    const wasmGrads = tf.variableGrads(probe(b, y)).grads;
    for (const k of b.params.names()) {
      const v = b.params.get(k);
      const g = wasmGrads[v.name]!.dataSync();
      const ref = cpuByKey.get(k)!;
      for (let i = 0; i < g.length; i++) expect(Math.abs(g[i]! - ref[i]!), `${k}[${i}]`).toBeLessThan(1e-4 + 1e-4 * Math.abs(ref[i]!));
    }
    a.dispose();
    b.dispose();
  });

  it('gives the same parameter gradients when told its inputs are constant (phase 1: no input gradient computed)', async () => {
    await tf.setBackend('wasm');
    const fusion = GatedRegionContextFusion.random(config, 4);
    const x = inputs(12);
    const of = (constantInputs: boolean) =>
      tf.variableGrads(() => tf.sum(tf.mul(fusion.forward(x.eR, x.eF, { constantInputs }).regionEmbedding, x.dir)) as tf.Scalar, fusion.variables()).grads;
    const a = of(false);
    const b = of(true);
    for (const v of fusion.variables()) {
      const ga = a[v.name]!.dataSync();
      const gb = b[v.name]!.dataSync();
      // Same math, different summation order (one im2col product vs a sum over taps): float32 rounding only.
      const scale = Math.max(1e-3, ...Array.from(ga, Math.abs));
      for (let i = 0; i < ga.length; i++) expect(Math.abs(ga[i]! - gb[i]!), `${v.name}[${i}]`).toBeLessThan(1e-5 * scale);
    }
    tf.dispose([...Object.values(a), ...Object.values(b)]);
    fusion.dispose();
  });

  it('rejects a checkpoint with a misshapen tensor, naming it', async () => {
    await tf.setBackend('cpu');
    const dir = path.join(tmp, 'fusion-bad');
    const a = GatedRegionContextFusion.random(config, 1);
    await a.save(dir);
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, projection_dim: 5 }));
    await expect(fromPretrained(dir)).rejects.toThrow(/proj\.weight is \[6, 8\], expected \[5, 8\]/);
    a.dispose();
  });

  it('keeps tf.memory().numTensors flat across AdamW training steps (wasm)', async () => {
    await tf.setBackend('wasm');
    const fusion = GatedRegionContextFusion.random(config, 2);
    const x = inputs(9);
    const opt = new AdamW(fusion.variables(), { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    const step = () => {
      const { value, grads } = tf.variableGrads(probe(fusion, x), fusion.variables());
      clipGradNorm(grads, 1);
      opt.apply(grads, 1e-3);
      tf.dispose(grads);
      const loss = value.dataSync()[0]!;
      value.dispose();
      return loss;
    };
    const first = step(); // creates the optimiser's moments
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(step()).toBeLessThan(first); // the probe decreases under gradient descent
    opt.dispose();
    fusion.dispose();
  });
});
