// The parity case of the `lpips` fixtures (lpips.LPIPS v0.1, random AlexNet trunk, real lin
// weights): the distance, each layer's term, the scaled input and every trunk output (NCHW).
import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../../io/safetensors.js';
import type { RunnerEntry } from '../../parity/runners.js';
import { fromPretrained } from '../registry.js';
import type { LpipsModel } from './model.js';

function input(inputs: Map<string, HostTensor>, name: string): tf.Tensor {
  const h = inputs.get(name);
  if (!h) throw new Error(`inputs.safetensors has no tensor "${name}"`);
  return tf.tensor(h.values, h.shape, h.dtype);
}

export const lpipsParityRunner: RunnerEntry = {
  tolerance: 1e-4,
  async run(dir, inputs) {
    const model = await fromPretrained<LpipsModel>(dir);
    try {
      const in0 = input(inputs, 'in0');
      const in1 = input(inputs, 'in1');
      const out = tf.tidy(() => {
        const b = in0.shape[0]!;
        const o = model.forward(in0, in1);
        const col = (t: tf.Tensor) => tf.reshape(t, [b, 1, 1, 1]);
        const named: Record<string, tf.Tensor> = { distance: col(o.distance) };
        o.perLayer.forEach((t, k) => (named[`per_layer.${k}`] = col(t)));
        const scaled = model.scale(in0);
        named.scaled_in0 = tf.transpose(scaled, [0, 3, 1, 2]);
        model.features(scaled).forEach((f, k) => (named[`feat0.relu${k + 1}`] = tf.transpose(f, [0, 3, 1, 2])));
        model.features(model.scale(in1)).forEach((f, k) => (named[`feat1.relu${k + 1}`] = tf.transpose(f, [0, 3, 1, 2])));
        return named;
      });
      tf.dispose([in0, in1]);
      return new Map(Object.entries(out));
    } finally {
      model.dispose();
    }
  },
};
