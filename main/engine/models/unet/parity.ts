// Parity cases of the `unet` fixtures (diffusers UNet2DConditionModel): time features, time
// embedding and the noise prediction for per-sample and broadcast (0-d) timesteps.
import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../../io/safetensors.js';
import type { RunnerEntry } from '../../parity/runners.js';
import { fromPretrained } from '../registry.js';
import type { UNet2DConditionModel } from './model.js';

function host(inputs: Map<string, HostTensor>, name: string): HostTensor {
  const h = inputs.get(name);
  if (!h) throw new Error(`inputs.safetensors has no tensor "${name}"`);
  return h;
}

export const unetParityRunner: RunnerEntry = {
  tolerance: 2e-4,
  async run(dir, inputs) {
    const model = await fromPretrained<UNet2DConditionModel>(dir);
    try {
      const s = host(inputs, 'sample');
      const e = host(inputs, 'encoder_hidden_states');
      const timesteps = Array.from(host(inputs, 'timestep').values);
      const scalar = host(inputs, 'timestep_scalar').values[0]!;
      const out = tf.tidy(() => {
        const sample = tf.tensor(s.values, s.shape);
        const states = tf.tensor(e.values, e.shape);
        const b = s.shape[0]!;
        return {
          time_proj: model.timeProj(timesteps, b),
          time_embedding: model.timeEmbedding(timesteps, b),
          noise_pred: model.forward(sample, timesteps, states),
          noise_pred_t_scalar: model.forward(sample, scalar, states),
        };
      });
      return new Map(Object.entries(out));
    } finally {
      model.dispose();
    }
  },
};
