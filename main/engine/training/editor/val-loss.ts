// Eq. 10's terms on fixed validation samples — the same pairs, timesteps and ε at every checkpoint,
// no conditioning dropout, centre crop — so the monitor's val_loss_* curves compare checkpoints with
// one another (the training metrics are per-step draws over all of t, whose spread hides the trend).
import * as tf from '@tensorflow/tfjs';
import type { MetricValues } from '../types.js';
import { buildBatch, disposeBatch } from './batch.js';
import { activeTerms, type EditorTrainingConfig } from './config.js';
import { drawStep, type EditorPair } from './data.js';
import type { EditorModels } from './models.js';
import { editorLoss } from './step.js';
import type { TextFeatureCache } from './texts.js';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A fixed seed apart from the training draws' (data.ts stepRandom mixes seed and step). */
const VALIDATION_DRAW_SEED = 0x5eed;

export async function validationLosses(models: EditorModels, texts: TextFeatureCache, val: readonly EditorPair[], c: EditorTrainingConfig, latentShape: [number, number, number]): Promise<MetricValues> {
  const n = Math.min(c.validation.loss_samples, val.length);
  if (n === 0) return {};
  const terms = activeTerms(c);
  const draws = drawStep({ seed: VALIDATION_DRAW_SEED + c.validation.seed, step: 0, batch: n, pairs: val.length, latentShape, numTrainTimesteps: models.schedule.numTrainTimesteps, dropout: 0, crop: false, flip: false });
  const micro = c.micro_batch_size ?? c.batch_size;
  const got = { total: 0, denoise: [] as number[], region: [] as number[], global: [] as number[] };
  for (let m0 = 0; m0 < n; m0 += micro) {
    const k = Math.min(micro, n - m0);
    const batch = await buildBatch(models, texts, val, draws, m0, k, c, latentShape);
    try {
      const [total, d, r, g] = tf.tidy(() => {
        const l = editorLoss(models.unet, models.codec, models.towers, models.schedule, batch, { ...terms, normalizer: n });
        return [l.total, l.denoiseEach, l.regionEach ?? tf.zeros([0]), l.globalEach ?? tf.zeros([0])];
      });
      got.total += (await total!.data())[0]!;
      got.denoise.push(...((await d!.data()) as Float32Array));
      (await r!.data()).forEach((x, i) => batch.boxes[i] && batch.gate[i] && got.region.push(x));
      (await g!.data()).forEach((x, i) => batch.gate[i] && got.global.push(x));
      tf.dispose([total!, d!, r!, g!]);
    } finally {
      disposeBatch(batch);
    }
  }
  const out: MetricValues = { val_loss: got.total, val_loss_denoise: mean(got.denoise) };
  if (got.region.length) out['val_loss_region'] = mean(got.region);
  if (got.global.length) out['val_loss_global'] = mean(got.global);
  return out;
}
