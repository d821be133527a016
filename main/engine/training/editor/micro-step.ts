// One micro-batch of the editor's training step — the tensors built, Eq. 10 differentiated with
// respect to the UNet, its gradients handed to `addGradients` (the host sum on one thread, a worker's
// shared-memory region with tensor workers) and the per-sample terms read for the metrics. The
// single-thread trainer and every tensor worker run this same function, so their numbers are the same
// up to the order in which float32 gradients are summed.
import * as tf from '@tensorflow/tfjs';
import type { NamedGrads } from '../optim.js';
import { buildBatch, disposeBatch } from './batch.js';
import type { EditorTrainingConfig } from './config.js';
import type { EditorPair, StepDraws } from './data.js';
import type { EditorModels } from './models.js';
import { editorLoss, type LossWeights, type StepLosses } from './step.js';
import type { TextFeatureCache } from './texts.js';

/** What a step's micro-batches add up for the metrics. */
export interface StepValues {
  /** Σ of the differentiated totals (the batch's loss once every micro-batch is in) */
  total: number;
  denoise: number[];
  /** L_region of the samples that have a box and pass the timestep gate */
  region: number[];
  /** L_global of the samples that pass the timestep gate */
  global: number[];
  /** samples whose mask is empty (no region term) */
  boxless: number;
}

export const emptyStepValues = (): StepValues => ({ total: 0, denoise: [], region: [], global: [], boxless: 0 });

/** Samples m0..m0+n of `draws`: the loss, its UNet gradients into `addGradients` (which disposes them), the values into `into`. */
export async function microBatchStep(
  models: EditorModels,
  texts: TextFeatureCache,
  pairs: readonly EditorPair[],
  draws: StepDraws,
  range: { m0: number; n: number },
  c: EditorTrainingConfig,
  latentShape: readonly [number, number, number],
  weights: LossWeights,
  variables: tf.Variable[],
  addGradients: (g: NamedGrads) => Promise<void>,
  into: StepValues,
): Promise<void> {
  const batch = await buildBatch(models, texts, pairs, draws, range.m0, range.n, c, latentShape);
  into.boxless += batch.boxes.filter((b) => !b).length;
  let kept: StepLosses | null = null;
  try {
    const { value, grads } = tf.variableGrads(() => {
      kept = editorLoss(models.unet, models.codec, models.towers, models.schedule, batch, weights);
      return kept.total;
    }, variables);
    into.total += (await value.data())[0]!;
    value.dispose();
    await addGradients(grads);
    const k = kept as StepLosses | null;
    if (k) {
      into.denoise.push(...((await k.denoiseEach.data()) as Float32Array));
      if (k.regionEach) (await k.regionEach.data()).forEach((x, i) => batch.boxes[i] && batch.gate[i] && into.region.push(x));
      if (k.globalEach) (await k.globalEach.data()).forEach((x, i) => batch.gate[i] && into.global.push(x));
    }
  } finally {
    const k = kept as StepLosses | null;
    disposeBatch(batch);
    if (k) tf.dispose([k.denoiseEach, k.regionEach, k.globalEach].filter((t): t is tf.Tensor1D => t !== null));
  }
}
