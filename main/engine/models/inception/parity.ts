// The parity case of the `inception` fixtures (torchvision Inception3, F16-stored weights widened
// to float32 exactly as the reference did): pool3, logits, Mixed_7c (NCHW) and each stage's mean.
import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../../io/safetensors.js';
import type { RunnerEntry } from '../../parity/runners.js';
import { fromPretrained } from '../registry.js';
import type { InceptionV3 } from './model.js';

function input(inputs: Map<string, HostTensor>, name: string): tf.Tensor {
  const h = inputs.get(name);
  if (!h) throw new Error(`inputs.safetensors has no tensor "${name}"`);
  return tf.tensor(h.values, h.shape, h.dtype);
}

export const inceptionParityRunner: RunnerEntry = {
  tolerance: 1e-4,
  // fixtures/README.md: 2e-4 for Inception's logits, 5e-4 for its inner blocks (float32 round-off
  // grows through 11 blocks of a random ReLU/BN stack).
  tensorTolerance: (name) => (name === 'logits' ? 2e-4 : name === 'Mixed_7c' || name.startsWith('stage_mean.') ? 5e-4 : undefined),
  async run(dir, inputs) {
    const model = await fromPretrained<InceptionV3>(dir);
    try {
      const images = input(inputs, 'images');
      const out = tf.tidy(() => {
        const o = model.forward(images, { stageMeans: true });
        const named: Record<string, tf.Tensor> = { pool3: o.pool, logits: o.logits, Mixed_7c: tf.transpose(o.mixed7c, [0, 3, 1, 2]) };
        for (const [k, v] of Object.entries(o.stageMeans)) named[`stage_mean.${k}`] = v;
        return named;
      });
      images.dispose();
      return new Map(Object.entries(out));
    } finally {
      model.dispose();
    }
  },
};
