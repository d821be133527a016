// The parity case of the `vae` fixture (diffusers AutoencoderKL): moments, the posterior's mean,
// clamped log-variance and std, and decodes of the mean and of given latents (no scaling_factor).
import * as tf from '@tensorflow/tfjs';
import { inputTensor, type RunnerEntry } from '../../parity/runners.js';
import { fromPretrained } from '../registry.js';
import type { AutoencoderKL } from './model.js';

export const vaeParityRunner: RunnerEntry = {
  tolerance: 2e-4,
  async run(dir, inputs) {
    const model = await fromPretrained<AutoencoderKL>(dir);
    try {
      const image = inputTensor(inputs, 'image');
      const latents = inputTensor(inputs, 'latents');
      const posterior = model.encode(image);
      const out = tf.tidy(() => ({
        moments: model.moments(image),
        latent_mean: posterior.mode(),
        latent_logvar: tf.clone(posterior.logvar),
        latent_std: tf.clone(posterior.std),
        decoded_from_mean: model.decode(posterior.mean),
        decoded_from_latents: model.decode(latents),
      }));
      posterior.dispose();
      tf.dispose([image, latents]);
      return new Map(Object.entries(out));
    } finally {
      model.dispose();
    }
  },
};
