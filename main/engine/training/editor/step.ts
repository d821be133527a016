// One Region-in-Context training step of the editor (Sec. 3.2, Eq. 5–10), as composable pieces the
// trainer, the parity runner (`ric_step` fixtures) and the benchmark share:
//   z_src = E(x_src).mode()            (UNSCALED: InstructPix2Pix's image conditioning)
//   z_0   = E(x_tgt) · s                (scaled target latents; the trainer samples the posterior)
//   z_t   = √ᾱ_t z_0 + √(1−ᾱ_t) ε,  ε̂ = UNet(cat[z_t, z_src], t, c_T)
//   L_denoise = ‖ε̂ − ε‖² (per sample mean)
//   x̂0 = (z_t − √(1−ᾱ_t) ε̂) / √ᾱ_t                      (Eq. 5, each sample with its own t)
//   Î  = D(x̂0 / s)  in [-1, 1], NOT clamped
//   f_r = F(CLIP(crop(Î, box)), CLIP(Î)),  L_region = 1 − cos(f_r, CLIP_text(t_r))   (Eq. 6–8)
//   L_global = 1 − cos(BLIP_img(Î), BLIP_text(t_f))                                  (Eq. 9)
//   L = λ_d L_denoise + λ_r L_region + λ_g L_global                                   (Eq. 10)
// The towers and the VAE are frozen (their variables are not trainable, so no gradient is kept for
// them) but every op on the path from x̂0 to the losses is differentiable: gradients reach the UNet.
import * as tf from '@tensorflow/tfjs';
import { cropResizeBilinear, type InclusiveBox } from '../../layers/index.js';
import type { BlipForImageTextRetrieval } from '../../models/blip/index.js';
import type { RegionClip } from '../../models/fusion/region-clip.js';
import type { UNet2DConditionModel } from '../../models/unet/index.js';
import type { LatentCodec } from '../../models/vae/index.js';
import type { Normalization } from '../../preprocess/index.js';
import { addNoise, predictOriginal, velocity } from '../../schedulers/index.js';
import { pairCosine } from '../losses.js';

export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';

/** The frozen towers of the region and global losses (null when a run leaves the term out). */
export interface EditorTowers {
  regionClip: RegionClip | null;
  blip: BlipForImageTextRetrieval | null;
  /** image mean/std of each tower's processor (OpenAI CLIP's for both in the paper's setting) */
  clipNorm: Normalization;
  blipNorm: Normalization;
}

export interface EditorSchedule {
  alphasCumprod: Float32Array;
  predictionType: PredictionType;
}

/** InstructPix2Pix's latents: the source's UNSCALED posterior mode and the target's scaled latents. */
export function encodePair(codec: LatentCodec, source: tf.Tensor, target: tf.Tensor, targetNoise: tf.Tensor | 'mode'): { sourceLatents: tf.Tensor; targetLatents: tf.Tensor } {
  return tf.tidy(() => {
    const ps = codec.encode(source);
    const pt = codec.encode(target);
    try {
      const sourceLatents = ps.mode();
      const z = targetNoise === 'mode' ? pt.mode() : pt.sample(targetNoise);
      return { sourceLatents, targetLatents: tf.mul(z, codec.scalingFactor) };
    } finally {
      ps.dispose();
      pt.dispose();
    }
  });
}

/** ε̂ = UNet(cat[z_t, z_src·keep], t, c_T); `imageKeep[i]` = 0 zeroes sample i's image latents (conditioning dropout). */
export function predictNoise(unet: UNet2DConditionModel, noisy: tf.Tensor, sourceLatents: tf.Tensor, timesteps: readonly number[], textStates: tf.Tensor, imageKeep?: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const b = noisy.shape[0]!;
    const image = imageKeep && imageKeep.some((k) => k !== 1) ? tf.mul(sourceLatents, tf.tensor4d(Float32Array.from(imageKeep), [b, 1, 1, 1])) : sourceLatents;
    return unet.forward(tf.concat([noisy, image], 1), timesteps, textStates);
  });
}

/** Î = D(x̂0 / s) in [-1, 1] (not clamped: the losses see what the decoder gives). */
export function decodePrediction(codec: LatentCodec, x0: tf.Tensor): tf.Tensor {
  return tf.tidy(() => codec.decode(codec.scalingFactor === 1 ? x0 : tf.div(x0, codec.scalingFactor)));
}

/** A tower's input: (Î + 1)/2, each image cut to its box (null: whole image), resized bilinearly (half-pixel, no antialias), then (x − mean)/std. */
export function towerPixels(image: tf.Tensor, boxes: readonly (InclusiveBox | null)[], size: number, norm: Normalization): tf.Tensor {
  return tf.tidy(() => {
    const [, , h, w] = image.shape as [number, number, number, number];
    const unit = tf.div(tf.add(image, 1), 2);
    const resized = cropResizeBilinear(unit, boxes.map((b) => b ?? { y0: 0, x0: 0, y1: h - 1, x1: w - 1 }), [size, size]);
    return tf.div(tf.sub(resized, tf.tensor4d([...norm.mean], [1, 3, 1, 1])), tf.tensor4d([...norm.std], [1, 3, 1, 1]));
  });
}

export interface RegionTerms {
  /** 1 − cos(f_r, t_r) per sample (Eq. 8); with `fusion: false` 1 − cos(CLIP_img(crop), t_r) (the no_fusion ablation) */
  each: tf.Tensor1D;
  cropPixels: tf.Tensor;
  fullPixels: tf.Tensor | null;
  /** f_r, or CLIP's image embedding of the crop without fusion */
  regionEmbedding: tf.Tensor2D;
  gate: tf.Tensor2D | null;
}

/** The region term of Eq. 6–8 from the decoded prediction; `regionText` = CLIP's text features of t_r [B, P]. */
export function regionTerms(towers: EditorTowers, image: tf.Tensor, boxes: readonly InclusiveBox[], regionText: tf.Tensor2D, opts: { fusion: boolean }): RegionTerms {
  const rc = towers.regionClip;
  if (!rc) throw new Error('the region loss needs Region-CLIP (a Region-CLIP checkpoint)');
  const out = tf.tidy(() => {
    const size = rc.clip.config.vision_config.image_size;
    const cropPixels = towerPixels(image, boxes, size, towers.clipNorm);
    if (!opts.fusion) {
      const regionEmbedding = rc.clip.imageFeatures(cropPixels) as tf.Tensor2D;
      return { each: tf.sub(1, pairCosine(regionEmbedding, regionText)) as tf.Tensor1D, cropPixels, regionEmbedding };
    }
    const fullPixels = towerPixels(image, boxes.map(() => null), size, towers.clipNorm);
    // Both token sets keep their gradient: CLIP is frozen, its input is not (never constantInputs here).
    const f = rc.fusion.forward(rc.visionTokens(cropPixels), rc.visionTokens(fullPixels));
    return { each: tf.sub(1, pairCosine(f.regionEmbedding, regionText)) as tf.Tensor1D, cropPixels, fullPixels, regionEmbedding: f.regionEmbedding, gate: f.gate };
  });
  return { each: out.each, cropPixels: out.cropPixels, regionEmbedding: out.regionEmbedding, fullPixels: 'fullPixels' in out ? (out.fullPixels ?? null) : null, gate: 'gate' in out ? (out.gate ?? null) : null };
}

export interface GlobalTerms {
  /** 1 − cos(BLIP_img(Î), t_f) per sample (Eq. 9) */
  each: tf.Tensor1D;
  pixels: tf.Tensor;
  imageFeat: tf.Tensor2D;
}

/** The global term of Eq. 9; `sceneText` = BLIP's normalised ITC text features of t_f [B, D]. */
export function globalTerms(towers: EditorTowers, image: tf.Tensor, sceneText: tf.Tensor2D): GlobalTerms {
  const blip = towers.blip;
  if (!blip) throw new Error('the global loss needs BLIP (a BLIP checkpoint or folder)');
  return tf.tidy(() => {
    const pixels = towerPixels(image, Array.from({ length: image.shape[0]! }, () => null), blip.config.vision_config.image_size, towers.blipNorm);
    const imageFeat = blip.imageFeatures(blip.vision(pixels).imageEmbeds);
    return { each: tf.sub(1, pairCosine(imageFeat, sceneText)) as tf.Tensor1D, pixels, imageFeat };
  });
}

/** One micro-batch of the step, as tensors and host numbers (the trainer builds it; the parity runner reads it from a fixture). */
export interface StepBatch {
  sourceLatents: tf.Tensor;
  targetLatents: tf.Tensor;
  noise: tf.Tensor;
  timesteps: number[];
  /** the instruction's text-encoder states [B, L, D] (the empty prompt's where the text was dropped) */
  textStates: tf.Tensor;
  /** 1 keeps sample i's image latents, 0 zeroes them (conditioning dropout); default all 1 */
  imageKeep?: number[];
  /** Eq. 6's tight boxes (null: the sample's mask is empty — no region term for it) */
  boxes: (InclusiveBox | null)[];
  regionText: tf.Tensor2D | null;
  sceneText: tf.Tensor2D | null;
  /** per-sample weight of the region/global terms (the optional timestep gate; 1 = on) */
  gate: number[];
}

export interface LossWeights {
  denoise: number;
  region: number;
  global: number;
  /** f_r through the fusion module (false: the no_fusion ablation) */
  fusion: boolean;
  /** the divisor of the per-sample sum: the whole batch's size, so micro-batches' gradients sum to the batch mean */
  normalizer: number;
}

export interface StepLosses {
  /** Σ_i [λ_d L_d,i + λ_r g_i L_r,i + λ_g g_i L_g,i] / normalizer (what is differentiated) */
  total: tf.Scalar;
  denoiseEach: tf.Tensor1D;
  regionEach: tf.Tensor1D | null;
  globalEach: tf.Tensor1D | null;
}

/** Intermediates of a step by the fixture's names (the parity runner keeps them; the trainer passes none). */
export type StepProbe = (name: string, t: tf.Tensor) => void;

/** x̂0 → Î → the region and global terms per sample (Eq. 5–9 after the UNet); null where a λ is 0. */
export function termsFromPrediction(
  codec: LatentCodec,
  towers: EditorTowers,
  batch: Pick<StepBatch, 'boxes' | 'regionText' | 'sceneText'>,
  w: Pick<LossWeights, 'region' | 'global' | 'fusion'>,
  x0: tf.Tensor,
  probe?: StepProbe,
): { regionEach: tf.Tensor1D | null; globalEach: tf.Tensor1D | null } {
  const image = decodePrediction(codec, x0);
  probe?.('image_hat', image);
  let regionEach: tf.Tensor1D | null = null;
  let globalEach: tf.Tensor1D | null = null;
  if (w.region > 0) {
    if (!batch.regionText) throw new Error("editor step: the region term needs the region descriptions' text features");
    // Samples without a box (empty mask) get weight 0 in the total; a stand-in box keeps the batch rectangular.
    const boxes = batch.boxes.map((bx) => bx ?? { y0: 0, x0: 0, y1: image.shape[2]! - 1, x1: image.shape[3]! - 1 });
    const r = regionTerms(towers, image, boxes, batch.regionText, { fusion: w.fusion });
    regionEach = r.each;
    if (probe) {
      probe('crop_pixel_values', r.cropPixels);
      if (r.fullPixels) probe('full_pixel_values', r.fullPixels);
      probe(w.fusion ? 'f_r' : 'crop_image_embeds', r.regionEmbedding);
      if (r.gate) probe('gate', r.gate);
    }
  }
  if (w.global > 0) {
    if (!batch.sceneText) throw new Error("editor step: the global term needs the scene descriptions' text features");
    const g = globalTerms(towers, image, batch.sceneText);
    globalEach = g.each;
    if (probe) {
      probe('blip_pixel_values', g.pixels);
      probe('blip_image_feat', g.imageFeat);
    }
  }
  return { regionEach, globalEach };
}

/** What the UNet's output is regressed on: ε itself, or the velocity of (z0, ε) at each sample's t. */
function denoisingTarget(schedule: EditorSchedule, batch: StepBatch): tf.Tensor {
  if (schedule.predictionType === 'epsilon') return batch.noise;
  if (schedule.predictionType === 'v_prediction') return velocity(schedule.alphasCumprod, batch.targetLatents, batch.noise, batch.timesteps);
  throw new Error(`editor training: prediction_type ${schedule.predictionType} is not supported (epsilon or v_prediction)`);
}

/**
 * Eq. 10 from the UNet's output: the denoising term against ε, then x̂0 (Eq. 5, each sample with its
 * own ᾱ_t) through the frozen decoder and towers. Separate from the UNet call so the parity runner
 * can take d loss / d ε̂ exactly as the reference does.
 */
export function lossFromPrediction(codec: LatentCodec, towers: EditorTowers, schedule: EditorSchedule, batch: StepBatch, w: LossWeights, noisy: tf.Tensor, eps: tf.Tensor, probe?: StepProbe): StepLosses {
  // diffusers' training scripts: the target is ε (epsilon, InstructPix2Pix) or the velocity
  // √ᾱ ε − √(1−ᾱ) z0 (v_prediction: the tiny pixel-space editor, where ε-prediction's x̂0 at high t
  // is amplified by 1/√ᾱ ≈ 150 and a young model's samples stay noise). `eps` is the model's output.
  const target = denoisingTarget(schedule, batch);
  const denoiseEach = tf.mean(tf.square(tf.sub(eps, target)), [1, 2, 3]) as tf.Tensor1D;
  let total = tf.mul(tf.sum(denoiseEach), w.denoise / w.normalizer);
  let regionEach: tf.Tensor1D | null = null;
  let globalEach: tf.Tensor1D | null = null;
  if (batch.gate.some((g) => g > 0) && (w.region > 0 || w.global > 0)) {
    const x0 = predictOriginal(schedule.alphasCumprod, schedule.predictionType, noisy, eps, batch.timesteps);
    probe?.('x0_hat', x0);
    ({ regionEach, globalEach } = termsFromPrediction(codec, towers, batch, w, x0, probe));
    if (regionEach) {
      const weights = tf.tensor1d(batch.gate.map((g, i) => (batch.boxes[i] ? g : 0)));
      total = tf.add(total, tf.mul(tf.sum(tf.mul(regionEach, weights)), w.region / w.normalizer));
    }
    if (globalEach) total = tf.add(total, tf.mul(tf.sum(tf.mul(globalEach, tf.tensor1d(batch.gate))), w.global / w.normalizer));
  }
  return { total: total as tf.Scalar, denoiseEach, regionEach, globalEach };
}

/**
 * The loss of Eq. 10 for one micro-batch. Call it inside tf.variableGrads over the UNet's variables;
 * the per-sample tensors are kept (tf.keep) for the metrics and must be disposed by the caller.
 */
export function editorLoss(unet: UNet2DConditionModel, codec: LatentCodec, towers: EditorTowers, schedule: EditorSchedule, batch: StepBatch, w: LossWeights, probe?: StepProbe): StepLosses {
  const b = batch.timesteps.length;
  const noisy = addNoise(schedule.alphasCumprod, batch.targetLatents, batch.noise, batch.timesteps);
  const eps = predictNoise(unet, noisy, batch.sourceLatents, batch.timesteps, batch.textStates, batch.imageKeep);
  probe?.('noisy_latents', noisy);
  probe?.('noise_pred', eps);
  const l = lossFromPrediction(codec, towers, schedule, batch, w, noisy, eps, probe);
  if (l.denoiseEach.shape[0] !== b) throw new Error(`editor step: ${l.denoiseEach.shape[0]} losses for ${b} samples`);
  for (const t of [l.denoiseEach, l.regionEach, l.globalEach]) if (t) tf.keep(t);
  return l;
}
