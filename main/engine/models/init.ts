// Seeded initial weights for models trained from scratch (the tiny editor's UNet and its frozen text
// encoder), drawn with the engine's own RNG (random.ts) so the same seed gives the same model on
// every backend and machine — the base editor's command must reproduce its first steps.
import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from '../random.js';
import { ParamStore } from './params.js';

export type InitRule = 'torch-default' | 'normal-0.02';

/**
 * Parameters for every (name, shape): norms' weights 1 and biases 0 (by name); the rest by `rule`:
 * - `torch-default`: what nn.Conv2d / nn.Linear do on construction (kaiming_uniform_ with a = √5,
 *   i.e. U(±1/√fan_in), biases U(±1/√fan_in)) — diffusers' UNet keeps these;
 * - `normal-0.02`: N(0, 0.02²) for matrices and embeddings, zero biases (CLIP's text tower, as the
 *   tiny Region-CLIP's init does).
 */
export function seededParams(shapes: ReadonlyMap<string, readonly number[]>, seed: number, rule: InitRule, opts: { trainable?: boolean; owner?: string } = {}): ParamStore {
  const rng = new SeededRandom(seed);
  const params = new ParamStore(opts.owner ?? 'seeded model');
  // GroupNorm / LayerNorm modules: norm1, norm, conv_norm_out, layer_norm1, final_layer_norm, …
  const isNorm = (name: string) => /norm[^.]*\.(weight|bias)$/.test(name);
  const fanIn = new Map<string, number>();
  for (const [name, shape] of shapes) if (name.endsWith('.weight') && shape.length >= 2) fanIn.set(name.slice(0, -'.weight'.length), shape.slice(1).reduce((a, b) => a * b, 1));
  try {
    for (const [name, shape] of shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(n);
      if (isNorm(name) && shape.length === 1) {
        if (name.endsWith('.weight')) values.fill(1);
      } else if (rule === 'torch-default') {
        const fan = shape.length >= 2 ? shape.slice(1).reduce((a, b) => a * b, 1) : (fanIn.get(name.replace(/\.bias$/, '')) ?? n);
        const bound = 1 / Math.sqrt(fan);
        for (let i = 0; i < n; i++) values[i] = (2 * rng.uniform() - 1) * bound;
      } else if (!name.endsWith('.bias')) {
        for (let i = 0; i < n; i++) values[i] = 0.02 * rng.normal();
      }
      params.set(name, tf.tensor(values, [...shape], 'float32'), opts.trainable ?? true);
    }
  } catch (err) {
    params.dispose();
    throw err;
  }
  return params;
}
