// Parity cases of the `schedulers` fixtures: a recorded sequence per case (sequence.safetensors) —
// each step's input sample, model output and the noise the stochastic step drew — replayed step by
// step through the class the manifest's scheduler_class names, comparing prev_sample,
// pred_original_sample, the scaled model input and the schedule (timesteps, betas, ᾱ, σ).
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../io/safetensors.js';
import type { RunnerEntry } from '../parity/runners.js';
import { readSchedulerConfig, schedulerFromConfig } from './index.js';

function host(inputs: Map<string, HostTensor>, name: string): HostTensor {
  const h = inputs.get(name);
  if (!h) throw new Error(`sequence.safetensors has no tensor "${name}"`);
  return h;
}

export const schedulerParityRunner: RunnerEntry = {
  tolerance: 1e-5,
  inputsOnly: ['sample', 'model_output', 'variance_noise', 'initial_sample'],
  async run(dir, inputs) {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'README.json'), 'utf8')) as { scheduler_class?: unknown; num_inference_steps?: unknown; config_file?: unknown };
    if (typeof manifest.scheduler_class !== 'string') throw new Error(`${dir}/README.json: no scheduler_class`);
    if (typeof manifest.num_inference_steps !== 'number') throw new Error(`${dir}/README.json: no num_inference_steps`);
    const { raw, file } = readSchedulerConfig(path.join(dir, path.basename(typeof manifest.config_file === 'string' ? manifest.config_file : 'scheduler_config.json')));
    const scheduler = schedulerFromConfig(raw, file, manifest.scheduler_class.replace(/^diffusers\./, ''));
    scheduler.setTimesteps(manifest.num_inference_steps);
    const sample = host(inputs, 'sample');
    const [steps, ...shape] = sample.shape as [number, ...number[]];
    const perStep = shape.reduce((a, b) => a * b, 1);
    const row = (h: HostTensor, i: number) => tf.tensor(h.values.subarray(i * perStep, (i + 1) * perStep), [1, ...shape]);
    const modelInputs: tf.Tensor[] = [];
    const prev: tf.Tensor[] = [];
    const x0: tf.Tensor[] = [];
    for (let i = 0; i < steps; i++) {
      const t = scheduler.timesteps[i]!;
      const [x, eps, noise] = [row(sample, i), row(host(inputs, 'model_output'), i), row(host(inputs, 'variance_noise'), i)];
      modelInputs.push(scheduler.scaleModelInput(x, t));
      const r = scheduler.step(eps, t, x, { noise });
      prev.push(r.prevSample);
      if (r.predOriginalSample) x0.push(r.predOriginalSample);
      tf.dispose([x, eps, noise]);
    }
    const stack = (ts: tf.Tensor[]) => {
      const s = tf.reshape(tf.concat(ts), [ts.length, ...shape]);
      tf.dispose(ts);
      return s;
    };
    const out = new Map<string, tf.Tensor>([
      ['model_input', stack(modelInputs)],
      ['prev_sample', stack(prev)],
      ['timesteps', tf.tensor1d(scheduler.timesteps, 'float32')],
      ['alphas_cumprod', tf.tensor1d(scheduler.alphasCumprod)],
      ['betas', tf.tensor1d(scheduler.betas)],
      ['init_noise_sigma', tf.tensor1d([scheduler.initNoiseSigma])],
    ]);
    if (x0.length) out.set('pred_original_sample', stack(x0));
    if (scheduler.sigmas) out.set('sigmas', tf.tensor1d(scheduler.sigmas));
    return out;
  },
};
