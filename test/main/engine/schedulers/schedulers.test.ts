// The noise schedulers: the three recorded sequences of the fixtures replayed through the parity
// runner (class picked from the manifest), the timestep spacings and beta schedules diffusers
// computes, the training-side formulas (add_noise, v-prediction target, x̂0), conversion between
// classes as from_config does, and errors that name the file and field.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatParityTable, runParity } from '../../../../main/engine/parity/index.js';
import {
  DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler, EulerDiscreteScheduler, addNoise, convertScheduler, loadScheduler, predictOriginal, readSchedulerConfig, velocity,
} from '../../../../main/engine/schedulers/index.js';
import { FIXTURES } from '../shared-dir.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-sched-'));
const SD = { beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', steps_offset: 1 };

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('schedulers', () => {
  it('replays the DDIM, DDPM and Euler-ancestral sequences within 1e-5 (injected noise, class from scheduler_class)', async () => {
    const results = await runParity([path.join(FIXTURES, 'parity/schedulers')]);
    const table = formatParityTable(results);
    expect(results.map((r) => `${r.case} ${r.status}`), table).toEqual(['ddim pass', 'ddpm pass', 'euler_ancestral pass']);
    for (const r of results) expect(r.tensors.map((t) => t.tensor)).toEqual(expect.arrayContaining(['prev_sample', 'pred_original_sample', 'model_input', 'alphas_cumprod']));
    expect(Math.max(...results.flatMap((r) => r.tensors.map((t) => t.maxAbs)))).toBeGreaterThan(0);
  });

  it('computes the timesteps of each spacing as diffusers v0.25 does', () => {
    const ddim = (spacing: string, n: number) => {
      const s = DDIMScheduler.fromConfig({ ...SD, timestep_spacing: spacing });
      s.setTimesteps(n);
      return s.timesteps;
    };
    expect(ddim('leading', 10)).toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
    expect(ddim('trailing', 4)).toEqual([999, 749, 499, 249]);
    expect(ddim('linspace', 4)).toEqual([999, 666, 333, 0]);
    const dpm = DPMSolverMultistepScheduler.fromConfig({ ...SD });
    dpm.setTimesteps(8);
    expect(dpm.timesteps).toEqual([999, 874, 749, 624, 500, 375, 250, 125]);
    const euler = EulerDiscreteScheduler.fromConfig({ ...SD });
    euler.setTimesteps(3);
    expect(euler.timesteps).toEqual([999, 499.5, 0]);
    expect(euler.initNoiseSigma).toBeCloseTo(14.6146, 3);
    const leading = EulerDiscreteScheduler.fromConfig({ ...SD, timestep_spacing: 'leading' });
    leading.setTimesteps(3);
    expect(leading.initNoiseSigma).toBeCloseTo(Math.sqrt(leading.sigmas[0]! ** 2 + 1), 5);
  });

  it('builds linear and squaredcos_cap_v2 beta schedules', () => {
    const linear = DDPMScheduler.fromConfig({ beta_schedule: 'linear' });
    expect(linear.betas[0]).toBeCloseTo(1e-4, 9);
    expect(linear.betas[999]).toBeCloseTo(0.02, 9);
    const cos = DDPMScheduler.fromConfig({ beta_schedule: 'squaredcos_cap_v2' });
    const f = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    expect(cos.betas[500]).toBeCloseTo(1 - f(501 / 1000) / f(500 / 1000), 7);
    expect(cos.betas[999]).toBeCloseTo(0.999, 6);
  });

  it('add_noise, the v-prediction target and x̂0 invert each other (epsilon and v_prediction)', async () => {
    const s = DDPMScheduler.fromConfig({ ...SD });
    const x0 = tf.randomNormal([2, 4, 3, 3], 0, 1, 'float32', 1);
    const eps = tf.randomNormal([2, 4, 3, 3], 0, 1, 'float32', 2);
    const t = [10, 900];
    const xt = addNoise(s.alphasCumprod, x0, eps, t);
    const a = s.alphasCumprod[900]!;
    const got = await tf.slice(xt, [1, 0, 0, 0], [1, 1, 1, 1]).data();
    const [x0v, ev] = [(await x0.data())[36]!, (await eps.data())[36]!];
    expect(got[0]).toBeCloseTo(Math.sqrt(a) * x0v + Math.sqrt(1 - a) * ev, 5);
    const back = (await tf.abs(tf.sub(predictOriginal(s.alphasCumprod, 'epsilon', xt, eps, t), x0)).max().data())[0]!;
    const v = velocity(s.alphasCumprod, x0, eps, t);
    const fromV = (await tf.abs(tf.sub(predictOriginal(s.alphasCumprod, 'v_prediction', xt, v, t), x0)).max().data())[0]!;
    expect(back).toBeLessThan(1e-4);
    expect(fromV).toBeLessThan(1e-5);
    expect(() => addNoise(s.alphasCumprod, x0, eps, [1000, 1])).toThrow(/timestep 1000 is not an integer in \[0, 1000\)/);
  });

  it('v_prediction: a DDIM step on the v of the true noise lands on the forward process', async () => {
    const s = DDIMScheduler.fromConfig({ ...SD, prediction_type: 'v_prediction', set_alpha_to_one: false, clip_sample: false });
    s.setTimesteps(10);
    const x0 = tf.randomNormal([1, 4, 2, 2], 0, 1, 'float32', 3);
    const eps = tf.randomNormal([1, 4, 2, 2], 0, 1, 'float32', 4);
    const [t, prev] = [s.timesteps[3]!, s.timesteps[4]!];
    const xt = addNoise(s.alphasCumprod, x0, eps, [t]);
    const r = s.step(velocity(s.alphasCumprod, x0, eps, [t]), t, xt);
    const expected = addNoise(s.alphasCumprod, x0, eps, [prev]);
    expect((await tf.abs(tf.sub(r.prevSample, expected)).max().data())[0]).toBeLessThan(1e-4);
    expect((await tf.abs(tf.sub(r.predOriginalSample!, x0)).max().data())[0]).toBeLessThan(1e-4);
  });

  it('converts one scheduler config into another class as from_config does, and reads -Infinity', () => {
    const euler = convertScheduler({ _class_name: 'EulerAncestralDiscreteScheduler', ...SD, timestep_spacing: 'linspace' }, 'DPMSolverMultistepScheduler');
    expect(euler.className).toBe('DPMSolverMultistepScheduler');
    expect(euler.betas[999]).toBeCloseTo(0.012, 6);
    const file = path.join(tmp, 'scheduler_config.json');
    fs.writeFileSync(file, '{"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity, "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012}');
    expect(readSchedulerConfig(tmp).raw.lambda_min_clipped).toBe(-Infinity);
    expect(loadScheduler(tmp).className).toBe('DPMSolverMultistepScheduler');
    expect(loadScheduler(tmp, 'DDIMScheduler').className).toBe('DDIMScheduler');
  });

  it('names the file and field of a bad scheduler config', () => {
    const file = path.join(tmp, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ _class_name: 'DDIMScheduler', beta_schedule: 'sigmoid' }));
    expect(() => loadScheduler(file)).toThrow(/bad\.json: field "beta_schedule"/);
    fs.writeFileSync(file, JSON.stringify({ _class_name: 'LMSDiscreteScheduler' }));
    expect(() => loadScheduler(file)).toThrow(/bad\.json: scheduler "LMSDiscreteScheduler" is not supported \(known: DDIMScheduler/);
    expect(() => loadScheduler(path.join(tmp, 'none'))).toThrow(/none: not found/);
    const ea = DDIMScheduler.fromConfig({ ...SD });
    expect(() => ea.step(tf.zeros([1]), 1, tf.zeros([1]))).toThrow(/call setTimesteps before step/);
    ea.setTimesteps(5);
    expect(() => ea.step(tf.zeros([1]), 901, tf.zeros([1]), { eta: 1 })).toThrow(/stochastic; pass noise or a seeded random source/);
  });
});
