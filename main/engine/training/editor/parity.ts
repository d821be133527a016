// The `ric_step` parity family: one whole Region-in-Context training step (Eq. 5–10) on a case
// folder's tiny models (unet/, vae/, clip/ + fusion/, blip/, scheduler/), through the same functions
// the trainer runs (step.ts), compared with the PyTorch reference: every intermediate, the three loss
// terms and the total within 1e-4; d L_region / d x̂0, d L_global / d x̂0, d L / d ε̂ and the UNet's
// parameter gradients within 2e-4 of each tensor's largest magnitude (the case README's tolerances:
// tensors 1e-4 absolute or relative to their largest magnitude).
// VAE, CLIP, fusion and BLIP load frozen: a gradient that reaches x̂0 or the UNet through them proves
// the frozen path carries it.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BlipForImageTextRetrieval } from '../../models/blip/index.js';
import { RegionClip } from '../../models/fusion/region-clip.js';
import { fromPretrained, type PretrainedModel } from '../../models/registry.js';
import type { UNet2DConditionModel } from '../../models/unet/index.js';
import type { AutoencoderKL } from '../../models/vae/index.js';
import { inputTensor, type CaseInputs, type RunnerEntry } from '../../parity/runners.js';
import { loadScheduler } from '../../schedulers/index.js';
import type { InclusiveBox } from '../../layers/index.js';
import { tightBox } from './data.js';
import { editorLoss, encodePair, lossFromPrediction, regionTerms, termsFromPrediction, type EditorSchedule, type EditorTowers, type LossWeights, type StepBatch, type StepLosses } from './step.js';
import { towerNormalization } from './models.js';

const GRADIENT = /^grad/;

function hostInput(inputs: CaseInputs, name: string): { values: Float32Array | Int32Array; shape: number[] } {
  const h = inputs.get(name);
  if (!h) throw new Error(`inputs.safetensors has no tensor "${name}"`);
  return h;
}

/** Eq. 6's tight box of each sample's mask ≥ 0.5 (masks [B, 1, H, W] of 0..1). */
function maskBoxes(inputs: CaseInputs) {
  const m = hostInput(inputs, 'mask');
  const [b, , h, w] = m.shape as [number, number, number, number];
  return Array.from({ length: b }, (_, i) => {
    const box = tightBox(m.values.subarray(i * h * w, (i + 1) * h * w), h, w, 0.5);
    if (!box) throw new Error(`inputs.safetensors: mask of sample ${i} is empty (no box for Eq. 6)`);
    return box;
  });
}

/** A `ric_step` case's models and batch, as the parity runner (and the no_fusion gradient check) take the step. */
export interface RicStepCase {
  unet: UNet2DConditionModel;
  vae: AutoencoderKL;
  towers: EditorTowers;
  schedule: EditorSchedule;
  batch: StepBatch;
  /** the case's λs, with the fusion module on */
  weights: LossWeights;
  /** frees the models and the batch's tensors, except those in `keep` */
  dispose(keep?: ReadonlySet<tf.Tensor>): void;
}

/** Loads a case folder's models (UNet trainable; VAE, CLIP + fusion, BLIP frozen) and builds its batch from inputs.safetensors. */
export async function loadRicStepCase(dir: string, inputs: CaseInputs): Promise<RicStepCase> {
  const owned: { dispose(): void }[] = [];
  const fed: tf.Tensor[] = [];
  const dispose = (keep?: ReadonlySet<tf.Tensor>) => {
    tf.dispose(fed.filter((t) => !keep?.has(t)));
    for (const m of owned) m.dispose();
  };
  try {
    const unet = await fromPretrained<UNet2DConditionModel>(path.join(dir, 'unet'), { trainable: true });
    owned.push(unet);
    const vae = await fromPretrained<AutoencoderKL>(path.join(dir, 'vae'), { trainable: false });
    owned.push(vae);
    const regionClip = await RegionClip.load(dir, { trainable: false });
    owned.push(regionClip);
    const blip = await fromPretrained<BlipForImageTextRetrieval & PretrainedModel>(path.join(dir, 'blip'), { trainable: false });
    owned.push(blip);
    const ddpm = loadScheduler(path.join(dir, 'scheduler'), 'DDPMScheduler');
    const schedule: EditorSchedule = { alphasCumprod: ddpm.alphasCumprod, predictionType: 'epsilon' };
    const towers: EditorTowers = { regionClip, blip, clipNorm: towerNormalization(path.join(dir, 'clip')), blipNorm: towerNormalization(path.join(dir, 'blip')) };

    const input = (n: string) => {
      const t = inputTensor(inputs, n);
      fed.push(t);
      return t;
    };
    const lambdas = Array.from(hostInput(inputs, 'lambdas').values);
    const timesteps = Array.from(hostInput(inputs, 'timesteps').values);
    const boxes = maskBoxes(inputs);
    const { sourceLatents, targetLatents } = encodePair(vae, input('source'), input('target'), 'mode');
    fed.push(sourceLatents, targetLatents);
    const [rIds, rMask, sIds, sMask] = ['region_input_ids', 'region_attention_mask', 'scene_input_ids', 'scene_attention_mask'].map(input) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const regionText = tf.tidy(() => regionClip.textEmbedding(rIds, rMask));
    const sceneText = tf.tidy(() => blip.textFeatures(sIds, sMask));
    fed.push(regionText, sceneText);
    const batch: StepBatch = {
      sourceLatents,
      targetLatents,
      noise: input('noise'),
      timesteps,
      textStates: input('encoder_hidden_states'),
      boxes,
      regionText,
      sceneText,
      gate: timesteps.map(() => 1),
    };
    const weights: LossWeights = { denoise: lambdas[0]!, region: lambdas[1]!, global: lambdas[2]!, fusion: true, normalizer: timesteps.length };
    return { unet, vae, towers, schedule, batch, weights, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}

export const ricStepParityRunner: RunnerEntry = {
  tolerance: 1e-4,
  tensorTolerance: (name) => (GRADIENT.test(name) ? 2e-4 : undefined),
  // README.json: "1e-4 absolute or relative for tensors and losses; gradients 2e-4 relative to each
  // tensor's max magnitude". Relative is to the tensor's largest magnitude: x̂0 = (z_t − √(1−ᾱ)ε̂)/√ᾱ
  // scales the UNet's float32 rounding by 1/√ᾱ_t, and the UNet family's own fixtures allow 2e-4.
  criterion: 'abs-or-tensor-max',
  tensorCriterion: (name) => (GRADIENT.test(name) ? 'tensor-max' : undefined),
  async run(dir, inputs) {
    const out = new Map<string, tf.Tensor>();
    const c = await loadRicStepCase(dir, inputs);
    try {
      const { unet, vae, towers, schedule, batch, weights: w } = c;
      const { regionClip } = towers;
      const boxes = batch.boxes as InclusiveBox[];
      const regionText = batch.regionText!;
      // The step as the trainer takes it: Eq. 10 differentiated with respect to the UNet's variables only.
      const probes = new Map<string, tf.Tensor>();
      const probe = (name: string, t: tf.Tensor) => void probes.set(name, tf.keep(t));
      let losses: StepLosses | null = null;
      const vars = unet.params.variables().filter((v) => v.trainable);
      const { value, grads } = tf.variableGrads(() => {
        losses = editorLoss(unet, vae, towers, schedule, batch, w, probe);
        return losses.total;
      }, vars);
      const l = losses as StepLosses | null;
      if (!l?.regionEach || !l.globalEach) throw new Error('ric_step: the step computed no region or global term');
      for (const [name, t] of probes) out.set(name, t);
      out.set('source_latents', batch.sourceLatents);
      out.set('target_latents', batch.targetLatents);
      out.set('region_text_embeds', regionText);
      out.set('blip_text_feat', batch.sceneText!);
      out.set('boxes', tf.tensor2d(boxes.flatMap((b) => [b.y0, b.x0, b.y1, b.x1]), [boxes.length, 4], 'int32'));
      out.set('loss_denoise_each', l.denoiseEach);
      out.set('loss_region_each', l.regionEach);
      out.set('loss_global_each', l.globalEach);
      out.set('loss_terms', tf.tidy(() => tf.stack([tf.mean(l.denoiseEach), tf.mean(l.regionEach!), tf.mean(l.globalEach!)])));
      out.set('loss_total', value);
      const byVar = new Map(unet.params.names().map((n) => [unet.params.get(n).name, n]));
      for (const [vn, g] of Object.entries(grads)) out.set(`grad/unet.${byVar.get(vn) ?? vn}`, g);
      // pairwise adds, not tf.addN: WebGPU's AddN binds every input at once (209 > its 8 storage buffers).
      out.set('grad_norm_unet', tf.tidy(() => tf.sqrt(Object.values(grads).map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b)))));
      // Both token sets of the fusion (Eq. 7's e_r, e_f) and the no_fusion ablation's terms (Table 3).
      const image = probes.get('image_hat')!;
      const cropPixels = probes.get('crop_pixel_values')!;
      const fullPixels = probes.get('full_pixel_values')!;
      out.set('e_r', tf.tidy(() => regionClip!.visionTokens(cropPixels)));
      out.set('e_f', tf.tidy(() => regionClip!.visionTokens(fullPixels)));
      const noFusion = regionTerms(towers, image, boxes, regionText, { fusion: false });
      out.set('crop_image_embeds', noFusion.regionEmbedding);
      out.set('loss_region_nofusion_each', noFusion.each);
      tf.dispose(noFusion.cropPixels);
      // d L / d ε̂ and d L_region / d x̂0, d L_global / d x̂0 (the reference's batch means).
      const noisy = probes.get('noisy_latents')!;
      const eps = probes.get('noise_pred')!;
      const x0 = probes.get('x0_hat')!;
      out.set('grad_noise_pred_total', tf.grad((e: tf.Tensor) => lossFromPrediction(vae, towers, schedule, batch, w, noisy, e).total)(eps));
      const term = (which: 'regionEach' | 'globalEach') => (x: tf.Tensor) => tf.mean(termsFromPrediction(vae, towers, batch, { region: which === 'regionEach' ? 1 : 0, global: which === 'globalEach' ? 1 : 0, fusion: true }, x)[which]!);
      out.set('grad_x0_hat_region', tf.grad(term('regionEach'))(x0));
      out.set('grad_x0_hat_global', tf.grad(term('globalEach'))(x0));
      return out;
    } catch (err) {
      tf.dispose([...out.values()]);
      throw err;
    } finally {
      c.dispose(new Set(out.values()));
    }
  },
};
