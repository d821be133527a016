// What the editor's training loads (issue 15): the frozen VAE (or pixel space), text encoder,
// tokenizer and noise schedule from a pipeline folder; the UNet to train from the pipeline, an
// InstructPix2Pix / MagicBrush unet folder, or a text-to-image UNet widened to 2× latent channels
// (InstructPix2Pix's initialisation); the frozen Region-CLIP (clip/ + fusion/) and BLIP. The tiny
// preset writes a from-scratch pipeline folder first (seeded weights, a word tokenizer).
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeSafetensors, type WritableTensor } from '../../io/safetensors.js';
import type { BlipForImageTextRetrieval } from '../../models/blip/index.js';
import type { ClipTextModel } from '../../models/clip/text-model.js';
import { RegionClip } from '../../models/fusion/region-clip.js';
import { seededParams } from '../../models/init.js';
import { fromPretrained, resolveConfig, resolveConfigObject, type PretrainedModel } from '../../models/registry.js';
import { saveDiffusersUNet, unetParamShapes, UNet2DConditionModel, widenUNetInput, DIFFUSERS_VERSION, type UNetConfig } from '../../models/unet/index.js';
import type { LatentCodec } from '../../models/vae/index.js';
import { loadInstructPix2Pix } from '../../pipelines/load.js';
import { CLIP_NORMALIZATION, parsePreprocessorConfig, readPreprocessorConfig, type Normalization } from '../../preprocess/index.js';
import { loadScheduler } from '../../schedulers/index.js';
import type { ModelTokenizer } from '../../tokenizers/index.js';
import { folderTextEncoder, writeWordTokenizer, type TextBatchEncoder } from '../text.js';
import type { EditorTrainingConfig } from './config.js';
import type { EditorSchedule, EditorTowers, PredictionType } from './step.js';

export interface EditorModels {
  unet: UNet2DConditionModel;
  codec: LatentCodec;
  textEncoder: ClipTextModel;
  tokenizer: ModelTokenizer;
  schedule: EditorSchedule & { numTrainTimesteps: number };
  towers: EditorTowers;
  /** t_r → CLIP token ids; t_f → BLIP token ids (null when the term is off) */
  regionTexts: TextBatchEncoder | null;
  sceneTexts: TextBatchEncoder | null;
  /** the pipeline folder the frozen parts came from (validation edits and exports use it) */
  pipelineDir: string;
  dispose(): void;
}

const writeJson = (file: string, v: unknown) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(v, null, 2)}\n`);
};

/** model_index.json of an InstructPix2Pix pipeline; `pixelSpace` leaves the VAE out (`"vae": [null, null]`). */
export function modelIndexJson(opts: { pixelSpace: boolean; tokenizerClass: string; schedulerClass: string }): Record<string, unknown> {
  return {
    _class_name: 'StableDiffusionInstructPix2PixPipeline',
    _diffusers_version: DIFFUSERS_VERSION,
    feature_extractor: [null, null],
    requires_safety_checker: false,
    safety_checker: [null, null],
    scheduler: ['diffusers', opts.schedulerClass],
    text_encoder: ['transformers', 'CLIPTextModel'],
    tokenizer: ['transformers', opts.tokenizerClass],
    unet: ['diffusers', 'UNet2DConditionModel'],
    vae: opts.pixelSpace ? [null, null] : ['diffusers', 'AutoencoderKL'],
  };
}

/**
 * The tiny preset's pipeline folder, from scratch and seeded: a word tokenizer over `texts`, a random
 * (frozen) CLIP text encoder, the scheduler config, a random UNet in pixel space. Written once; a
 * resumed run finds it. Returns the folder.
 */
export async function writeTinyPipeline(dir: string, tiny: NonNullable<EditorTrainingConfig['tiny_pipeline']>, texts: Iterable<string>, seed: number): Promise<string> {
  if (fs.existsSync(path.join(dir, 'model_index.json'))) return dir;
  const tmp = `${dir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const { vocabSize } = writeWordTokenizer(path.join(tmp, 'tokenizer'), texts, tiny.max_text_tokens);
  const teConfig = { ...tiny.text_encoder, vocab_size: vocabSize, max_position_embeddings: tiny.max_text_tokens, model_type: 'clip_text_model', architectures: ['CLIPTextModel'] };
  const te = resolveConfigObject(teConfig, 'tiny text encoder config');
  const teParams = seededParams(te.family.paramShapes(te.config), seed * 7919 + 17, 'normal-0.02', { trainable: false, owner: 'tiny text encoder' });
  try {
    writeJson(path.join(tmp, 'text_encoder', 'config.json'), { ...teConfig, torch_dtype: 'float32' });
    await teParams.save(path.join(tmp, 'text_encoder', 'model.safetensors'));
  } finally {
    teParams.dispose();
  }
  const unetRaw = { _class_name: 'UNet2DConditionModel', ...tiny.unet };
  const resolved = resolveConfigObject(unetRaw, 'tiny UNet config');
  const config = resolved.config as UNetConfig;
  const unet = new UNet2DConditionModel(config, seededParams(unetParamShapes(config), seed * 7919 + 29, 'torch-default', { owner: 'tiny UNet' }));
  try {
    await saveDiffusersUNet(unet, path.join(tmp, 'unet'));
  } finally {
    unet.dispose();
  }
  writeJson(path.join(tmp, 'scheduler', 'scheduler_config.json'), { _diffusers_version: DIFFUSERS_VERSION, ...tiny.scheduler });
  const schedulerClass = typeof tiny.scheduler._class_name === 'string' ? tiny.scheduler._class_name : 'DDPMScheduler';
  writeJson(path.join(tmp, 'model_index.json'), modelIndexJson({ pixelSpace: config.in_channels === 6, tokenizerClass: 'BertTokenizer', schedulerClass }));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.renameSync(tmp, dir);
  return dir;
}

/** The UNet to train: `unetDir` (8 channels as is; 4 widened with zero weights, as InstructPix2Pix initialises), else the pipeline's. */
async function loadTrainableUNet(unetDir: string, latentChannels: number, log: (m: string) => void): Promise<UNet2DConditionModel> {
  const cfg = resolveConfig(unetDir).config as UNetConfig;
  const want = 2 * latentChannels;
  if (cfg.in_channels === want) return fromPretrained<UNet2DConditionModel>(unetDir, { trainable: true });
  if (cfg.in_channels === latentChannels) {
    const t2i = await fromPretrained<UNet2DConditionModel>(unetDir, { trainable: true });
    try {
      log(`UNet ${unetDir} takes ${cfg.in_channels} channels (text-to-image): widened to ${want}, the new conv_in channels zero (InstructPix2Pix's initialisation)`);
      return widenUNetInput(t2i, want, { trainable: true });
    } finally {
      t2i.dispose();
    }
  }
  throw new Error(`${path.join(unetDir, 'config.json')}: in_channels is ${cfg.in_channels}; the editor needs ${want} (or ${latentChannels}, widened)`);
}

export interface LoadEditorOptions {
  config: EditorTrainingConfig;
  /** the pipeline folder (the config's, or the tiny one written before) */
  pipelineDir: string;
  /** a checkpoint's unet/ folder to resume from */
  resumeUnet?: string | null;
  needRegion: boolean;
  needGlobal: boolean;
  checkpointing: boolean;
  log?: (message: string) => void;
}

export async function loadEditorModels(o: LoadEditorOptions): Promise<EditorModels> {
  const log = o.log ?? (() => undefined);
  const c = o.config;
  const owned: { dispose(): void }[] = [];
  try {
    // The pipeline's frozen parts; its UNet only when nothing else is named (then it is the one trained).
    const startUnet = o.resumeUnet ?? c.unet;
    const { pipeline, dirs } = await loadInstructPix2Pix(o.pipelineDir, { trainableUnet: !startUnet, unet: startUnet ? 'on-demand' : 'resident' });
    const parts = pipeline.parts;
    const codec = parts.vae as LatentCodec;
    const textEncoder = parts.textEncoder as ClipTextModel;
    owned.push(codec, textEncoder);
    if (!parts.tokenizer) throw new Error(`${o.pipelineDir}: the pipeline has no tokenizer`);
    const unet = startUnet ? await loadTrainableUNet(startUnet, codec.config.latent_channels, log) : (parts.unet as UNet2DConditionModel);
    owned.push(unet);
    const ddpm = loadScheduler(dirs.scheduler!, 'DDPMScheduler');
    const predictionType = ddpm.config.prediction_type as PredictionType;
    let regionClip: RegionClip | null = null;
    let blip: BlipForImageTextRetrieval | null = null;
    let regionTexts: TextBatchEncoder | null = null;
    let sceneTexts: TextBatchEncoder | null = null;
    if (o.needRegion) {
      if (!c.regionclip) throw new Error('the region loss needs a Region-CLIP checkpoint ("regionclip": a folder with clip/ and fusion/, or --regionclip RUN)');
      regionClip = await RegionClip.load(c.regionclip, { trainable: false });
      owned.push(regionClip);
      const t = regionClip.clip.config.text_config;
      regionTexts = folderTextEncoder(path.join(c.regionclip, 'clip'), Math.min(c.max_text_tokens, t.max_position_embeddings), t.pad_token_id);
    }
    if (o.needGlobal) {
      if (!c.blip) throw new Error('the global loss needs BLIP ("blip": a BlipForImageTextRetrieval folder, or --blip RUN|DIR)');
      blip = await fromPretrained<BlipForImageTextRetrieval & PretrainedModel>(c.blip, { trainable: false });
      owned.push(blip);
      const t = blip.config.text_config;
      sceneTexts = folderTextEncoder(c.blip, Math.min(c.max_text_tokens, t.max_position_embeddings), t.pad_token_id);
    }
    for (const m of [codec, textEncoder]) m.gradientCheckpointing = o.checkpointing;
    unet.gradientCheckpointing = o.checkpointing;
    if (regionClip) regionClip.clip.gradientCheckpointing = o.checkpointing;
    if (blip) blip.gradientCheckpointing = o.checkpointing;
    return {
      unet,
      codec,
      textEncoder,
      tokenizer: parts.tokenizer,
      schedule: { alphasCumprod: ddpm.alphasCumprod, predictionType, numTrainTimesteps: ddpm.config.num_train_timesteps },
      towers: { regionClip, blip, clipNorm: towerNormalization(c.regionclip ? path.join(c.regionclip, 'clip') : null), blipNorm: towerNormalization(c.blip) },
      regionTexts,
      sceneTexts,
      pipelineDir: o.pipelineDir,
      dispose: () => {
        for (const m of owned) m.dispose();
      },
    };
  } catch (err) {
    for (const m of owned) m.dispose();
    throw err;
  }
}

export { exportPipeline } from './export.js';

/** Host copies of tensors as safetensors entries (float32). */
export async function hostTensors(named: ReadonlyMap<string, tf.Tensor>): Promise<Map<string, WritableTensor>> {
  const out = new Map<string, WritableTensor>();
  for (const [n, t] of named) out.set(n, { shape: t.shape, values: Float32Array.from((await t.data()) as Float32Array), dtype: 'F32' });
  return out;
}

export { writeSafetensors };

/**
 * A frozen tower's mean/std for the decoded image (already in [0, 1], so no rescale): its folder's
 * preprocessor_config.json, or CLIP's statistics without one (ric_step's towers have none).
 */
export function towerNormalization(dir: string | null): Normalization {
  if (!dir || !fs.existsSync(path.join(dir, 'preprocessor_config.json'))) return { ...CLIP_NORMALIZATION, scale: 1 };
  const { file, raw } = readPreprocessorConfig(dir);
  const p = parsePreprocessorConfig(raw, file);
  return { mean: p.normalize ? p.mean : [0, 0, 0], std: p.normalize ? p.std : [1, 1, 1], scale: 1 };
}
