// What a checkpoint of the editor does: fixed validation samples edited through the editing pipeline
// (InstructPix2Pix with dual classifier-free guidance, the run's own UNet, frozen parts and seed), the
// edits handed to the caller for the training view's step slider, and — where the data has a ground
// truth (ShapesEdit) — the error of the edit inside the mask against the target, beside the error of
// leaving the source unedited: the edit helps where it beats the source.
import * as tf from '@tensorflow/tfjs';
import type { ClipTextModel } from '../../models/clip/text-model.js';
import type { UNet2DConditionModel } from '../../models/unet/index.js';
import type { LatentCodec } from '../../models/vae/index.js';
import { InstructPix2PixPipeline } from '../../pipelines/instruct-pix2pix.js';
import { convertScheduler, readSchedulerConfig, SCHEDULER_NAMES } from '../../schedulers/index.js';
import type { ModelTokenizer } from '../../tokenizers/index.js';
import type { RgbImage } from '../types.js';
import type { EditorTrainingConfig } from './config.js';
import { prepareSample, type EditorPair } from './data.js';

export interface EditedSample {
  id: string;
  instruction: string;
  source: RgbImage;
  target: RgbImage;
  edited: RgbImage;
  /** L1 (0..1 scale) inside the mask: the edit's and the unedited source's, against the target */
  l1In: number;
  l1InSource: number;
  l1Out: number;
}

export interface EditParts {
  unet: UNet2DConditionModel;
  codec: LatentCodec;
  textEncoder: ClipTextModel;
  tokenizer: ModelTokenizer;
  schedulerDir: string;
}

const toRgb = async (image: tf.Tensor, i: number): Promise<RgbImage> => {
  const [, , h, w] = image.shape as [number, number, number, number];
  const t = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.clipByValue(tf.transpose(tf.slice(image, [i, 0, 0, 0], [1, 3, h, w]), [0, 2, 3, 1]), 0, 1), 255)), 'int32'));
  const data = Uint8Array.from((await t.data()) as Int32Array);
  t.dispose();
  return { width: w, height: h, data };
};

/** Mean |a − b| over the masked (or unmasked) pixels' channels, on the 0..1 scale. */
function maskedL1(a: Uint8Array, b: Uint8Array, mask: Uint8Array, inside: boolean): number {
  let sum = 0;
  let n = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p]! >= 128 !== inside) continue;
    for (let c = 0; c < 3; c++) sum += Math.abs(a[p * 3 + c]! - b[p * 3 + c]!);
    n += 3;
  }
  return n ? sum / n / 255 : 0;
}

/** PSNR in dB from a mean squared error on the 0..1 scale (capped at 100 for an exact match). */
export function psnr(mse: number): number {
  return mse <= 1e-10 ? 100 : 10 * Math.log10(1 / mse);
}

function maskedMse(a: Uint8Array, b: Uint8Array, mask: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p]! < 128) continue;
    for (let c = 0; c < 3; c++) sum += ((a[p * 3 + c]! - b[p * 3 + c]!) / 255) ** 2;
    n += 3;
  }
  return n ? sum / n : 0;
}

/** Edits `pairs` (centre crop, no flip) with the current weights; chunks of `chunk` images per pipeline call. */
export async function editSamples(parts: EditParts, pairs: readonly EditorPair[], c: EditorTrainingConfig, chunk = 16): Promise<(EditedSample & { mseIn: number; mseInSource: number })[]> {
  const v = c.validation;
  const { raw, file } = readSchedulerConfig(parts.schedulerDir);
  const out: (EditedSample & { mseIn: number; mseInSource: number })[] = [];
  for (let start = 0; start < pairs.length; start += chunk) {
    const group = pairs.slice(start, start + chunk);
    const prepared = await Promise.all(group.map((p) => prepareSample(p, { cropY: 0.5, cropX: 0.5, flip: false }, c.resolution, 1)));
    const image = tf.tidy(() => tf.div(tf.add(tf.concat(prepared.map((s) => s.source)), 1), 2));
    const target = tf.tidy(() => tf.div(tf.add(tf.concat(prepared.map((s) => s.target)), 1), 2));
    for (const s of prepared) tf.dispose([s.source, s.target]);
    // A fresh scheduler per call: the pipeline disposes its scheduler's state after an edit.
    const scheduler = convertScheduler(raw, SCHEDULER_NAMES[v.scheduler], file);
    const pipeline = new InstructPix2PixPipeline({ unet: parts.unet, vae: parts.codec, textEncoder: parts.textEncoder, tokenizer: parts.tokenizer, scheduler }, 'validation edit');
    let result: Awaited<ReturnType<InstructPix2PixPipeline['edit']>> | null = null;
    try {
      result = await pipeline.edit({ image, prompt: group.map((p) => p.instruction), steps: v.steps, guidanceScale: v.guidance_scale, imageGuidanceScale: v.image_guidance_scale, seed: v.seed + start });
      for (let i = 0; i < group.length; i++) {
        const [src, tgt, edited] = await Promise.all([toRgb(image, i), toRgb(target, i), toRgb(result.image, i)]);
        const mask = prepared[i]!.mask;
        out.push({
          id: group[i]!.id,
          instruction: group[i]!.instruction,
          source: src,
          target: tgt,
          edited,
          l1In: maskedL1(edited.data, tgt.data, mask, true),
          l1InSource: maskedL1(src.data, tgt.data, mask, true),
          l1Out: maskedL1(edited.data, tgt.data, mask, false),
          mseIn: maskedMse(edited.data, tgt.data, mask),
          mseInSource: maskedMse(src.data, tgt.data, mask),
        });
      }
    } finally {
      tf.dispose([image, target]);
      if (result) tf.dispose([result.image, result.latents]);
    }
  }
  return out;
}

/** Batch means of the inside-mask measures (val_* metric keys). */
export function editMetrics(edits: readonly (EditedSample & { mseIn: number; mseInSource: number })[]): Record<string, number> {
  const n = edits.length;
  if (!n) return {};
  const mean = (f: (e: (typeof edits)[number]) => number) => edits.reduce((s, e) => s + f(e), 0) / n;
  return {
    val_l1_in: mean((e) => e.l1In),
    val_l1_in_source: mean((e) => e.l1InSource),
    val_l1_out: mean((e) => e.l1Out),
    val_psnr_in: mean((e) => psnr(e.mseIn)),
    val_psnr_in_source: mean((e) => psnr(e.mseInSource)),
    val_beats_source: mean((e) => (e.l1In < e.l1InSource ? 1 : 0)),
    val_samples: n,
  };
}
