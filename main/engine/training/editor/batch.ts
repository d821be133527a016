// A micro-batch of the editor's step as tensors: the drawn samples' images at training resolution
// (crop, flip), their latents (source unscaled, target sampled from the posterior and scaled), ε, the
// instruction states (the empty prompt's where the text is dropped), the image-dropout keep flags, the
// tight boxes of Eq. 6 and the frozen text features of t_r and t_f. The trainer and the fixed
// validation loss build it the same way.
import * as tf from '@tensorflow/tfjs';
import type { EditorTrainingConfig } from './config.js';
import { prepareSample, type EditorPair, type StepDraws } from './data.js';
import type { EditorModels } from './models.js';
import { encodePair, type StepBatch } from './step.js';
import type { TextFeatureCache } from './texts.js';

/** Samples m0..m0+n of a step's draws (pairs indexed by draw.pair). Dispose with disposeBatch. */
export async function buildBatch(models: EditorModels, texts: TextFeatureCache, pairs: readonly EditorPair[], draws: StepDraws, m0: number, n: number, c: EditorTrainingConfig, latentShape: readonly [number, number, number]): Promise<StepBatch> {
  const ds = draws.samples.slice(m0, m0 + n);
  const per = latentShape[0] * latentShape[1] * latentShape[2];
  const prepared = await Promise.all(ds.map((d) => prepareSample(pairs[d.pair]!, d, c.resolution, c.random_crop_scale)));
  const inputs = await texts.batchInputs(ds.map((d) => pairs[d.pair]!), ds);
  const latents = tf.tidy(() => {
    const source = tf.concat(prepared.map((p) => p.source));
    const target = tf.concat(prepared.map((p) => p.target));
    const postNoise = tf.tensor(draws.posteriorNoise.subarray(m0 * per, (m0 + n) * per), [n, ...latentShape]);
    return encodePair(models.codec, source, target, postNoise);
  });
  for (const p of prepared) tf.dispose([p.source, p.target]);
  return {
    sourceLatents: latents.sourceLatents,
    targetLatents: latents.targetLatents,
    noise: tf.tensor(draws.noise.subarray(m0 * per, (m0 + n) * per), [n, ...latentShape]),
    timesteps: ds.map((d) => d.timestep),
    textStates: inputs.textStates,
    imageKeep: ds.map((d) => (d.dropImage ? 0 : 1)),
    boxes: prepared.map((p) => p.box),
    regionText: inputs.regionText,
    sceneText: inputs.sceneText,
    gate: ds.map((d) => (c.timestep_gate === null || d.timestep < c.timestep_gate ? 1 : 0)),
  };
}

export function disposeBatch(b: StepBatch): void {
  tf.dispose([b.sourceLatents, b.targetLatents, b.noise, b.textStates, ...(b.regionText ? [b.regionText] : []), ...(b.sceneText ? [b.sceneText] : [])]);
}
